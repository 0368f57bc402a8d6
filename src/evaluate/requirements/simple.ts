import { PolicyRequirementError } from '../../errors.js';
import type { ImageSource } from '../../image/index.js';
import type { EvaluationContext, RequirementOutcome } from '../types.js';

/** c/image policy_eval_simple.go: insecureAcceptAnything allows without reading anything of the image. */
export function evaluateInsecureAcceptAnything(index: number): RequirementOutcome {
  return { index, type: 'insecureAcceptAnything', allowed: true };
}

/** `reject` names the image as transports.ImageName does: `docker://busybox:latest`, `dir:/abs/path`. */
export function evaluateReject(index: number, image: ImageSource): RequirementOutcome {
  return {
    index,
    type: 'reject',
    allowed: false,
    error: new PolicyRequirementError(`Running image ${image.reference.toString()} is rejected by policy.`),
  };
}

/** c/image policy_eval_baselayer.go: parsed, never implemented, always denies (and logs at error level). */
export function evaluateSignedBaseLayer(index: number, ctx: EvaluationContext): RequirementOutcome {
  ctx.trace.error('signedBaseLayer not implemented yet!');
  return {
    index,
    type: 'signedBaseLayer',
    allowed: false,
    error: new PolicyRequirementError('signedBaseLayer not implemented yet!'),
  };
}
