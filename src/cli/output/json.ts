import type { RequirementOutcome } from '../../evaluate/index.js';
import { findingsJSON } from './findings.js';
import { errorClass, errorOf, kubeletReason, summarize, verdictOf, type ImageReport, type RunNotes } from './result.js';

/** Machine-readable results: stable field names, documented in the README ("JSON output"). */
export function renderJSON(reports: readonly ImageReport[], notes: RunNotes = { warnings: [] }): string {
  const results = reports.map((r) => {
    const e = errorOf(r);
    const reason = kubeletReason(e);
    return {
      input: r.input,
      ...(r.evaluated ? { evaluated: r.evaluated } : {}),
      image: r.result?.image ?? null,
      verdict: verdictOf(r),
      allowed: r.result?.allowed ?? false,
      ...(e ? { error: { message: e.message, class: errorClass(e), kind: e.kind } } : {}),
      ...(reason ? { reason } : {}),
      policy: r.policyPath ?? null,
      ...(r.policySource ? { policySource: r.policySource } : {}),
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      scope: r.result?.scope ?? null,
      manifestDigest: r.manifestDigest ?? r.result?.manifestDigest ?? null,
      ...(r.listDigest ? { listDigest: r.listDigest } : {}),
      ...(r.platforms ? { platforms: r.platforms } : {}),
      digestVerified: r.digestVerified ?? false,
      requirements: (r.result?.requirements ?? []).map(requirementJSON),
      ...(r.explanation ? { explanation: r.explanation } : {}),
      ...(r.pin ? { pin: r.pin } : {}),
      occurrences: (r.occurrences ?? []).map((o) => ({
        file: o.file,
        line: o.line,
        column: o.column,
        document: o.document,
        kind: o.kind,
        name: o.name,
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        container: o.container,
        field: o.field,
        path: o.path,
        image: o.image,
      })),
      trace: (r.result?.trace ?? r.traceEvents ?? []).map((t) => ({ level: t.level, message: t.message, ...(t.data ? { data: t.data } : {}) })),
      exitCode: r.exitCode,
    };
  });
  const s = summarize(reports);
  return (
    JSON.stringify(
      {
        results,
        summary: { total: s.total, allowed: s.allowed, rejected: s.rejected, errors: s.errors, references: s.references },
        warnings: notes.warnings,
        errors: (notes.problems ?? []).map((p) => ({ file: p.file, line: p.line, column: p.column, message: p.message })),
        ...(notes.findings ? { findings: findingsJSON(notes) } : {}),
        ...(notes.pinnedFiles ? { pinnedFiles: notes.pinnedFiles } : {}),
      },
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
