import { plainDetail } from './detail.js';
import { findingText } from './findings.js';
import { errorOf, kubeletReason, verdictOf, type ImageReport, type RunNotes } from './result.js';

/**
 * GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`), printed when GITHUB_ACTIONS=true so
 * that a rejected image shows up on the manifest line in the pull request. Written to stderr: the runner reads
 * commands from both streams, and stdout stays clean for `--output json|junit|sarif`.
 */
export function renderGitHubAnnotations(reports: readonly ImageReport[], notes: RunNotes = { warnings: [] }): string {
  let out = '';
  for (const r of reports) {
    const v = verdictOf(r);
    if (v === 'allowed') continue;
    const e = errorOf(r);
    const title = `${v === 'rejected' ? (kubeletReason(e) ?? 'image rejected') : 'image not evaluated'}: ${r.input}`;
    const msg = plainDetail(r);
    const occ = r.occurrences ?? [];
    if (occ.length === 0) out += `::error title=${prop(title)}::${data(msg)}\n`;
    for (const o of occ) out += `::error file=${prop(o.file)},line=${o.line},col=${o.column},title=${prop(title)}::${data(msg)}\n`;
  }
  for (const p of notes.problems ?? []) out += `::error file=${prop(p.file)},line=${p.line},col=${p.column},title=manifest not read::${data(p.message)}\n`;
  for (const f of notes.findings ?? []) {
    const level = notes.findingsFail ? 'error' : 'warning';
    for (const e of f.exposed) out += `::${level} file=${prop(e.occurrence.file)},line=${e.occurrence.line},col=${e.occurrence.column},title=${prop(`cache bypass: ${f.image}`)}::${data(findingText(f))}\n`;
  }
  for (const w of notes.warnings) out += `::warning title=imgpolicy::${data(w)}\n`;
  return out;
}

function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function prop(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
