/**
 * One sigstore signature against one `sigstoreSigned` requirement: c/image `prSigstoreSigned.isSignatureAccepted`
 * up to (not including) the manifest-digest and identity checks, which the caller runs on what we return.
 *
 * Order is part of the contract, because the *first* failure is the message users see and CRI-O classifies:
 *   1. trust root from the requirement (files read now, per signature)            → plain errors
 *   2. the signature annotation must exist                                         → plain
 *   3. mode: keys | keys + Rekor | Fulcio (+ Rekor) | PKI — picks the candidate key(s)
 *   4. base64 of the signature, then cryptographic verification with the candidates → ISE
 *   5. strict payload parse                                                        → ISE
 */
import { asImgpolicyError, EvaluationError, InvalidSignatureError } from '../../errors.js';
import type { SigstoreSignature } from '../../image/types.js';
import type { SigstoreSignedRequirement } from '../../policy/types.js';
import { parseSignaturePayload } from '../payload.js';
import type { VerifiedPayload, VerifyContext } from '../types.js';
import {
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_SET_ANNOTATION,
  SIGSTORE_SIGNATURE_ANNOTATION,
} from './annotations.js';
import { parseLeafCertFromPEM, parseUntrustedIntermediatesFromPEM, verifyFulcioCertificateAtTime, verifyPKI, type CertificateFacts } from './certificates.js';
import { goBase64Decode } from '../../go/encoding/base64.js';
import { KeyParseError, keyFingerprint, loadVerifier, marshalPublicKeyToPEM, type PublicKey, type Verifier } from '../../go/crypto/keys.js';
import { verifyRekorSET, type RekorSETResult } from './rekor-set.js';
import { prepareTrustRoot, type FulcioTrustRoot, type PKITrustRoot, type SigstoreTrustRoot } from './trust-root.js';

export type SigstoreMode = 'keys' | 'keys+rekor' | 'fulcio+rekor' | 'pki';

/** What `details` carries on success (all facts of a *verified* signature). */
export interface SigstoreVerificationDetails {
  readonly mode: SigstoreMode;
  /** SHA-256 (hex) of the SPKI DER of the key that verified the payload. */
  readonly keyFingerprint: string;
  /** 0-based index of that key among the configured keys (keys modes). */
  readonly keyIndex?: number;
  readonly certificateEmails?: readonly string[];
  readonly certificateIssuer?: string;
  readonly certificateSubject?: string;
  readonly rekorIntegratedTime?: number;
  readonly rekorIntegratedTimeISO?: string;
  readonly rekorLogIndex?: number;
  readonly creator?: string;
  readonly timestamp?: number;
}

/** Go's time.Unix for the SET time, kept inside the JS Date range (far future stays "after notAfter"). */
function unixToDate(seconds: number): Date {
  const ms = Math.max(-8.64e15, Math.min(8.64e15, seconds * 1000));
  return new Date(ms);
}

function rekorDetails(r: RekorSETResult) {
  const d = unixToDate(r.integratedTime);
  return {
    rekorIntegratedTime: r.integratedTime,
    rekorIntegratedTimeISO: d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    rekorLogIndex: r.logIndex,
  };
}

function certificateDetails(f: CertificateFacts) {
  return {
    certificateEmails: f.certificate.emailAddresses,
    ...(f.issuer !== undefined ? { certificateIssuer: f.issuer } : {}),
    ...(f.certificate.subjectCommonName ? { certificateSubject: f.certificate.subjectCommonName } : {}),
  };
}

/** c/image verifySigstorePayloadBlobSignature: every verifier is built before any is tried. */
function verifyPayloadSignature(keys: readonly PublicKey[], payload: Uint8Array, sig: Uint8Array): number {
  const verifiers: Verifier[] = keys.map((k) => {
    try {
      return loadVerifier(k);
    } catch (e) {
      if (e instanceof KeyParseError) throw new EvaluationError(e.message);
      throw e;
    }
  });
  const failures: string[] = [];
  for (let i = 0; i < verifiers.length; i++) {
    const failure = verifiers[i]!.verify(payload, sig);
    if (failure === undefined) return i;
    failures.push(failure);
  }
  throw new InvalidSignatureError('cryptographic signature verification failed: ' + failures.join(', '));
}

export async function verifySigstoreSignature(
  req: SigstoreSignedRequirement,
  sig: SigstoreSignature,
  ctx: VerifyContext,
): Promise<VerifiedPayload> {
  try {
    return await verifyInner(req, sig, ctx);
  } catch (e) {
    // No raw exception may escape: anything unexpected is a plain evaluation error, never an accept.
    throw asImgpolicyError(e);
  }
}

/**
 * The table of contents: trust material, then the key or certificate (and the log that vouches for it), then the
 * signature, then the payload. Everything read from the signature is `untrusted…` until step 4 has passed.
 */
async function verifyInner(req: SigstoreSignedRequirement, sig: SigstoreSignature, ctx: VerifyContext): Promise<VerifiedPayload> {
  const root = await prepareTrustRoot(req, ctx);
  const untrustedBase64Signature = requireAnnotation(sig, SIGSTORE_SIGNATURE_ANNOTATION);
  const signer = establishSigner(root, sig, untrustedBase64Signature, ctx);
  const which = verifyPayloadSignature(signer.candidates, sig.payload, decodeSignature(untrustedBase64Signature));
  // Only now is the payload read: a parser never sees bytes that no trusted key signed.
  const parsed = parseSignaturePayload(sig.payload, 'sigstore');
  const key = signer.candidates[which]!;
  const details: SigstoreVerificationDetails = {
    mode: signer.mode,
    keyFingerprint: keyFingerprint(key),
    ...(signer.mode === 'keys' || signer.mode === 'keys+rekor' ? { keyIndex: signer.candidateIndexes[which]! } : {}),
    ...signer.details,
    ...(parsed.creator !== undefined ? { creator: parsed.creator } : {}),
    ...(parsed.timestamp !== undefined ? { timestamp: parsed.timestamp } : {}),
  };
  // No trace line here: c/image logs nothing per accepted signature, and our debug output mirrors its lines.
  return { dockerReference: parsed.dockerReference, manifestDigest: parsed.manifestDigest, details: { ...details } };
}

/** The key(s) that may have made the signature, and what vouched for them. */
interface Signer {
  mode: SigstoreMode;
  candidates: PublicKey[];
  /** Each candidate's index among the configured keys (keys modes). */
  candidateIndexes: number[];
  details: Partial<SigstoreVerificationDetails>;
}

function requireAnnotation(sig: SigstoreSignature, name: string): string {
  if (!Object.prototype.hasOwnProperty.call(sig.annotations, name)) throw new EvaluationError(`missing ${name} annotation`);
  return sig.annotations[name]!;
}

function optionalAnnotation(sig: SigstoreSignature, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(sig.annotations, name) ? sig.annotations[name] : undefined;
}

/** c/image: exactly one of public keys, Fulcio and PKI; then the mode's own consistency checks and annotations. */
function establishSigner(root: SigstoreTrustRoot, sig: SigstoreSignature, untrustedBase64Signature: string, ctx: VerifyContext): Signer {
  const sources = [root.publicKeys, root.fulcio, root.pki].filter((x) => x !== undefined).length;
  if (sources > 1) throw new EvaluationError('Internal inconsistency: More than one of public key, Fulcio, or PKI specified');
  if (sources === 0) throw new EvaluationError('Internal inconsistency: A public key, Fulcio, or PKI must be specified.');
  if (root.publicKeys) {
    if (root.rekorPublicKeys) return signerFromRekorLoggedKey(root.publicKeys, root.rekorPublicKeys, sig, untrustedBase64Signature);
    return { mode: 'keys', candidates: [...root.publicKeys], candidateIndexes: root.publicKeys.map((_, i) => i), details: {} };
  }
  if (root.fulcio) return signerFromFulcio(root.fulcio, root.rekorPublicKeys, sig, untrustedBase64Signature, ctx);
  return signerFromPKI(root.pki!, root.rekorPublicKeys, sig, ctx);
}

/** Keys + Rekor: the SET must name one of our keys; only that key may then verify the payload. */
function signerFromRekorLoggedKey(
  publicKeys: readonly PublicKey[],
  rekorPublicKeys: readonly PublicKey[],
  sig: SigstoreSignature,
  untrustedBase64Signature: string,
): Signer {
  const untrustedSET = requireAnnotation(sig, SIGSTORE_SET_ANNOTATION);
  const failures: string[] = [];
  for (let i = 0; i < publicKeys.length; i++) {
    const k = publicKeys[i]!;
    if (k.kind === 'dsa') {
      throw new EvaluationError('re-marshaling public key to PEM: x509: unsupported public key type: *dsa.PublicKey');
    }
    try {
      // The integrated time is ignored here: with a long-lived key, the SET only proves "it was logged".
      const r = verifyRekorSET(rekorPublicKeys, untrustedSET, Buffer.from(marshalPublicKeyToPEM(k)), untrustedBase64Signature, sig.payload);
      // A SET records exactly one key; the others cannot match.
      return { mode: 'keys+rekor', candidates: [k], candidateIndexes: [i], details: rekorDetails(r) };
    } catch (e) {
      if (!(e instanceof InvalidSignatureError)) throw e;
      failures.push(e.message);
    }
  }
  throw new InvalidSignatureError(`No public key verified against the RekorSET: ${failures.join(', ')}`);
}

/** Fulcio: the SET first (with the certificate PEM as the logged "key"); its time is when the cert must be valid. */
function signerFromFulcio(
  fulcio: FulcioTrustRoot,
  rekorPublicKeys: readonly PublicKey[] | undefined,
  sig: SigstoreSignature,
  untrustedBase64Signature: string,
  ctx: VerifyContext,
): Signer {
  if (!rekorPublicKeys) throw new EvaluationError('Internal inconsistency: Fulcio CA specified without a Rekor public key');
  const untrustedSET = requireAnnotation(sig, SIGSTORE_SET_ANNOTATION);
  const untrustedCertPEM = Buffer.from(requireAnnotation(sig, SIGSTORE_CERTIFICATE_ANNOTATION), 'utf8');
  const untrustedChainPEM = untrustedChain(sig);
  const r = verifyRekorSET(rekorPublicKeys, untrustedSET, untrustedCertPEM, untrustedBase64Signature, sig.payload);
  // c/image parses the chain before the leaf.
  const untrustedIntermediates = parseUntrustedIntermediatesFromPEM(untrustedChainPEM);
  const untrustedCertificate = parseLeafCertFromPEM(untrustedCertPEM);
  const facts = verifyFulcioCertificateAtTime(fulcio, unixToDate(r.integratedTime), untrustedCertificate, untrustedIntermediates, ctx.now());
  if (!facts.publicKey) throw new EvaluationError('unsupported public key type');
  return { mode: 'fulcio+rekor', candidates: [facts.publicKey], candidateIndexes: [0], details: { ...rekorDetails(r), ...certificateDetails(facts) } };
}

function signerFromPKI(pki: PKITrustRoot, rekorPublicKeys: readonly PublicKey[] | undefined, sig: SigstoreSignature, ctx: VerifyContext): Signer {
  if (rekorPublicKeys) throw new EvaluationError('Internal inconsistency: PKI specified with a Rekor public key');
  const untrustedCertPEM = Buffer.from(requireAnnotation(sig, SIGSTORE_CERTIFICATE_ANNOTATION), 'utf8');
  const untrustedIntermediates = parseUntrustedIntermediatesFromPEM(untrustedChain(sig));
  const untrustedCertificate = parseLeafCertFromPEM(untrustedCertPEM);
  const facts = verifyPKI(pki, ctx.now(), untrustedCertificate, untrustedIntermediates);
  if (!facts.publicKey) throw new EvaluationError('unsupported public key type');
  return { mode: 'pki', candidates: [facts.publicKey], candidateIndexes: [0], details: certificateDetails(facts) };
}

function untrustedChain(sig: SigstoreSignature): Buffer | undefined {
  const chain = optionalAnnotation(sig, SIGSTORE_CHAIN_ANNOTATION);
  return chain !== undefined ? Buffer.from(chain, 'utf8') : undefined;
}

function decodeSignature(untrustedBase64Signature: string): Uint8Array {
  try {
    return goBase64Decode(untrustedBase64Signature);
  } catch (e) {
    throw new InvalidSignatureError(`base64 decoding: ${(e as Error).message}`);
  }
}
