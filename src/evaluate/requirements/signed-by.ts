import type { ImageSource, SimpleSigningSignature } from '../../image/index.js';
import type { SignedByRequirement } from '../../policy/index.js';
import { checkPayloadAgainstImage, firstAcceptedSignature, withPayload } from '../signatures.js';
import type { EvaluationContext, RequirementOutcome } from '../types.js';

/** c/image policy_eval_signedby.go isRunningImageAllowed: only simple-signing signatures are candidates. */
export async function evaluateSignedBy(
  req: SignedByRequirement,
  index: number,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<RequirementOutcome> {
  const all = await image.signatures();
  const candidates: { index: number; sig: SimpleSigningSignature }[] = [];
  let nonSimpleSigning = 0;
  all.forEach((sig, i) => {
    if (sig.format === 'simple-signing') candidates.push({ index: i, sig });
    else nonSimpleSigning++;
  });
  const { outcomes, error } = await firstAcceptedSignature(
    candidates,
    'simple-signing',
    async (sig) => {
      const payload = await ctx.verifiers.simpleSigning(req, sig, ctx.verify);
      try {
        await checkPayloadAgainstImage(image, payload, req.signedIdentity);
      } catch (e) {
        throw withPayload(e, payload);
      }
      return payload;
    },
    'A signature was required, but no signature exists',
  );
  return {
    index,
    type: req.type,
    allowed: !error,
    ...(error ? { error } : {}),
    signatures: outcomes,
    skipped: { nonSimpleSigning },
  };
}
