import type { ImageSource, SigstoreSignature } from '../../image/index.js';
import type { SigstoreSignedRequirement } from '../../policy/index.js';
import { checkPayloadAgainstImage, firstAcceptedSignature, withPayload } from '../signatures.js';
import type { EvaluationContext, RequirementOutcome } from '../types.js';

/** The only MIME type c/image treats as a signature among sigstore attachments (others are attestations etc.). */
export const COSIGN_SIGNATURE_MIME_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

/** c/image policy_eval_sigstore.go isRunningImageAllowed. */
export async function evaluateSigstoreSigned(
  req: SigstoreSignedRequirement,
  index: number,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<RequirementOutcome> {
  const all = await image.signatures();
  let nonSigstore = 0;
  let nonSignatureAttachments = 0;
  const candidates: { index: number; sig: SigstoreSignature }[] = [];
  all.forEach((sig, i) => {
    if (sig.format !== 'sigstore') nonSigstore++;
    else if (sig.mimeType !== COSIGN_SIGNATURE_MIME_TYPE) nonSignatureAttachments++;
    else candidates.push({ index: i, sig });
  });
  const none =
    nonSigstore === 0 && nonSignatureAttachments === 0
      ? 'A signature was required, but no signature exists'
      : `A signature was required, but no signature exists (${nonSigstore} non-sigstore signatures, ${nonSignatureAttachments} sigstore non-signature attachments)`;
  const { outcomes, error } = await firstAcceptedSignature(
    candidates,
    'sigstore',
    async (sig) => {
      const payload = await ctx.verifiers.sigstore(req, sig, ctx.verify);
      try {
        await checkPayloadAgainstImage(image, payload, req.signedIdentity);
      } catch (e) {
        throw withPayload(e, payload);
      }
      return payload;
    },
    none,
  );
  return {
    index,
    type: req.type,
    allowed: !error,
    ...(error ? { error } : {}),
    signatures: outcomes,
    skipped: { nonSigstore, nonSignatureAttachments },
  };
}
