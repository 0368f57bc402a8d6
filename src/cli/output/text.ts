import type { ChalkInstance } from 'chalk';
import { describeProblem } from '../k8s/problem.js';
import { errorHint } from './error-hints.js';
import { renderFindingsText } from './findings.js';
import { errorOf, kubeletReason, occurrenceLabel, scopeLabel, summarize, verdictOf, type ImageReport, type RunNotes } from './result.js';

/**
 * Human output: one verdict line per image (with the digest it is about), c/image's message with the kubelet
 * reason, then — on rejection — which file, scope and requirement decided, what was expected and what was found,
 * and hints. The message line is always c/image's text, unchanged; everything else is indented beneath it.
 */
export function renderText(reports: readonly ImageReport[], c: ChalkInstance, notes: RunNotes = { warnings: [] }): string {
  let out = '';
  for (const r of reports) {
    const v = verdictOf(r);
    const mark = v === 'allowed' ? c.green('✔ allowed ') : v === 'rejected' ? c.red('✘ rejected') : c.yellow('! error   ');
    const digest = r.manifestDigest ? c.dim(`  ${r.manifestDigest}${r.digestVerified === false && v === 'allowed' ? ' (no signature checked)' : ''}`) : '';
    out += `${mark}  ${r.input}${digest}\n`;
    if (r.evaluated) out += c.dim(`    evaluated as ${r.evaluated} (CRI-O pulls name:tag@digest by digest)\n`);
    if (r.platforms && r.platforms.length > 0) {
      out += c.dim(`    manifest list ${r.listDigest ?? ''}: ${r.platforms.map((p) => `${p.platform} ${p.verdict}`).join(', ')}\n`);
    }
    const e = errorOf(r);
    if (e) {
      const reason = kubeletReason(e);
      out += `    ${reason ? c.red(reason + ': ') : ''}${e.message}\n`;
      const hint = errorHint(e.message);
      if (hint) out += c.yellow(`    hint: ${hint}\n`);
      const at = (e as { position?: { path: string; line: number; column: number } }).position;
      if (at) out += c.dim(`    at ${at.path} (line ${at.line}, column ${at.column})\n`);
    }
    const policyNote = r.policySource === 'namespace' ? ` (namespace ${r.namespace} policy)` : r.namespace !== undefined && r.policySource === 'global' ? ` (no policy for namespace ${r.namespace}: global policy)` : '';
    const x = r.explanation;
    if (x) {
      // An error decided nothing: name the policy that would have decided.
      let line = `    ${v === 'error' ? 'policy that would apply:' : 'decided by'} ${x.policyPath ?? r.policyPath ?? 'the policy'}${policyNote}: ${scopeLabel(x.scope)}`;
      if (x.requirement) line += `, requirement ${x.requirement.index} (${x.requirement.type}${x.requirement.line ? `, line ${x.requirement.line}` : ''})`;
      out += c.dim(line) + '\n';
      x.expected.forEach((l, i) => (out += `    ${i === 0 ? 'expected:' : '         '} ${l}\n`));
      x.found.forEach((l, i) => (out += `    ${i === 0 ? 'found:   ' : '         '} ${l}\n`));
      for (const h of x.hints) out += c.yellow(`    hint: ${h.text.replaceAll('\n', '\n          ')}\n`);
    } else if (v !== 'allowed' && r.policyPath) {
      out += c.dim(`    policy ${r.policyPath}${policyNote}\n`);
    } else if (v === 'allowed' && r.policySource === 'namespace') {
      out += c.dim(`    by ${r.policyPath}${policyNote}\n`);
    }
    if (r.pin) {
      out += r.pin.written ? c.dim(`    pinned: ${r.pin.reference}\n`) : c.yellow(`    not pinned: as ${r.pin.reference} ${r.pin.allowed ? 'it is allowed, but it was not written' : `CRI-O would reject it: ${r.pin.message ?? ''}`}\n`);
    }
    const occ = r.occurrences ?? [];
    if (occ.length > 0 && (v !== 'allowed' || occ.length > 1)) {
      const shown = occ.slice(0, v === 'allowed' ? 0 : 5);
      for (const o of shown) out += c.dim(`    in ${occurrenceLabel(o)}\n`);
      if (occ.length > shown.length) out += c.dim(`    ${shown.length ? 'and ' : ''}${occ.length - shown.length}${shown.length ? ' more' : ''} references in manifests\n`);
    }
  }
  const s = summarize(reports);
  if (reports.length > 1 || s.references > reports.length) {
    out += `\n${s.total} images${s.references !== s.total ? ` (${s.references} references)` : ''}: ${c.green(`${s.allowed} allowed`)}, ${c.red(`${s.rejected} rejected`)}, ${c.yellow(`${s.errors} could not be evaluated`)}\n`;
  }
  out += renderFindingsText(notes, c);
  for (const f of notes.pinnedFiles ?? []) out += c.dim(`pinned manifest written: ${f}\n`);
  for (const w of notes.warnings) out += c.yellow(`warning: ${w}\n`);
  for (const p of notes.problems ?? []) out += c.red(`error: ${describeProblem(p)}\n`);
  return out;
}
