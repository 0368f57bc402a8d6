import type { RequirementOutcome } from '../../evaluate/index.js';
import { errorClass, errorOf, kubeletReason, verdictOf, type ImageReport } from './result.js';

/** Machine-readable results: stable field names, documented in the README. */
export function renderJSON(reports: readonly ImageReport[]): string {
  const results = reports.map((r) => {
    const e = errorOf(r);
    const reason = kubeletReason(e);
    return {
      input: r.input,
      image: r.result?.image ?? null,
      verdict: verdictOf(r),
      allowed: r.result?.allowed ?? false,
      ...(e ? { error: { message: e.message, class: errorClass(e), kind: e.kind } } : {}),
      ...(reason ? { reason } : {}),
      policy: r.policyPath ?? null,
      scope: r.result?.scope ?? null,
      manifestDigest: r.result?.manifestDigest ?? null,
      requirements: (r.result?.requirements ?? []).map(requirementJSON),
      trace: (r.result?.trace ?? []).map((t) => ({ level: t.level, message: t.message, ...(t.data ? { data: t.data } : {}) })),
      exitCode: r.exitCode,
    };
  });
  const count = (v: string) => results.filter((x) => x.verdict === v).length;
  return (
    JSON.stringify(
      { results, summary: { total: results.length, allowed: count('allowed'), rejected: count('rejected'), errors: count('error') } },
      null,
      2,
    ) + '\n'
  );
}

function requirementJSON(o: RequirementOutcome) {
  return {
    index: o.index,
    type: o.type,
    allowed: o.allowed,
    ...(o.error ? { error: { message: o.error.message, class: errorClass(o.error) } } : {}),
    ...(o.skipped ? { skipped: o.skipped } : {}),
    ...(o.signatures
      ? {
          signatures: o.signatures.map((s) => ({
            index: s.index,
            format: s.format,
            accepted: s.accepted,
            ...(s.error ? { error: s.error.message } : {}),
            ...(s.payload
              ? { claims: { dockerReference: s.payload.dockerReference, manifestDigest: s.payload.manifestDigest }, details: s.payload.details ?? {} }
              : {}),
          })),
        }
      : {}),
  };
}
