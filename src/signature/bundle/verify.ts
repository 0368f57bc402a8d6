/**
 * One sigstore bundle (v0.1–v0.3) against one `sigstoreSigned` requirement, for one image digest. Beyond
 * containers/image (which never reads bundles): the rules are c/image's wherever the policy fields have a meaning —
 *
 *   keys          the bundle must verify with one of the configured keys (tlog entries are ignored, as c/image
 *                 ignores SETs when no Rekor key is configured);
 *   keys + Rekor  additionally a Rekor entry (SET *or* inclusion proof with a signed checkpoint) signed by a policy
 *                 Rekor key, which must name that very key;
 *   Fulcio+Rekor  the certificate must chain to the policy CA **at the Rekor SET time** (the only signed time a
 *                 bundle carries that the policy can check: no TSA in policy.json), EKU codeSigning, OIDC issuer
 *                 equal to `oidcIssuer` and `subjectEmail` equal to one of the certificate's email SANs — byte
 *                 comparisons, our own code (src/signature/sigstore/); SCTs are not checked (as c/image);
 *   PKI           the certificate must chain to the policy roots now, email / hostname as c/image.
 *
 * @sigstore/verify 3 does what it does the way c/image would want it (DSSE PAE / message signature, SET, Merkle
 * inclusion proof, checkpoint signature, logged signature and digest) in "hybrid" mode: we decide which key is
 * trusted and hand the library only that key (`publicKey` hint material), never a certificate (it would verify
 * every SCT and throw without CT-log keys, check no EKU, and look at the first SAN only) and never an identity
 * string (it treats `subjectAlternativeName` / `issuer` strings as *unanchored regular expressions*:
 * `a.b@x.com` would accept `aXb@x.com.evil`). What it leaves out, we check: the logged verifier (tlog-body.ts).
 *
 * What a bundle says is checked after the cryptography, in c/image's order: the DSSE payload must be an in-toto
 * statement of predicate type `https://sigstore.dev/cosign/sign/v1` (cosign v3 `sign`; other attestations are not
 * signatures, as c/image skips non-signature attachments), then the caller compares the digest and identity.
 */
import { createHash } from 'node:crypto';
import { asImgpolicyError, EvaluationError, ImgpolicyError, InvalidSignatureError, PolicyRequirementError } from '../../errors.js';
import type { SigstoreSignedRequirement } from '../../policy/types.js';
import { goQuote } from '../../go/fmt.js';
import { verifyFulcioCertificateAtTime, verifyPKI } from '../sigstore/certificates.js';
import type { SigstoreMode } from '../sigstore/verify.js';
import { KeyParseError, keyFingerprint, loadVerifier, type PublicKey } from '../../go/crypto/keys.js';
import { prepareTrustRoot, type FulcioTrustRoot, type PKITrustRoot, type SigstoreTrustRoot } from '../sigstore/trust-root.js';
import { parseCertificate, type Certificate } from '../../go/crypto/x509/parser.js';
import type { VerifiedPayload, VerifyContext } from '../types.js';
import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPES, isBundleMediaType } from './media-types.js';
import { loggedVerifiers } from './tlog-body.js';

export interface BundleInput {
  /** The bundle JSON as stored. */
  readonly bytes: Uint8Array;
  /** The digest the bundle must sign (`sha256:<hex>`). */
  readonly imageDigest: string;
  /** The manifest bytes: the artifact of a message-signature bundle. */
  readonly manifest: Uint8Array;
  /**
   * The identity reported as "signed": bundles carry no signed image name (cosign v3 signs only the digest), so the
   * image's own reference is used and `signedIdentity` constrains the *reference being run*, not a signer's claim.
   */
  readonly imageIdentity: string;
}

export interface BundleVerificationDetails {
  readonly format: 'sigstore-bundle';
  readonly bundleMediaType: string;
  readonly content: 'dsse-envelope' | 'message-signature';
  /** The same modes as the cosign verifier's. */
  readonly mode: SigstoreMode;
  readonly keyFingerprint: string;
  readonly keyIndex?: number;
  readonly predicateType?: string;
  readonly certificateEmails?: readonly string[];
  readonly certificateIssuer?: string;
  readonly rekorIntegratedTime?: number;
  readonly rekorIntegratedTimeISO?: string;
  readonly rekorLogIndex?: number;
  readonly rekorInclusion?: 'set' | 'inclusion-proof' | 'set+inclusion-proof';
  /** Always "none": see BundleInput.imageIdentity. */
  readonly signedIdentity: 'none';
  readonly identityCheckedAgainst: string;
}

const ise = (m: string) => new InvalidSignatureError(m);

type SigstoreVerify = typeof import('@sigstore/verify');
type SigstoreBundle = typeof import('@sigstore/bundle');
let libs: Promise<{ verify: SigstoreVerify; bundle: SigstoreBundle }> | undefined;
/** Lazy: the libraries cost ~60 ms to load and only bundle evaluation needs them. */
function loadLibs() {
  return (libs ??= (async () => {
    const [verify, bundle] = await Promise.all([import('@sigstore/verify'), import('@sigstore/bundle')]);
    return { verify, bundle };
  })());
}

interface ParsedBundle {
  json: Record<string, unknown>;
  mediaType: string;
  content: 'dsse-envelope' | 'message-signature';
  /** Leaf first, then any further certificates the bundle carries (untrusted). */
  untrustedCertificates: Certificate[];
  tlogEntries: Record<string, unknown>[];
}

function b64(s: unknown): Buffer {
  return Buffer.from(typeof s === 'string' ? s : '', 'base64');
}

/** Strict JSON, then @sigstore/bundle's schema validation (per version: v0.2+ need inclusion proofs). */
async function parseBundle(bytes: Uint8Array): Promise<ParsedBundle> {
  let json: unknown;
  try {
    // JSON.parse-ok: sigstore bundle: beyond c/image (which never reads bundles); sigstore-js, its reference, parses with JSON.parse
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw ise(`invalid sigstore bundle: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw ise('invalid sigstore bundle: not a JSON object');
  const o = json as Record<string, unknown>;
  const mediaType = typeof o['mediaType'] === 'string' ? o['mediaType'] : '';
  if (!isBundleMediaType(mediaType)) throw ise(`unsupported sigstore bundle media type ${goQuote(mediaType)}`);
  const { bundle } = await loadLibs();
  try {
    bundle.bundleFromJSON(o);
  } catch (e) {
    throw ise(`invalid sigstore bundle: ${(e as Error).message}`);
  }
  const vm = (o['verificationMaterial'] ?? {}) as Record<string, unknown>;
  const raw: unknown[] = [];
  if (vm['certificate']) raw.push((vm['certificate'] as Record<string, unknown>)['rawBytes']);
  else if (vm['x509CertificateChain']) {
    const certs = (vm['x509CertificateChain'] as Record<string, unknown>)['certificates'];
    if (Array.isArray(certs)) for (const c of certs) raw.push((c as Record<string, unknown>)?.['rawBytes']);
  }
  const certificates: Certificate[] = [];
  for (const r of raw) {
    try {
      certificates.push(parseCertificate(b64(r)));
    } catch (e) {
      throw ise(`parsing bundle certificate: ${(e as Error).message}`);
    }
  }
  const content = o['dsseEnvelope'] ? 'dsse-envelope' : 'message-signature';
  const tlogEntries = Array.isArray(vm['tlogEntries']) ? (vm['tlogEntries'] as Record<string, unknown>[]) : [];
  return { json: o, mediaType, content, untrustedCertificates: certificates, tlogEntries };
}

/**
 * The bundle handed to the library: same content and (when wanted) tlog entries, but the key material replaced
 * by a hint that resolves to the one key *we* decided to trust. RFC 3161 timestamps are dropped: the policy has
 * no TSA to check them against.
 */
function hybridBundle(p: ParsedBundle, keepTlog: boolean): Record<string, unknown> {
  const { verificationMaterial: _vm, ...rest } = p.json;
  return {
    ...rest,
    verificationMaterial: {
      publicKey: { hint: 'imgpolicy-trusted-key' },
      tlogEntries: keepTlog ? p.tlogEntries : [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
  };
}

/** Policy Rekor keys as library tlog authorities; checkpoint signer names are matched by the library as a regex
 * against `baseURL`, so we register each key once per (plain) signer name found in the bundle's checkpoints. */
function tlogAuthorities(rekorKeys: readonly PublicKey[], p: ParsedBundle) {
  const names = new Set<string>(['']);
  for (const e of p.tlogEntries) {
    const env = (((e['inclusionProof'] ?? {}) as Record<string, unknown>)['checkpoint'] as Record<string, unknown> | undefined)?.['envelope'];
    if (typeof env !== 'string') continue;
    for (const m of env.matchAll(/\u2014 (\S+) (\S+)\n/g)) if (/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/.test(m[1]!)) names.add(m[1]!);
  }
  const forever = { start: new Date(0), end: new Date(8.64e15) };
  const out = [];
  for (const k of rekorKeys) {
    const logID = createHash('sha256').update(k.spki).digest();
    for (const baseURL of names) out.push({ logID, baseURL, publicKey: k.keyObject!, validFor: forever });
  }
  return out;
}

async function libraryVerify(
  p: ParsedBundle,
  key: PublicKey,
  artifact: Uint8Array | undefined,
  o: { rekorKeys?: readonly PublicKey[]; needSET?: boolean },
): Promise<void> {
  const { verify, bundle } = await loadLibs();
  const keepTlog = o.rekorKeys !== undefined;
  const b = bundle.bundleFromJSON(hybridBundle(p, keepTlog));
  const trust = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: keepTlog ? tlogAuthorities(o.rekorKeys!, p) : [],
    ctlogs: [],
    // Time validity of the key is our business (certificates are checked at the SET time by our own code).
    publicKey: () => ({ publicKey: key.keyObject!, validFor: () => true }),
  };
  const verifier = new verify.Verifier(trust as unknown as import('@sigstore/verify').TrustMaterial, {
    tlogThreshold: keepTlog ? 1 : 0,
    ctlogThreshold: 0,
    timestampThreshold: o.needSET ? 1 : 0,
  });
  // No policy argument: identity is never handed to the library (see the module comment).
  verifier.verify(verify.toSignedEntity(b, artifact === undefined ? undefined : Buffer.from(artifact)));
}

function libraryMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
}

/** The logged verifier must be the key (SPKI DER) or certificate (DER) we trusted. */
function checkLoggedVerifier(p: ParsedBundle, expected: Uint8Array, what: string): void {
  for (const e of p.tlogEntries) {
    const { kind, version, verifiers } = loggedVerifiers(b64(e['canonicalizedBody']));
    if (verifiers.length === 0) throw ise(`Rekor entry of kind ${kind}/${version} names no verifier that imgpolicy can compare`);
    if (!verifiers.some((v) => Buffer.from(v).equals(Buffer.from(expected)))) throw ise(`${what} in Rekor entry does not match`);
  }
}

function rekorFacts(p: ParsedBundle) {
  const withSET = p.tlogEntries.find((e) => e['inclusionPromise']);
  const hasProof = p.tlogEntries.some((e) => e['inclusionProof']);
  const inclusion = withSET && hasProof ? 'set+inclusion-proof' : withSET ? 'set' : hasProof ? 'inclusion-proof' : undefined;
  const first = withSET ?? p.tlogEntries[0];
  const t = first ? Number(first['integratedTime']) : NaN;
  return {
    ...(Number.isFinite(t) && withSET ? { rekorIntegratedTime: t, rekorIntegratedTimeISO: new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    ...(first && Number.isFinite(Number(first['logIndex'])) ? { rekorLogIndex: Number(first['logIndex']) } : {}),
    ...(inclusion ? { rekorInclusion: inclusion as BundleVerificationDetails['rekorInclusion'] } : {}),
  };
}

/** What the signed content claims, read only after the signature verified. */
function readClaims(p: ParsedBundle, input: BundleInput): { manifestDigest: string; predicateType?: string } {
  if (p.content === 'message-signature') {
    const md = ((p.json['messageSignature'] as Record<string, unknown>)['messageDigest'] ?? {}) as Record<string, unknown>;
    return { manifestDigest: `sha256:${b64(md['digest']).toString('hex')}` };
  }
  const env = p.json['dsseEnvelope'] as Record<string, unknown>;
  let st: Record<string, unknown>;
  try {
    // JSON.parse-ok: in-toto statement inside a sigstore bundle: beyond c/image; sigstore-js semantics
    st = JSON.parse(b64(env['payload']).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw ise(`parsing in-toto statement: ${(e as Error).message}`);
  }
  if (typeof st !== 'object' || st === null) throw ise('parsing in-toto statement: not a JSON object');
  if (!(IN_TOTO_STATEMENT_TYPES as readonly unknown[]).includes(st['_type'])) throw ise(`unsupported in-toto statement type ${goQuote(String(st['_type']))}`);
  const predicateType = typeof st['predicateType'] === 'string' ? st['predicateType'] : '';
  if (predicateType !== COSIGN_SIGN_PREDICATE_TYPE) {
    throw ise(`bundle holds an in-toto attestation of type ${goQuote(predicateType)}, not a cosign image signature (${COSIGN_SIGN_PREDICATE_TYPE})`);
  }
  const subjects = Array.isArray(st['subject']) ? (st['subject'] as Record<string, unknown>[]) : [];
  const digests = subjects
    .map((s) => ((s?.['digest'] ?? {}) as Record<string, unknown>)['sha256'])
    .filter((d): d is string => typeof d === 'string')
    .map((d) => `sha256:${d}`);
  if (digests.length === 0) throw ise('in-toto statement has no sha256 subject');
  // cosign's IntotoSubjectClaimVerifier: any subject naming the image digest will do.
  return { manifestDigest: digests.find((d) => d === input.imageDigest) ?? digests[0]!, predicateType };
}

export async function verifySigstoreBundle(req: SigstoreSignedRequirement, input: BundleInput, ctx: VerifyContext): Promise<VerifiedPayload> {
  try {
    return await verifyInner(req, input, ctx);
  } catch (e) {
    // No raw exception may escape: anything unexpected is a plain evaluation error, never an accept.
    throw asImgpolicyError(e);
  }
}

/**
 * The table of contents: trust material, then the bundle and the artifact it claims to sign, then the key or
 * certificate together with the log and the signature (one library call checks both), then what the payload says.
 */
async function verifyInner(req: SigstoreSignedRequirement, input: BundleInput, ctx: VerifyContext): Promise<VerifiedPayload> {
  const root = await prepareTrustRoot(req, ctx);
  const untrustedBundle = await parseBundle(input.bytes);
  const artifact = signedArtifact(untrustedBundle, input);
  const signer = await verifySigner(root, untrustedBundle, artifact, ctx);
  const claims = readClaims(untrustedBundle, input);
  const details: BundleVerificationDetails = {
    format: 'sigstore-bundle',
    bundleMediaType: untrustedBundle.mediaType,
    content: untrustedBundle.content,
    mode: signer.mode,
    keyFingerprint: keyFingerprint(signer.key),
    ...(signer.keyIndex !== undefined ? { keyIndex: signer.keyIndex } : {}),
    ...(claims.predicateType ? { predicateType: claims.predicateType } : {}),
    ...signer.details,
    signedIdentity: 'none',
    identityCheckedAgainst: input.imageIdentity,
  };
  return { dockerReference: input.imageIdentity, manifestDigest: claims.manifestDigest, details: { ...details } };
}

/**
 * A message signature is over the manifest itself (returned as the artifact); a DSSE envelope carries its own
 * payload (undefined). The envelope's shape is refused here, before any cryptography.
 */
function signedArtifact(p: ParsedBundle, input: BundleInput): Uint8Array | undefined {
  if (p.content === 'message-signature') {
    const md = ((p.json['messageSignature'] as Record<string, unknown>)['messageDigest'] ?? {}) as Record<string, unknown>;
    if (md['algorithm'] !== 'SHA2_256') throw ise(`unsupported message digest algorithm ${goQuote(String(md['algorithm']))}`);
    // A bundle for other bytes cannot verify over ours, so say what it is about instead of a cryptographic failure.
    const claimed = `sha256:${b64(md['digest']).toString('hex')}`;
    if (claimed !== `sha256:${createHash('sha256').update(input.manifest).digest('hex')}`) {
      throw new PolicyRequirementError(`Signature for digest ${claimed} does not match`);
    }
    return input.manifest;
  }
  const env = p.json['dsseEnvelope'] as Record<string, unknown>;
  if (env['payloadType'] !== IN_TOTO_PAYLOAD_TYPE) throw ise(`unsupported DSSE payload type ${goQuote(String(env['payloadType']))}`);
  if (!Array.isArray(env['signatures']) || env['signatures'].length !== 1) throw ise('DSSE envelope must carry exactly one signature');
  return undefined;
}

/** The key that verified the bundle, and what vouched for it. */
interface BundleSigner {
  mode: SigstoreMode;
  key: PublicKey;
  keyIndex?: number;
  details: Partial<BundleVerificationDetails>;
}

function verifySigner(root: SigstoreTrustRoot, p: ParsedBundle, artifact: Uint8Array | undefined, ctx: VerifyContext): Promise<BundleSigner> {
  if (root.publicKeys) return signerFromKeys(root.publicKeys, root.rekorPublicKeys, p, artifact);
  if (root.fulcio) return signerFromFulcio(root.fulcio, root.rekorPublicKeys, p, artifact, ctx);
  if (root.pki) return signerFromPKI(root.pki, root.rekorPublicKeys, p, artifact, ctx);
  throw new EvaluationError('Internal inconsistency: A public key, Fulcio, or PKI must be specified.');
}

/** c/image keys mode ignores a certificate annotation; a bundle's certificate is likewise irrelevant. */
async function signerFromKeys(
  publicKeys: readonly PublicKey[],
  rekorPublicKeys: readonly PublicKey[] | undefined,
  p: ParsedBundle,
  artifact: Uint8Array | undefined,
): Promise<BundleSigner> {
  // c/image: an unusable key type fails the signature before anything is tried.
  for (const k of publicKeys) {
    try {
      loadVerifier(k);
    } catch (e) {
      if (e instanceof KeyParseError) throw new EvaluationError(e.message);
      throw e;
    }
  }
  const failures: string[] = [];
  for (let i = 0; i < publicKeys.length; i++) {
    const k = publicKeys[i]!;
    try {
      await libraryVerify(p, k, artifact, rekorPublicKeys ? { rekorKeys: rekorPublicKeys } : {});
      if (rekorPublicKeys) checkLoggedVerifier(p, k.spki, 'publicKey');
      return { mode: rekorPublicKeys ? 'keys+rekor' : 'keys', key: k, keyIndex: i, details: rekorPublicKeys ? rekorFacts(p) : {} };
    } catch (e) {
      if (e instanceof ImgpolicyError && !(e instanceof InvalidSignatureError)) throw e;
      failures.push(e instanceof InvalidSignatureError ? e.message : libraryMessage(e));
    }
  }
  throw ise(
    rekorPublicKeys
      ? `No public key verified against the Rekor entry: ${failures.join(', ')}`
      : `cryptographic signature verification failed: ${failures.join(', ')}`,
  );
}

async function signerFromFulcio(
  fulcio: FulcioTrustRoot,
  rekorPublicKeys: readonly PublicKey[] | undefined,
  p: ParsedBundle,
  artifact: Uint8Array | undefined,
  ctx: VerifyContext,
): Promise<BundleSigner> {
  if (!rekorPublicKeys) throw new EvaluationError('Internal inconsistency: Fulcio CA specified without a Rekor public key');
  const untrustedLeaf = p.untrustedCertificates[0];
  if (!untrustedLeaf) throw ise('sigstore bundle carries no certificate (required for Fulcio)');
  if (!untrustedLeaf.publicKey) throw new EvaluationError('unsupported public key type');
  const withSET = p.tlogEntries.find((e) => e['inclusionPromise']);
  if (!withSET) throw ise('sigstore bundle has no Rekor SET (inclusion promise): a Fulcio certificate needs a signed integration time');
  try {
    await libraryVerify(p, untrustedLeaf.publicKey, artifact, { rekorKeys: rekorPublicKeys, needSET: true });
  } catch (e) {
    throw ise(`verifying sigstore bundle: ${libraryMessage(e)}`);
  }
  checkLoggedVerifier(p, untrustedLeaf.raw, 'certificate');
  const at = new Date(Number(withSET['integratedTime']) * 1000);
  // Only a path to a *policy* root counts; the bundle's other certificates are untrusted intermediates.
  const facts = verifyFulcioCertificateAtTime(fulcio, at, untrustedLeaf, p.untrustedCertificates.slice(1), ctx.now());
  return {
    mode: 'fulcio+rekor',
    key: untrustedLeaf.publicKey,
    details: { ...rekorFacts(p), certificateEmails: untrustedLeaf.emailAddresses, ...(facts.issuer !== undefined ? { certificateIssuer: facts.issuer } : {}) },
  };
}

async function signerFromPKI(
  pki: PKITrustRoot,
  rekorPublicKeys: readonly PublicKey[] | undefined,
  p: ParsedBundle,
  artifact: Uint8Array | undefined,
  ctx: VerifyContext,
): Promise<BundleSigner> {
  if (rekorPublicKeys) throw new EvaluationError('Internal inconsistency: PKI specified with a Rekor public key');
  const untrustedLeaf = p.untrustedCertificates[0];
  if (!untrustedLeaf) throw ise('sigstore bundle carries no certificate (required for PKI)');
  if (!untrustedLeaf.publicKey) throw new EvaluationError('unsupported public key type');
  verifyPKI(pki, ctx.now(), untrustedLeaf, p.untrustedCertificates.slice(1));
  try {
    await libraryVerify(p, untrustedLeaf.publicKey, artifact, {});
  } catch (e) {
    throw ise(`cryptographic signature verification failed: ${libraryMessage(e)}`);
  }
  return { mode: 'pki', key: untrustedLeaf.publicKey, details: { certificateEmails: untrustedLeaf.emailAddresses } };
}
