import { errorHint } from './error-hints.js';
import { errorOf, reasonAndMessage, scopeLabel, verdictOf, type ImageReport } from './result.js';

/** The explanation as plain lines (no colour), for JUnit failure bodies, SARIF messages and annotations. */
export function plainDetail(r: ImageReport): string {
  const lines: string[] = [];
  const e = errorOf(r);
  if (e) lines.push(reasonAndMessage(e));
  const hint = e ? errorHint(e.message) : undefined;
  if (hint) lines.push(`hint: ${hint}`);
  if (r.evaluated) lines.push(`evaluated as ${r.evaluated}`);
  if (r.manifestDigest) lines.push(`manifest digest: ${r.manifestDigest}`);
  const x = r.explanation;
  if (x) {
    let d = `${verdictOf(r) === 'error' ? 'policy that would apply:' : 'decided by'} ${x.policyPath ?? r.policyPath ?? 'the policy'}: ${scopeLabel(x.scope)}`;
    if (x.requirement) d += `, requirement ${x.requirement.index} (${x.requirement.type}${x.requirement.line ? `, line ${x.requirement.line}` : ''})`;
    lines.push(d);
    for (const l of x.expected) lines.push(`expected: ${l}`);
    for (const l of x.found) lines.push(`found: ${l}`);
    for (const h of x.hints) lines.push(`hint: ${h.text}`);
  } else if (r.policyPath) {
    lines.push(`policy: ${r.policyPath}`);
  }
  return lines.join('\n');
}
