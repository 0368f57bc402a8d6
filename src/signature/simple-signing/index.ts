// Public face of GPG "simple signing" (atomic container signatures): c/image policy_eval_signedby.go + simple.go.
import { EvaluationError, PolicyRequirementError } from '../../errors.js';
import type { SimpleSigningSignature } from '../../image/types.js';
import type { SignedByRequirement } from '../../policy/types.js';
import { goQuote } from '../../go/fmt.js';
import { parseSignaturePayload } from '../payload.js';
import type { VerifiedPayload, VerifyContext } from '../types.js';
import { importKeyring, loadKeyBlobs } from './keys.js';
import { readSignedMessage, signatureKeyID } from './message.js';
import { loadOpenPGP } from './openpgp.js';
import { verifyGPGMessage } from './verify-gpg.js';

export { goFileErrorMessage } from './keys.js';

/**
 * One signature against one signedBy requirement, in c/image's order up to (not including) the manifest-digest and
 * identity checks, which the caller runs on the returned payload:
 *  1. keyType (only GPGKeys works; the other valid values are a plain `Unimplemented "keyType" value %q`);
 *  2. key bytes, read per signature as c/image does (so a broken key file only matters when a signature exists);
 *  3. a private keyring of exactly those keys — zero keys is PolicyRequirementError `No public keys imported`;
 *  4. the OpenPGP verification (see verify-gpg.ts);
 *  5. the signing key's own fingerprint must be a trusted identity (an imported primary key; a subkey never is);
 *  6. the strict simple-signing payload parse.
 */
export async function verifySimpleSigningSignature(
  req: SignedByRequirement,
  sig: SimpleSigningSignature,
  ctx: VerifyContext,
): Promise<VerifiedPayload> {
  switch (req.keyType) {
    case 'GPGKeys':
      break;
    case 'signedByGPGKeys':
    case 'X509Certificates':
    case 'signedByX509CAs':
      throw new EvaluationError(`Unimplemented "keyType" value ${goQuote(req.keyType)}`);
    default:
      throw new EvaluationError(`Unknown "keyType" value ${goQuote(String(req.keyType))}`);
  }

  const blobs = await loadKeyBlobs(req, ctx);
  const openpgp = await loadOpenPGP();
  const keyring = await importKeyring(openpgp, blobs);
  if (keyring.identities.length === 0) throw new PolicyRequirementError('No public keys imported');

  const verified = await verifyGPGMessage(openpgp, sig.blob, keyring, ctx.now());
  for (const weakness of verified.weaknesses) {
    // Accepted for parity with gpg (docs/gpg-weak-algorithms.md), but worth telling the user.
    ctx.trace.warn(`imgpolicy: GPG ${weakness}; accepted as gpg accepts it`, {
      keyFingerprint: verified.primaryKeyFingerprint,
      signingKeyFingerprint: verified.signingKeyFingerprint,
    });
  }

  // c/image verifyAndExtractSignature: GPGME reports the fingerprint of the key that made the signature — a subkey's
  // own fingerprint when a subkey signed — and c/image accepts it only if it is one of the imported keys, which are
  // primary keys. So a subkey signature is never accepted, whatever the primary key may do and however the keys are
  // given (keyPath, keyPaths, keyData: checked against skopeo 1.18). gpg itself would verify it: say so in a hint.
  const keyFingerprint = verified.signingKeyFingerprint;
  if (!keyring.identities.includes(keyFingerprint)) {
    const text =
      `the signature was made by subkey ${keyFingerprint} of the configured key ${verified.primaryKeyFingerprint}; gpg verifies ` +
      `such a signature, but containers/image accepts only signatures made by a primary key it imported (it compares the ` +
      `signing key's own fingerprint). Re-sign with the primary key (gpg --sign -u '${verified.primaryKeyFingerprint}!'), or ` +
      `give the signer a key whose primary key signs and put that key in the policy's keyPath/keyPaths/keyData`;
    ctx.trace.info(text, { hint: 'gpg-subkey-signature', signingKeyFingerprint: keyFingerprint, primaryKeyFingerprint: verified.primaryKeyFingerprint });
    throw new PolicyRequirementError(`Signature by key ${keyFingerprint} is not accepted`);
  }

  const payload = parseSignaturePayload(verified.content, 'simple-signing');
  return {
    dockerReference: payload.dockerReference,
    manifestDigest: payload.manifestDigest,
    details: {
      keyFingerprint,
      signingKeyFingerprint: verified.signingKeyFingerprint,
      ...(payload.creator !== undefined ? { creator: payload.creator } : {}),
      ...(payload.timestamp !== undefined ? { timestamp: payload.timestamp } : {}),
      hashAlgorithm: verified.hashAlgorithm,
    },
  };
}

/**
 * What a simple-signing blob claims, WITHOUT any verification (c/image GetUntrustedSignatureInformationWithoutVerifying).
 * Nothing here may be used for a decision: anyone can write any key ID and any claim into a blob.
 */
export interface SimpleSigningFacts {
  readonly format: 'simple-signing';
  /** Issuer key IDs (16 upper-case hex digits) named by the signature packets (or one-pass packets), untrusted. */
  readonly untrustedKeyIDs: readonly string[];
  /** Issuer fingerprints from V4 signature subpackets, when present, untrusted. */
  readonly untrustedFingerprints: readonly string[];
  readonly signatureCount: number;
  /** Signature creation time (ISO 8601) of the first signature, untrusted. */
  readonly untrustedCreated?: string;
  readonly untrustedDockerReference?: string;
  readonly untrustedManifestDigest?: string;
  readonly untrustedCreator?: string;
  readonly untrustedTimestamp?: number;
  /** Why the payload could not be read as an atomic container signature (c/image's parser message). */
  readonly payloadError?: string;
  /** Why the blob could not be read as an OpenPGP message at all. */
  readonly error?: string;
}

export async function simpleSigningFacts(sig: SimpleSigningSignature): Promise<SimpleSigningFacts> {
  const openpgp = await loadOpenPGP();
  let parts: Awaited<ReturnType<typeof readSignedMessage>>;
  try {
    parts = await readSignedMessage(openpgp, sig.blob);
  } catch (e) {
    return { format: 'simple-signing', untrustedKeyIDs: [], untrustedFingerprints: [], signatureCount: 0, error: (e as Error).message };
  }
  const keyIDs = parts.signatures.map(signatureKeyID).filter((k): k is string => k !== undefined);
  const fingerprints: string[] = [];
  let created: Date | undefined;
  for (const s of parts.signatures) {
    if (s.kind === 'v4') {
      if (s.packet.issuerFingerprint) fingerprints.push(Buffer.from(s.packet.issuerFingerprint).toString('hex').toUpperCase());
      created ??= s.packet.created ?? undefined;
    } else if (s.kind === 'v3') {
      created ??= s.packet.created;
    }
  }
  const base = {
    format: 'simple-signing' as const,
    untrustedKeyIDs: keyIDs.length > 0 ? keyIDs : parts.onePassKeyIDs,
    untrustedFingerprints: fingerprints,
    signatureCount: parts.signatures.length,
    ...(created ? { untrustedCreated: created.toISOString() } : {}),
  };
  if (parts.content === undefined) return { ...base, payloadError: `expected one literal data packet, found ${parts.literalCount}` };
  try {
    const p = parseSignaturePayload(parts.content, 'simple-signing');
    return {
      ...base,
      untrustedDockerReference: p.dockerReference,
      untrustedManifestDigest: p.manifestDigest,
      ...(p.creator !== undefined ? { untrustedCreator: p.creator } : {}),
      ...(p.timestamp !== undefined ? { untrustedTimestamp: p.timestamp } : {}),
    };
  } catch (e) {
    return { ...base, payloadError: (e as Error).message };
  }
}
