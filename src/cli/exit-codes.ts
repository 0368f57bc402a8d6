import { ERROR_KINDS, type ImgpolicyError } from '../errors.js';

/**
 * Stable exit codes (documented in the README); CI gates branch on them.
 * A "could not evaluate" image is still not allowed: it never exits 0.
 */
export const EXIT = {
  allowed: 0,
  /** At least one image rejected by the policy (including signature errors, as c/image rejects them). */
  rejected: 1,
  /** At least one image could not be evaluated (registry or file-system trouble), none rejected outright. */
  couldNotEvaluate: 2,
  /** Bad invocation or a policy file that does not parse. */
  usage: 3,
} as const;

export function exitCodeForError(e: ImgpolicyError | undefined): number {
  return e ? ERROR_KINDS[e.kind].exitCode : EXIT.allowed;
}

/** The worst of several images' codes: rejected beats could-not-evaluate beats allowed. */
export function combineExitCodes(codes: readonly number[]): number {
  if (codes.includes(EXIT.usage)) return EXIT.usage;
  if (codes.includes(EXIT.rejected)) return EXIT.rejected;
  if (codes.includes(EXIT.couldNotEvaluate)) return EXIT.couldNotEvaluate;
  return EXIT.allowed;
}
