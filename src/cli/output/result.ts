import type { ImgpolicyError } from '../../errors.js';
import type { EvaluationResult } from '../../evaluate/index.js';

/** One image's result as every formatter sees it. */
export interface ImageReport {
  /** What the user wrote. */
  readonly input: string;
  /** The policy file that decided. */
  readonly policyPath?: string;
  readonly result?: EvaluationResult;
  /** Set when the image could not even be opened (bad reference, unsupported transport). */
  readonly error?: ImgpolicyError;
  readonly exitCode: number;
}

export type Verdict = 'allowed' | 'rejected' | 'error';

export function verdictOf(r: ImageReport): Verdict {
  if (r.result?.allowed) return 'allowed';
  const e = r.error ?? r.result?.error;
  if (!e || e.kind === 'image-source' || e.kind === 'usage' || e.kind === 'policy-format') return 'error';
  return 'rejected';
}

export function errorOf(r: ImageReport): ImgpolicyError | undefined {
  return r.error ?? r.result?.error;
}

/**
 * CRI-O prefixes a pull failure with `SignatureValidationFailed` (the kubelet's reason) only when the error is a
 * PolicyRequirementError or an InvalidSignatureError; plain errors are not prefixed (spec §9).
 */
export function kubeletReason(e: ImgpolicyError | undefined): string | undefined {
  return e && (e.kind === 'policy-requirement' || e.kind === 'invalid-signature') ? 'SignatureValidationFailed' : undefined;
}

/** c/image's class names, for JSON consumers that mirror CRI-O's classification. */
export function errorClass(e: ImgpolicyError): string {
  switch (e.kind) {
    case 'policy-requirement':
      return 'PolicyRequirementError';
    case 'invalid-signature':
      return 'InvalidSignatureError';
    case 'policy-format':
      return 'InvalidPolicyFormatError';
    default:
      return 'Error';
  }
}
