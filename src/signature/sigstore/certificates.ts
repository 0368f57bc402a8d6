/**
 * Certificate-based key determination: Fulcio (c/image fulcio_cert.go) and PKI (pki_cert.go).
 *
 * Both end with "the leaf's public key is the only key that may have signed the payload"; what differs is *when*
 * the chain must be valid (Fulcio: at the Rekor SET's integrated time, because Fulcio leaves live ten minutes and
 * the SET is the trusted proof that the signature existed then; PKI: now) and *who* the signer must be (Fulcio:
 * OIDC issuer + email; PKI: email and/or hostname). The last certificate of the chain annotation is never used:
 * it is conventionally the root, and a root supplied by the signature itself must not be trusted — roots come
 * only from the policy.
 */
import { InvalidSignatureError } from '../../errors.js';
import { goQuote, goQuoteList } from '../../go/fmt.js';
import { DERError, TAG, contents, parseOne } from '../../go/encoding/asn1.js';
import { goQuoteBytes } from '../../go/fmt.js';
import type { PublicKey } from '../../go/crypto/keys.js';
import type { FulcioTrustRoot, PKITrustRoot } from './trust-root.js';
import { OID, unmarshalCertificatesFromPEM, verifyCertificate, verifyHostname, type Certificate } from '../../go/crypto/x509/x509.js';

const ise = (m: string) => new InvalidSignatureError(m);

/** c/image parseLeafCertFromPEM: exactly one certificate, parsed strictly. */
export function parseLeafCertFromPEM(pem: Uint8Array): Certificate {
  let certs: Certificate[];
  try {
    certs = unmarshalCertificatesFromPEM(pem);
  } catch (e) {
    throw ise(`parsing leaf certificate: ${(e as Error).message}`);
  }
  if (certs.length === 0) throw ise('no certificate found in signature certificate data');
  if (certs.length > 1) throw ise('unexpected multiple certificates present in signature certificate data');
  return certs[0]!;
}

/** The chain annotation minus its last certificate (see the module comment). */
function untrustedIntermediates(chainPEM: Uint8Array | undefined): Certificate[] {
  if (!chainPEM || chainPEM.length === 0) return [];
  let chain: Certificate[];
  try {
    chain = unmarshalCertificatesFromPEM(chainPEM);
  } catch (e) {
    throw ise(`loading certificate chain: ${(e as Error).message}`);
  }
  return chain.length > 1 ? chain.slice(0, -1) : [];
}

const ASN1_STRING_TAGS = new Set<number>([TAG.UTF8String, TAG.PrintableString, TAG.IA5String, TAG.T61String, TAG.NumericString, TAG.BMPString]);

/** Go `asn1.Unmarshal(value, &string)` for the v2 issuer extension. */
function decodeASN1String(value: Uint8Array): string {
  let t;
  try {
    t = parseOne(value);
  } catch (e) {
    if (e instanceof DERError && e.message === 'trailing data') throw new Error('trailing data');
    throw new Error(`asn1: syntax error: ${(e as Error).message}`);
  }
  if (!ASN1_STRING_TAGS.has(t.tag)) throw new Error(`asn1: structure error: tags don't match (12 vs {class:${t.tag >> 6} tag:${t.tag & 0x1f} length:${t.end - t.contentStart} isCompound:${(t.tag & 0x20) !== 0}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}  @2`);
  const b = contents(t);
  switch (t.tag) {
    case TAG.BMPString:
      if (b.length % 2 !== 0) throw new Error('asn1: syntax error: invalid BMPString');
      return Buffer.from(b).swap16().toString('utf16le');
    case TAG.PrintableString:
      if (!/^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(Buffer.from(b).toString('latin1'))) throw new Error('asn1: syntax error: PrintableString contains invalid character');
      return Buffer.from(b).toString('latin1');
    case TAG.IA5String:
      if (b.some((c) => c >= 0x80)) throw new Error('asn1: syntax error: IA5String contains invalid character');
      return Buffer.from(b).toString('latin1');
    case TAG.NumericString:
      if (!/^[0-9 ]*$/.test(Buffer.from(b).toString('latin1'))) throw new Error('asn1: syntax error: NumericString contains invalid character');
      return Buffer.from(b).toString('latin1');
    case TAG.T61String: {
      // Go's asn1 makes a T61String `string(rawBytes)` without transcoding, and the issuer is compared byte for byte.
      // Decoding as latin1 would let the byte 0xE9 equal a policy's "é" (C3 A9): a match c/image never makes. Valid
      // UTF-8 decodes to exactly Go's bytes; anything else cannot equal a (UTF-8) policy string, so it is refused.
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        throw new Error('asn1: syntax error: T61String is not UTF-8 (it can never equal a policy string)');
      }
    }
    default: {
      const s = new TextDecoder('utf-8', { fatal: true });
      try {
        return s.decode(b);
      } catch {
        throw new Error('asn1: syntax error: invalid UTF-8 string');
      }
    }
  }
}

/**
 * c/image fulcioIssuerInCertificate: the v1 extension (raw bytes) and/or the v2 one (a DER string); both present
 * must agree. Returns the issuer as bytes-faithful text plus its raw bytes for exact comparison.
 */
export function fulcioIssuerInCertificate(cert: Certificate): { issuer: string; raw: Uint8Array } {
  let v1: Uint8Array | undefined;
  let v2: string | undefined;
  for (const ext of cert.extensions) {
    if (ext.oid === OID.FULCIO_ISSUER_V1) {
      if (v1) throw ise('Fulcio certificate has a duplicate OIDC issuer v1 extension');
      v1 = ext.value;
    } else if (ext.oid === OID.FULCIO_ISSUER_V2) {
      if (v2 !== undefined) throw ise('Fulcio certificate has a duplicate OIDC issuer v2 extension');
      try {
        v2 = decodeASN1String(ext.value);
      } catch (e) {
        if ((e as Error).message === 'trailing data') throw ise('invalid ASN.1 in OIDC issuer v2 extension, trailing data');
        throw ise(`invalid ASN.1 in OIDC issuer v2 extension: ${(e as Error).message}`);
      }
    }
  }
  if (v1 && v2 !== undefined) {
    if (!Buffer.from(v1).equals(Buffer.from(v2, 'utf8'))) {
      throw ise(`inconsistent OIDC issuer extension values: v1 ${goQuoteBytes(v1)}, v2 ${goQuote(v2)}`);
    }
    return { issuer: v2, raw: v1 };
  }
  if (v1) return { issuer: new TextDecoder().decode(v1), raw: v1 };
  if (v2 !== undefined) return { issuer: v2, raw: Buffer.from(v2, 'utf8') };
  throw ise('Fulcio certificate is missing the issuer extension');
}

function requireEmail(cert: Certificate, email: string): void {
  if (!cert.emailAddresses.includes(email)) {
    throw ise(`Required email ${goQuote(email)} not found (got ${goQuoteList(cert.emailAddresses)})`);
  }
}

export interface CertificateFacts {
  readonly publicKey: PublicKey | undefined;
  readonly certificate: Certificate;
  readonly issuer?: string;
}

/** c/image verifyFulcioCertificateAtTime. */
export function verifyFulcioCertificateAtTime(
  root: FulcioTrustRoot,
  at: Date,
  certPEM: Uint8Array,
  chainPEM: Uint8Array | undefined,
): CertificateFacts {
  const intermediates = untrustedIntermediates(chainPEM);
  const cert = parseLeafCertFromPEM(certPEM);
  // Go refuses a critical SAN holding only names it does not understand (Fulcio issues such: otherName-only);
  // c/image matches the SAN itself, so it tolerates it — in Fulcio mode only.
  cert.unhandledCriticalExtensions = cert.unhandledCriticalExtensions.filter((o) => o !== OID.SAN);
  const err = verifyCertificate(cert, {
    roots: root.caCertificates,
    intermediates,
    currentTime: at,
    keyUsages: [OID.EKU_CODE_SIGNING],
  });
  if (err) throw ise(`veryfing leaf certificate failed: ${err}`);
  // No SCT check (as c/image): the mandatory Rekor SET already proves the certificate was logged with the signature.
  const { issuer, raw } = fulcioIssuerInCertificate(cert);
  if (!Buffer.from(raw).equals(Buffer.from(root.oidcIssuer, 'utf8'))) {
    throw ise(`Unexpected Fulcio OIDC issuer ${goQuoteBytes(raw)}`);
  }
  requireEmail(cert, root.subjectEmail);
  return { publicKey: cert.publicKey, certificate: cert, issuer };
}

/** c/image verifyPKI, at `now`. */
export function verifyPKI(root: PKITrustRoot, now: Date, certPEM: Uint8Array, chainPEM: Uint8Array | undefined): CertificateFacts {
  const intermediates = [...(root.caIntermediateCertificates ?? [])];
  intermediates.push(...untrustedIntermediates(chainPEM));
  const cert = parseLeafCertFromPEM(certPEM);
  const err = verifyCertificate(cert, {
    roots: root.caRootsCertificates,
    intermediates,
    currentTime: now,
    keyUsages: [OID.EKU_CODE_SIGNING],
  });
  if (err) throw ise(`veryfing leaf certificate failed: ${err}`);
  if (root.subjectEmail) requireEmail(cert, root.subjectEmail);
  if (root.subjectHostname) {
    const h = verifyHostname(cert, root.subjectHostname);
    if (h) throw ise(`Unexpected subject hostname: ${h}`);
  }
  return { publicKey: cert.publicKey, certificate: cert };
}
