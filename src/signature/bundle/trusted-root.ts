/**
 * A bundle against a full sigstore TrustedRoot (CT logs, TSAs, Rekor v1/v2) — not reachable from policy.json, which
 * has no such fields; it exists so that the library half of our bundle verification is exercised by the
 * sigstore-conformance `bundle-verify` cases (real bundles from the public infrastructure). The identity checks
 * are ours, as in verify.ts: EKU codeSigning, the expected SAN compared *exactly* with every URI/email SAN, the
 * OIDC issuer compared exactly. With a trusted root that carries CT-log keys the library's SCT check is correct,
 * so here the library gets the certificate itself (not the hybrid key hint).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { InvalidSignatureError } from '../../errors.js';
import { goQuote } from '../../go/fmt.js';
import { fulcioIssuerInCertificate } from '../sigstore/certificates.js';
import { OID, parseCertificate } from '../../go/crypto/x509/parser.js';
import { IN_TOTO_PAYLOAD_TYPE } from './media-types.js';

export interface TrustedRootVerifyInput {
  readonly bundle: Uint8Array;
  readonly artifact: Uint8Array;
  /** A parsed `application/vnd.dev.sigstore.trustedroot+json` document. */
  readonly trustedRoot: unknown;
  /** Expected certificate identity; ignored when `publicKeyPEM` is given. */
  readonly identity?: { readonly subjectAlternativeName: string; readonly issuer: string };
  /** Verify with this key instead of a certificate identity. */
  readonly publicKeyPEM?: Uint8Array;
}

export async function verifyBundleWithTrustedRoot(o: TrustedRootVerifyInput): Promise<{ subjectAlternativeName?: string; issuer?: string }> {
  const [verify, bundleLib, specs] = await Promise.all([import('@sigstore/verify'), import('@sigstore/bundle'), import('@sigstore/protobuf-specs')]);
  let json: unknown;
  try {
    // JSON.parse-ok: sigstore bundle: beyond c/image (which never reads bundles); sigstore-js, its reference, parses with JSON.parse
    json = JSON.parse(Buffer.from(o.bundle).toString('utf8'));
  } catch (e) {
    throw new InvalidSignatureError(`invalid sigstore bundle: ${(e as Error).message}`);
  }
  const bundle = bundleLib.bundleFromJSON(json);
  // A log key without a validity start would be trusted for all time; the library defaults it, the spec does not.
  const tlogs = (o.trustedRoot as { tlogs?: { publicKey?: { validFor?: { start?: unknown } } }[] } | null)?.tlogs ?? [];
  if (tlogs.some((t) => typeof t?.publicKey?.validFor?.start !== 'string')) {
    throw new InvalidSignatureError('trusted root: a transparency log key has no validity start');
  }
  const root = specs.TrustedRoot.fromJSON(o.trustedRoot);
  const keys = o.publicKeyPEM
    ? (() => {
        const k = createPublicKey(Buffer.from(o.publicKeyPEM));
        return () => ({ publicKey: k, validFor: () => true });
      })()
    : undefined;
  const trust = verify.toTrustMaterial(root, keys);
  const verifier = new verify.Verifier(trust);
  verifier.verify(verify.toSignedEntity(bundle, Buffer.from(o.artifact))); // no policy strings: see verify.ts

  // DSSE: the library checks the envelope, not what it is about; the artifact must be a subject.
  if (bundle.content.$case === 'dsseEnvelope') {
    const env = bundle.content.dsseEnvelope;
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new InvalidSignatureError(`unsupported DSSE payload type ${goQuote(env.payloadType)}`);
    // JSON.parse-ok: in-toto statement inside a sigstore bundle: beyond c/image; sigstore-js semantics
    const st = JSON.parse(Buffer.from(env.payload).toString('utf8')) as { subject?: { digest?: Record<string, string> }[] };
    const want = createHash('sha256').update(o.artifact).digest('hex');
    if (!(st.subject ?? []).some((s) => s?.digest?.['sha256'] === want)) throw new InvalidSignatureError('no in-toto subject matches the artifact digest');
  }

  if (o.publicKeyPEM) return {};
  const vm = bundle.verificationMaterial.content;
  const der =
    vm.$case === 'certificate' ? vm.certificate.rawBytes : vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  if (!der) throw new InvalidSignatureError('bundle carries no certificate, and no key was given');
  const leaf = parseCertificate(der);
  const eku = leaf.extKeyUsage;
  if (eku.length > 0 && !eku.includes(OID.EKU_CODE_SIGNING) && !eku.includes(OID.EKU_ANY)) {
    throw new InvalidSignatureError('x509: certificate specifies an incompatible key usage');
  }
  const { issuer } = fulcioIssuerInCertificate(leaf);
  if (o.identity) {
    const sans = [...leaf.uris, ...leaf.emailAddresses];
    if (!sans.includes(o.identity.subjectAlternativeName)) {
      throw new InvalidSignatureError(`Required identity ${goQuote(o.identity.subjectAlternativeName)} not found`);
    }
    if (issuer !== o.identity.issuer) throw new InvalidSignatureError(`Unexpected Fulcio OIDC issuer ${goQuote(issuer)}`);
  }
  return { subjectAlternativeName: leaf.uris[0] ?? leaf.emailAddresses[0] ?? '', issuer };
}
