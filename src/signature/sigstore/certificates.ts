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
import { goQuote, goQuoteBytes, goQuoteList } from '../../go/fmt.js';
import { DERError, TAG, contents, parseOne } from '../../go/encoding/asn1.js';
import type { PublicKey } from '../../go/crypto/keys.js';
import type { FulcioTrustRoot, PKITrustRoot } from './trust-root.js';
import { OID, unmarshalCertificatesFromPEM, type Certificate } from '../../go/crypto/x509/parser.js';
import { verifyCertificate, verifyHostname } from '../../go/crypto/x509/verify.js';

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

/**
 * c/image's reading of the chain annotation: every block must parse, and the last certificate (conventionally the
 * root) is dropped — a root supplied by the signature itself must never be trusted.
 */
export function parseUntrustedIntermediatesFromPEM(untrustedChainPEM: Uint8Array | undefined): Certificate[] {
  if (!untrustedChainPEM || untrustedChainPEM.length === 0) return [];
  let chain: Certificate[];
  try {
    chain = unmarshalCertificatesFromPEM(untrustedChainPEM);
  } catch (e) {
    throw ise(`loading certificate chain: ${(e as Error).message}`);
  }
  return chain.length > 1 ? chain.slice(0, -1) : [];
}

/** The universal string tags Go's encoding/asn1 accepts for a Go `string` (GeneralString = 27 included). */
const GENERAL_STRING = 0x1b;
const ASN1_STRING_TAGS = new Set<number>([TAG.UTF8String, TAG.PrintableString, TAG.IA5String, TAG.T61String, GENERAL_STRING, TAG.NumericString, TAG.BMPString]);

/**
 * Go `asn1.Unmarshal(value, &string)` for the v2 issuer extension, as the bytes of the Go string: T61String and
 * GeneralString are passed through untranscoded (Go: "an 8-bit string"), a BMPString loses one NUL terminator, the
 * other types are checked and kept as they are.
 */
function decodeASN1String(value: Uint8Array): Uint8Array {
  let t;
  try {
    t = parseOne(value);
  } catch (e) {
    if (e instanceof DERError && e.message === 'trailing data') throw new Error('trailing data');
    throw new Error(`asn1: syntax error: ${(e as Error).message}`);
  }
  if (!ASN1_STRING_TAGS.has(t.tag)) throw new Error(`asn1: structure error: tags don't match (19 vs {class:${t.tag >> 6} tag:${t.tag & 0x1f} length:${t.end - t.contentStart} isCompound:${(t.tag & 0x20) !== 0}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} string @2`);
  const b = contents(t);
  const text = () => Buffer.from(b).toString('latin1');
  switch (t.tag) {
    case TAG.BMPString: {
      if (b.length % 2 !== 0) throw new Error('pkcs12: odd-length BMP string');
      const v = b.length >= 2 && b[b.length - 1] === 0 && b[b.length - 2] === 0 ? b.subarray(0, b.length - 2) : b;
      return Buffer.from(Buffer.from(v).swap16().toString('utf16le'), 'utf8');
    }
    case TAG.PrintableString:
      if (!/^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(text())) throw new Error('asn1: syntax error: PrintableString contains invalid character');
      return b;
    case TAG.IA5String:
      if (b.some((c) => c >= 0x80)) throw new Error('asn1: syntax error: IA5String contains invalid character');
      return b;
    case TAG.NumericString:
      if (!/^[0-9 ]*$/.test(text())) throw new Error('asn1: syntax error: NumericString contains invalid character');
      return b;
    case GENERAL_STRING:
    case TAG.T61String:
      return b;
    default:
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        throw new Error('asn1: invalid UTF-8 string');
      }
      return b;
  }
}

/**
 * c/image fulcioIssuerInCertificate: the v1 extension (raw bytes) and/or the v2 one (a DER string); both present
 * must agree. Returns the issuer as bytes-faithful text plus its raw bytes for exact comparison.
 */
export function fulcioIssuerInCertificate(cert: Certificate): { issuer: string; raw: Uint8Array } {
  let v1: Uint8Array | undefined;
  let v2: Uint8Array | undefined;
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
  if (v1 && v2 !== undefined && !Buffer.from(v1).equals(Buffer.from(v2))) {
    throw ise(`inconsistent OIDC issuer extension values: v1 ${goQuoteBytes(v1)}, v2 ${goQuoteBytes(v2)}`);
  }
  const raw = v1 ?? v2;
  if (raw) return { issuer: new TextDecoder().decode(raw), raw };
  throw ise('Fulcio certificate is missing the issuer extension');
}

function requireEmail(untrustedCertificate: Certificate, email: string): void {
  // Exact, case-sensitive, any of the email SANs (c/image); never a pattern.
  if (!untrustedCertificate.emailAddresses.includes(email)) {
    throw ise(`Required email ${goQuote(email)} not found (got ${goQuoteList(untrustedCertificate.emailAddresses)})`);
  }
}

export interface CertificateFacts {
  readonly publicKey: PublicKey | undefined;
  readonly certificate: Certificate;
  readonly issuer?: string;
}

/**
 * c/image verifyFulcioCertificateAtTime, for the cosign verifier and the bundle verifier alike. The chain must be
 * valid at `untrustedValidityTime` (the Rekor SET's integrated time; Go's zero time there means "now", as Go's
 * Verify reads a zero CurrentTime), EKU codeSigning, then the OIDC issuer and the email SAN.
 */
export function verifyFulcioCertificateAtTime(
  root: FulcioTrustRoot,
  untrustedValidityTime: Date,
  untrustedCertificate: Certificate,
  untrustedIntermediates: readonly Certificate[],
  systemTime: Date,
): CertificateFacts {
  // Go refuses a critical SAN holding only names it does not understand (Fulcio issues such: otherName-only);
  // c/image matches the SAN itself, so it tolerates it — in Fulcio mode only.
  const leaf: Certificate = {
    ...untrustedCertificate,
    unhandledCriticalExtensions: untrustedCertificate.unhandledCriticalExtensions.filter((o) => o !== OID.SAN),
  };
  const err = verifyCertificate(leaf, {
    roots: root.caCertificates,
    intermediates: untrustedIntermediates,
    currentTime: untrustedValidityTime,
    systemTime,
    keyUsages: [OID.EKU_CODE_SIGNING],
  });
  if (err) throw ise(`veryfing leaf certificate failed: ${err}`);
  // No SCT check (as c/image): the mandatory Rekor SET already proves the certificate was logged with the signature.
  const { issuer, raw } = fulcioIssuerInCertificate(leaf);
  if (!Buffer.from(raw).equals(Buffer.from(root.oidcIssuer, 'utf8'))) {
    throw ise(`Unexpected Fulcio OIDC issuer ${goQuoteBytes(raw)}`);
  }
  requireEmail(leaf, root.subjectEmail);
  return { publicKey: leaf.publicKey, certificate: leaf, issuer };
}

/** c/image verifyPKI, at `now`; `untrustedIntermediates` come after the policy's own intermediates. */
export function verifyPKI(root: PKITrustRoot, now: Date, untrustedCertificate: Certificate, untrustedIntermediates: readonly Certificate[]): CertificateFacts {
  const err = verifyCertificate(untrustedCertificate, {
    roots: root.caRootsCertificates,
    intermediates: [...(root.caIntermediateCertificates ?? []), ...untrustedIntermediates],
    currentTime: now,
    systemTime: now,
    keyUsages: [OID.EKU_CODE_SIGNING],
  });
  if (err) throw ise(`veryfing leaf certificate failed: ${err}`);
  if (root.subjectEmail) requireEmail(untrustedCertificate, root.subjectEmail);
  if (root.subjectHostname) {
    const h = verifyHostname(untrustedCertificate, root.subjectHostname);
    if (h) throw ise(`Unexpected subject hostname: ${h}`);
  }
  return { publicKey: untrustedCertificate.publicKey, certificate: untrustedCertificate };
}
