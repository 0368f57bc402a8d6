/**
 * Errors are values with a kind. The kinds mirror containers/image's error classes because CRI-O (and our
 * exit codes) treat them differently: a PolicyRequirementError or InvalidSignatureError is a policy verdict
 * ("SignatureValidationFailed"), anything else is trouble evaluating it — still a rejection, never an accept.
 */
export type ErrorKind =
  | 'policy-format' // policy.json does not parse (c/image InvalidPolicyFormatError)
  | 'policy-requirement' // a policy decision (c/image PolicyRequirementError, "PRE")
  | 'invalid-signature' // a signature is malformed or does not verify (c/image InvalidSignatureError, "ISE")
  | 'image-source' // registry / file-system trouble reading the image or its signatures ("plain")
  | 'evaluation' // any other failure while evaluating (key file unreadable, unsupported key…) ("plain")
  | 'usage'; // bad invocation

/**
 * The one table of what each kind means downstream, read by every formatter (text, JSON, JUnit, SARIF, GitHub),
 * by the exit code and by `inspect`, so that one image is never classed differently by two outputs.
 * - `verdict`: a kind that is a policy decision (or a failure while deciding) is a rejection; trouble reading the
 *   image or the configuration means the image could not be evaluated — still never allowed.
 * - `cimageClass`: the containers/image error type a Go caller would see (`errors.As` targets).
 * - `kubeletReason`: CRI-O prefixes a pull failure with `SignatureValidationFailed` only for
 *   PolicyRequirementError and InvalidSignatureError (spec §9); plain errors carry no reason.
 */
export interface ErrorKindFacts {
  readonly verdict: 'rejected' | 'error';
  /** The CLI's exit code for an image with this error (README: 1 rejected, 2 not evaluated, 3 usage/policy). */
  readonly exitCode: 1 | 2 | 3;
  readonly cimageClass: string;
  readonly kubeletReason?: 'SignatureValidationFailed';
}

export const ERROR_KINDS: Readonly<Record<ErrorKind, ErrorKindFacts>> = {
  'policy-format': { verdict: 'error', exitCode: 3, cimageClass: 'InvalidPolicyFormatError' },
  'policy-requirement': {
    verdict: 'rejected',
    exitCode: 1,
    cimageClass: 'PolicyRequirementError',
    kubeletReason: 'SignatureValidationFailed',
  },
  'invalid-signature': {
    verdict: 'rejected',
    exitCode: 1,
    cimageClass: 'InvalidSignatureError',
    kubeletReason: 'SignatureValidationFailed',
  },
  'image-source': { verdict: 'error', exitCode: 2, cimageClass: 'Error' },
  evaluation: { verdict: 'rejected', exitCode: 1, cimageClass: 'Error' },
  usage: { verdict: 'error', exitCode: 3, cimageClass: 'Error' },
};

export abstract class ImgpolicyError extends Error {
  abstract readonly kind: ErrorKind;
  /** Our error type's name (`ImageSourceError`, …); outputs print ERROR_KINDS' c/image class instead. */
  get className(): string {
    return this.constructor.name;
  }
}

/** Where in policy.json a format error was found. */
export interface SourcePosition {
  /** JSON path such as `$.transports.docker["quay.io"][0].keyPath`. */
  path: string;
  line: number;
  column: number;
}

export class PolicyFormatError extends ImgpolicyError {
  readonly kind = 'policy-format' as const;
  /** `message` is exactly containers/image's text; `position` is our extra. */
  constructor(
    message: string,
    readonly position?: SourcePosition,
  ) {
    super(message);
  }
}

export class PolicyRequirementError extends ImgpolicyError {
  readonly kind = 'policy-requirement' as const;
}

export class InvalidSignatureError extends ImgpolicyError {
  readonly kind = 'invalid-signature' as const;
}

export class ImageSourceError extends ImgpolicyError {
  readonly kind = 'image-source' as const;
}

/** c/image's "plain" errors that are neither about the image source nor a verdict. */
export class EvaluationError extends ImgpolicyError {
  readonly kind = 'evaluation' as const;
}

export class UsageError extends ImgpolicyError {
  readonly kind = 'usage' as const;
}

/** Wraps anything thrown by lower layers so that no raw exception (or stack) reaches a user. */
export function asImgpolicyError(e: unknown): ImgpolicyError {
  if (e instanceof ImgpolicyError) return e;
  if (e instanceof Error) return new EvaluationError(e.message);
  return new EvaluationError(String(e));
}
