/**
 * What-if output: per image, how its verdict moves from the baseline policy to the new one. Newly rejected images
 * carry the new policy's message and explanation (the pods that would stop starting); newly allowed ones are
 * always listed (a loosening may be a mistake); unchanged ones are counted.
 */
import type { ChalkInstance } from 'chalk';
import type { WhatIfChange, WhatIfEntry, WhatIfRun } from '../what-if.js';
import { plainDetail } from './detail.js';
import { attr, junitOpen, occurrenceCaseName, suiteOpen, text } from './junit-xml.js';
import { errorClass, errorOf, kubeletReason, occurrenceLabel, reasonAndMessage, verdictOf, type ImageReport } from './result.js';

const TITLES: Record<WhatIfChange, string> = {
  'newly-rejected': 'newly rejected',
  'newly-allowed': 'newly allowed',
  'rejection-changed': 'rejection changed',
  unchanged: 'unchanged',
};

function sideLabel(r: ImageReport): string {
  const e = errorOf(r);
  return `${verdictOf(r)} by ${r.policyPath ?? 'the default policy'}${e ? `: ${reasonAndMessage(e)}` : ''}`;
}

function summaryLine(run: WhatIfRun): string {
  const s = run.summary;
  return (
    `${s.total} images${s.references !== s.total ? ` (${s.references} references)` : ''}: ${s.newlyRejected} newly rejected, ${s.newlyAllowed} newly allowed, ` +
    `${s.rejectionChanged} with a changed rejection, ${s.unchanged.total} unchanged (${s.unchanged.allowed} allowed, ${s.unchanged.rejected} rejected, ${s.unchanged.errors} could not be evaluated)`
  );
}

export function renderWhatIfText(run: WhatIfRun, c: ChalkInstance): string {
  const p = run.policies;
  let out = `what-if: new ${p.policy ?? 'default policy'}${p.signaturePolicyDir ? ` + ${p.signaturePolicyDir}/<namespace>.json` : ''}, baseline ${p.baselinePolicy ?? 'default policy'}${p.baselinePolicyDir ? ` + ${p.baselinePolicyDir}/<namespace>.json` : ''}\n`;
  const order: WhatIfChange[] = ['newly-rejected', 'newly-allowed', 'rejection-changed'];
  for (const change of order) {
    for (const e of run.entries.filter((x) => x.change === change)) {
      const mark = change === 'newly-rejected' || (change === 'newly-allowed' && run.failOnNewlyAllowed) ? c.red(`✘ ${TITLES[change]}`) : c.yellow(`! ${TITLES[change]}`);
      out += `\n${mark}  ${e.current.input}${e.current.manifestDigest ? c.dim(`  ${e.current.manifestDigest}`) : ''}\n`;
      if (e.namespaces.length) out += c.dim(`    namespace${e.namespaces.length === 1 ? '' : 's'} ${e.namespaces.join(', ')}\n`);
      if (change === 'newly-rejected') {
        for (const l of plainDetail(e.current).split('\n').filter((l) => !l.startsWith('manifest digest: '))) out += `    ${l}\n`;
        out += c.dim(`    baseline: ${sideLabel(e.baseline)}\n`);
      } else {
        out += `    now:  ${sideLabel(e.current)}\n`;
        out += `    was:  ${sideLabel(e.baseline)}\n`;
      }
      for (const o of e.occurrences.slice(0, 5)) out += c.dim(`    in ${occurrenceLabel(o)}\n`);
      if (e.occurrences.length > 5) out += c.dim(`    and ${e.occurrences.length - 5} more references in manifests\n`);
    }
  }
  out += `\n${summaryLine(run)}\n`;
  return out;
}

function side(r: ImageReport) {
  const e = errorOf(r);
  const reason = kubeletReason(e);
  return {
    verdict: verdictOf(r),
    policy: r.policyPath ?? null,
    ...(r.policySource ? { policySource: r.policySource } : {}),
    ...(e ? { error: { message: e.message, class: errorClass(e), kind: e.kind } } : {}),
    ...(reason ? { reason } : {}),
    ...(r.explanation ? { explanation: r.explanation } : {}),
  };
}

function entryJSON(e: WhatIfEntry) {
  return {
    input: e.current.input,
    ...(e.current.evaluated ? { evaluated: e.current.evaluated } : {}),
    change: e.change,
    manifestDigest: e.current.manifestDigest ?? e.baseline.manifestDigest ?? null,
    namespaces: e.namespaces,
    new: side(e.current),
    baseline: side(e.baseline),
    occurrences: e.occurrences.map((o) => ({ file: o.file, line: o.line, column: o.column, kind: o.kind, name: o.name, ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), container: o.container, field: o.field, image: o.image })),
  };
}

export function renderWhatIfJSON(run: WhatIfRun): string {
  return JSON.stringify({ whatIf: { ...run.policies, failOn: run.failOnNewlyAllowed ? ['newly-allowed'] : [] }, images: run.entries.map(entryJSON), summary: run.summary }, null, 2) + '\n';
}

/**
 * JUnit: one test case per place an image is used (or per image, for command-line images). A newly rejected image is
 * a <failure> (the pod would stop starting); a newly allowed one is a failure only with `--fail-on newly-allowed`.
 */
export function renderWhatIfJUnit(run: WhatIfRun, now: Date = new Date()): string {
  interface Case {
    name: string;
    classname: string;
    entry: WhatIfEntry;
  }
  const suites = new Map<string, Case[]>();
  for (const e of run.entries) {
    const add = (suite: string, c: Case) => suites.set(suite, [...(suites.get(suite) ?? []), c]);
    if (e.occurrences.length === 0) add('images', { name: e.current.input, classname: `imgpolicy.what-if.${e.namespaces[0] ?? 'images'}`, entry: e });
    for (const o of e.occurrences) add(o.file, { name: occurrenceCaseName(o), classname: `imgpolicy.what-if.${o.namespace ?? e.namespaces[0] ?? 'default'}.${o.kind}.${o.name}`, entry: e });
  }
  const fails = (c: Case) => c.entry.change === 'newly-rejected' || (c.entry.change === 'newly-allowed' && run.failOnNewlyAllowed);
  const all = [...suites.values()].flat();
  let out = junitOpen('imgpolicy verify what-if', { tests: all.length, failures: all.filter(fails).length, errors: 0, time: '0.000' });
  let id = 0;
  for (const [name, cases] of suites) {
    out += suiteOpen(name, id++, now, { tests: cases.length, failures: cases.filter(fails).length, errors: 0, time: '0.000' });
    for (const c of cases) {
      const e = c.entry;
      out += `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="0.000">\n`;
      const summary = `${TITLES[e.change]}: now ${sideLabel(e.current)}; was ${sideLabel(e.baseline)}`;
      if (fails(c)) {
        const type = e.change === 'newly-rejected' ? (kubeletReason(errorOf(e.current)) ?? 'NewlyRejected') : 'NewlyAllowed';
        const message = e.change === 'newly-rejected' ? (errorOf(e.current)?.message ?? 'rejected') : summary;
        out += `      <failure message="${attr(message)}" type="${attr(type)}">${text(`${summary}\n${plainDetail(e.current)}`)}</failure>\n`;
      } else {
        out += `      <system-out>${text(summary)}</system-out>\n`;
      }
      out += '    </testcase>\n';
    }
    out += '  </testsuite>\n';
  }
  out += '</testsuites>\n';
  return out;
}
