import { LIMITS } from '../limits.js';

/**
 * How long one image and one request may take. `--timeout N` (seconds) bounds both; without it every image still
 * has a generous deadline (LIMITS.imageDeadlineMs), so that no registry stall and no future code path can hang a CI
 * gate; `--timeout 0` removes the per-image deadline (each request keeps its own LIMITS.requestTimeoutMs).
 *
 * Test-only: IMGPOLICY_TEST_REQUEST_TIMEOUT_MS and IMGPOLICY_TEST_IMAGE_DEADLINE_MS replace the two *defaults* (never
 * a given --timeout), so that the suite can prove the defaults fire under forced garbage collection in seconds
 * instead of minutes. They are not a user setting and are not documented as one.
 */
export interface Timeouts {
  /** Per request; undefined = the registry client's default (LIMITS.requestTimeoutMs). */
  requestMs?: number;
  /** Per image; undefined = none. */
  imageMs?: number;
}

export function effectiveTimeouts(timeoutSeconds: number | undefined, env: Readonly<Record<string, string | undefined>>): Timeouts {
  if (timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds)) {
    if (timeoutSeconds <= 0) return {};
    return { requestMs: timeoutSeconds * 1000, imageMs: timeoutSeconds * 1000 };
  }
  const override = (name: string): number | undefined => {
    const v = env[name];
    return v !== undefined && /^[1-9]\d*$/.test(v) ? Number(v) : undefined;
  };
  const requestMs = override('IMGPOLICY_TEST_REQUEST_TIMEOUT_MS');
  return { ...(requestMs !== undefined ? { requestMs } : {}), imageMs: override('IMGPOLICY_TEST_IMAGE_DEADLINE_MS') ?? LIMITS.imageDeadlineMs };
}
