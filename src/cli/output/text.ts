import type { ChalkInstance } from 'chalk';
import type { EvaluationResult } from '../../evaluate/index.js';
import { goQuote } from '../../util/go-format.js';
import { errorOf, kubeletReason, verdictOf, type ImageReport } from './result.js';

/** Human output: one verdict line per image; on rejection, which file/scope/requirement decided and why. */
export function renderText(reports: readonly ImageReport[], c: ChalkInstance): string {
  let out = '';
  for (const r of reports) {
    const v = verdictOf(r);
    const mark = v === 'allowed' ? c.green('✔ allowed ') : v === 'rejected' ? c.red('✘ rejected') : c.yellow('! error   ');
    const digest = r.result?.manifestDigest ? c.dim(`  ${r.result.manifestDigest}`) : '';
    out += `${mark}  ${r.input}${digest}\n`;
    const e = errorOf(r);
    if (e) {
      const reason = kubeletReason(e);
      out += `    ${reason ? c.dim(reason + ': ') : ''}${e.message}\n`;
    }
    if (r.result && v !== 'allowed') out += explainDecision(r.result, r.policyPath, c);
  }
  return out;
}

function explainDecision(result: EvaluationResult, policyPath: string | undefined, c: ChalkInstance): string {
  const s = result.scope;
  const scope =
    s.kind === 'default' ? 'the default section' : `transport ${goQuote(s.transport ?? '')} scope ${goQuote(s.scope ?? '')}`;
  const denied = result.requirements.find((q) => !q.allowed);
  let out = c.dim(`    decided by ${policyPath ?? 'the policy'}: ${scope}`);
  if (denied) out += c.dim(`, requirement ${denied.index} (${denied.type})`);
  out += '\n';
  for (const sig of denied?.signatures ?? []) {
    if (!sig.payload || !denied) continue;
    out += c.dim(`    signature ${sig.index + 1} claims ${goQuote(sig.payload.dockerReference)} @ ${sig.payload.manifestDigest}\n`);
  }
  for (const t of result.trace) {
    const hint = t.data?.['hint'];
    if (typeof hint === 'string' && typeof t.data?.['text'] === 'string') out += c.yellow(`    hint: ${t.data['text']}\n`);
  }
  return out;
}
