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
import { prepareTrustRoot } from './trust-root.js';

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

async function verifyInner(req: SigstoreSignedRequirement, sig: SigstoreSignature, ctx: VerifyContext): Promise<VerifiedPayload> {
  const root = await prepareTrustRoot(req, ctx);
  const ann = sig.annotations;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(ann, k);
  if (!has(SIGSTORE_SIGNATURE_ANNOTATION)) throw new EvaluationError(`missing ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`);
  const base64Signature = ann[SIGSTORE_SIGNATURE_ANNOTATION]!;
  const payload = sig.payload;

  const sources = [root.publicKeys, root.fulcio, root.pki].filter((x) => x !== undefined).length;
  if (sources > 1) throw new EvaluationError('Internal inconsistency: More than one of public key, Fulcio, or PKI specified');
  if (sources === 0) throw new EvaluationError('Internal inconsistency: A public key, Fulcio, or PKI must be specified.');

  let candidates: PublicKey[];
  let candidateIndexes: number[];
  let mode: SigstoreMode;
  let extra: Partial<SigstoreVerificationDetails> = {};

  if (root.publicKeys) {
    if (root.rekorPublicKeys) {
      // Keys + Rekor: the SET must name one of our keys; only that key may then verify the payload.
      mode = 'keys+rekor';
      if (!has(SIGSTORE_SET_ANNOTATION)) throw new EvaluationError(`missing ${SIGSTORE_SET_ANNOTATION} annotation`);
      const set = ann[SIGSTORE_SET_ANNOTATION]!;
      const failures: string[] = [];
      candidates = [];
      candidateIndexes = [];
      for (let i = 0; i < root.publicKeys.length; i++) {
        const k = root.publicKeys[i]!;
        if (k.kind === 'dsa') {
          throw new EvaluationError('re-marshaling public key to PEM: x509: unsupported public key type: *dsa.PublicKey');
        }
        try {
          // The integrated time is ignored here: with a long-lived key, the SET only proves "it was logged".
          const r = verifyRekorSET(root.rekorPublicKeys, set, Buffer.from(marshalPublicKeyToPEM(k)), base64Signature, payload);
          candidates = [k];
          candidateIndexes = [i];
          extra = rekorDetails(r);
          break; // a SET records exactly one key; the others cannot match
        } catch (e) {
          if (!(e instanceof InvalidSignatureError)) throw e;
          failures.push(e.message);
        }
      }
      if (candidates.length === 0) {
        throw new InvalidSignatureError(`No public key verified against the RekorSET: ${failures.join(', ')}`);
      }
    } else {
      mode = 'keys';
      candidates = [...root.publicKeys];
      candidateIndexes = candidates.map((_, i) => i);
    }
  } else if (root.fulcio) {
    mode = 'fulcio+rekor';
    if (!root.rekorPublicKeys) throw new EvaluationError('Internal inconsistency: Fulcio CA specified without a Rekor public key');
    if (!has(SIGSTORE_SET_ANNOTATION)) throw new EvaluationError(`missing ${SIGSTORE_SET_ANNOTATION} annotation`);
    if (!has(SIGSTORE_CERTIFICATE_ANNOTATION)) throw new EvaluationError(`missing ${SIGSTORE_CERTIFICATE_ANNOTATION} annotation`);
    const untrustedCertPEM = Buffer.from(ann[SIGSTORE_CERTIFICATE_ANNOTATION]!, 'utf8');
    const untrustedChainPEM = has(SIGSTORE_CHAIN_ANNOTATION) ? Buffer.from(ann[SIGSTORE_CHAIN_ANNOTATION]!, 'utf8') : undefined;
    // The SET runs first (with the certificate PEM as the logged "key"): its time is when the cert must be valid.
    const r = verifyRekorSET(root.rekorPublicKeys, ann[SIGSTORE_SET_ANNOTATION]!, untrustedCertPEM, base64Signature, payload);
    // c/image parses the chain before the leaf.
    const untrustedIntermediates = parseUntrustedIntermediatesFromPEM(untrustedChainPEM);
    const untrustedCertificate = parseLeafCertFromPEM(untrustedCertPEM);
    const facts = verifyFulcioCertificateAtTime(root.fulcio, unixToDate(r.integratedTime), untrustedCertificate, untrustedIntermediates, ctx.now());
    candidates = facts.publicKey ? [facts.publicKey] : [];
    candidateIndexes = [0];
    extra = { ...rekorDetails(r), ...certificateDetails(facts) };
    if (!facts.publicKey) throw new EvaluationError('unsupported public key type');
  } else {
    mode = 'pki';
    const pki = root.pki!;
    if (root.rekorPublicKeys) throw new EvaluationError('Internal inconsistency: PKI specified with a Rekor public key');
    if (!has(SIGSTORE_CERTIFICATE_ANNOTATION)) throw new EvaluationError(`missing ${SIGSTORE_CERTIFICATE_ANNOTATION} annotation`);
    const untrustedCertPEM = Buffer.from(ann[SIGSTORE_CERTIFICATE_ANNOTATION]!, 'utf8');
    const untrustedChainPEM = has(SIGSTORE_CHAIN_ANNOTATION) ? Buffer.from(ann[SIGSTORE_CHAIN_ANNOTATION]!, 'utf8') : undefined;
    const untrustedIntermediates = parseUntrustedIntermediatesFromPEM(untrustedChainPEM);
    const untrustedCertificate = parseLeafCertFromPEM(untrustedCertPEM);
    const facts = verifyPKI(pki, ctx.now(), untrustedCertificate, untrustedIntermediates);
    if (!facts.publicKey) throw new EvaluationError('unsupported public key type');
    candidates = [facts.publicKey];
    candidateIndexes = [0];
    extra = certificateDetails(facts);
  }

  let sigBytes: Uint8Array;
  try {
    sigBytes = goBase64Decode(base64Signature);
  } catch (e) {
    throw new InvalidSignatureError(`base64 decoding: ${(e as Error).message}`);
  }
  const which = verifyPayloadSignature(candidates, payload, sigBytes);

  // Only now is the payload read: a parser never sees bytes that no trusted key signed.
  const parsed = parseSignaturePayload(payload, 'sigstore');
  const key = candidates[which]!;
  const details: SigstoreVerificationDetails = {
    mode,
    keyFingerprint: keyFingerprint(key),
    ...(mode === 'keys' || mode === 'keys+rekor' ? { keyIndex: candidateIndexes[which]! } : {}),
    ...extra,
    ...(parsed.creator !== undefined ? { creator: parsed.creator } : {}),
    ...(parsed.timestamp !== undefined ? { timestamp: parsed.timestamp } : {}),
  };
  // No trace line here: c/image logs nothing per accepted signature, and our debug output mirrors its lines.
  return { dockerReference: parsed.dockerReference, manifestDigest: parsed.manifestDigest, details: { ...details } };
}
