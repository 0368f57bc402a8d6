import {
  ImgpolicyError,
  PolicyRequirementError,
  asImgpolicyError,
} from '../errors.js';
import { manifestMatchesDigest, type ImageSource } from '../image/index.js';
import { matchesDockerReference, type PolicyReferenceMatch } from '../policy/index.js';
import type { VerifiedPayload } from '../signature/types.js';
import { goQuote } from '../go/fmt.js';
import type { SignatureOutcome } from './types.js';

/**
 * The checks c/image's verifyAndExtractSignature runs after the cryptography and the payload parse, in its order:
 * the claimed manifest digest must be the manifest we read, then the claimed identity must satisfy signedIdentity.
 */
export async function checkPayloadAgainstImage(
  image: ImageSource,
  payload: VerifiedPayload,
  signedIdentity: PolicyReferenceMatch,
): Promise<void> {
  const manifest = await image.manifest(); // its errors are plain errors, as in c/image
  if (!manifestMatchesDigest(manifest.bytes, payload.manifestDigest)) {
    throw new PolicyRequirementError(`Signature for digest ${payload.manifestDigest} does not match`);
  }
  if (!matchesDockerReference(signedIdentity, image.reference, payload.dockerReference)) {
    throw new PolicyRequirementError(`Signature for identity ${goQuote(payload.dockerReference)} is not accepted`);
  }
}

/**
 * c/image's rule for a signature requirement: signatures are tried in order and the first accepted one allows;
 * one rejected candidate keeps its own error (and class); several give one PolicyRequirementError listing them.
 */
export async function firstAcceptedSignature<S>(
  candidates: readonly { index: number; sig: S }[],
  format: SignatureOutcome['format'],
  check: (sig: S) => Promise<VerifiedPayload>,
  noSignatureMessage: string,
): Promise<{ outcomes: SignatureOutcome[]; error?: ImgpolicyError }> {
  const outcomes: SignatureOutcome[] = [];
  if (candidates.length === 0) {
    return { outcomes, error: new PolicyRequirementError(noSignatureMessage) };
  }
  for (const { index, sig } of candidates) {
    try {
      const payload = await check(sig);
      outcomes.push({ index, format, accepted: true, payload });
      return { outcomes };
    } catch (e) {
      const error = asImgpolicyError(e);
      const payload = (e as { payload?: VerifiedPayload }).payload;
      outcomes.push({ index, format, accepted: false, error, ...(payload ? { payload } : {}) });
    }
  }
  if (outcomes.length === 1) return { outcomes, error: outcomes[0]!.error! };
  const reasons = outcomes.map((o) => o.error!.message).join('; ');
  return { outcomes, error: new PolicyRequirementError(`None of the signatures were accepted, reasons: ${reasons}`) };
}

/** Carries the verified payload on a digest/identity rejection so explanations can say what was claimed. */
export function withPayload(e: unknown, payload: VerifiedPayload): unknown {
  if (e instanceof Error) Object.assign(e, { payload });
  return e;
}
