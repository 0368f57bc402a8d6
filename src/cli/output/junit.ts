import { plainDetail } from './detail.js';
import { describeProblem } from '../k8s/problem.js';
import { findingsJUnitSuite } from './findings.js';
import { attr, junitOpen, occurrenceCaseName, suiteOpen, text } from './junit-xml.js';
import { errorClass, errorOf, kubeletReason, verdictOf, type ImageReport, type RunNotes } from './result.js';

/**
 * JUnit XML (the Jenkins/Ant dialect every CI reads: GitLab `artifacts:reports:junit`, Jenkins, Azure, CircleCI,
 * GitHub test-report actions). One <testsuite> per manifest file (or "images" for command-line references), one
 * <testcase> per place an image is used, so that CI points at the manifest and container that would fail to start.
 * A rejection is a <failure> (type = kubelet reason or c/image class); an image that could not be evaluated is an
 * <error>. The image was evaluated once: its duration is on its first test case only.
 */
export function renderJUnit(reports: readonly ImageReport[], now: Date = new Date(), notes: RunNotes = { warnings: [] }): string {
  interface Case {
    name: string;
    classname: string;
    seconds: number;
    report: ImageReport;
  }
  const suites = new Map<string, Case[]>();
  const add = (suite: string, c: Case) => {
    const list = suites.get(suite) ?? [];
    list.push(c);
    suites.set(suite, list);
  };
  for (const r of reports) {
    const occ = r.occurrences ?? [];
    if (occ.length === 0) {
      add('images', { name: r.input, classname: `imgpolicy.${r.namespace ?? 'images'}`, seconds: r.seconds ?? 0, report: r });
      continue;
    }
    occ.forEach((o, i) => {
      add(o.file, {
        name: occurrenceCaseName(o),
        classname: `imgpolicy.${o.namespace ?? r.namespace ?? 'default'}.${o.kind}.${o.name}`,
        seconds: i === 0 ? (r.seconds ?? 0) : 0,
        report: r,
      });
    });
  }
  const count = (cases: Case[], v: string) => cases.filter((c) => verdictOf(c.report) === v).length;
  // Manifests that were not read (refused, unparsable) and run warnings are test cases too: a CI that reads only
  // this file must see them, and a report must never be empty.
  const problems = notes.problems ?? [];
  const skippedDocs = notes.skippedDocuments ?? [];
  const extra = problems.length + skippedDocs.length;
  const all = [...suites.values()].flat();
  const time = (cases: Case[]) => cases.reduce((t, c) => t + c.seconds, 0).toFixed(3);
  const findings = findingsJUnitSuite(notes, suites.size + (extra > 0 ? 1 : 0), now);
  let out = junitOpen('imgpolicy verify', { tests: all.length + extra + findings.tests, failures: count(all, 'rejected') + findings.failures, errors: count(all, 'error') + problems.length, time: time(all) });
  let id = 0;
  if (extra > 0) {
    out += `  <testsuite name="manifests" id="${id++}" tests="${extra}" failures="0" errors="${problems.length}" skipped="${skippedDocs.length}" time="0.000" timestamp="${now.toISOString().replace(/\.\d{3}Z$/, '')}" hostname="imgpolicy">\n`;
    for (const p of problems) {
      out += `    <testcase name="${attr(`${p.file}:${p.line}`)}" classname="imgpolicy.manifests" time="0.000">\n      <error message="${attr(p.message)}" type="ManifestNotRead">${text(describeProblem(p))}</error>\n    </testcase>\n`;
    }
    for (const w of skippedDocs) {
      out += `    <testcase name="${attr(w.slice(0, 80))}" classname="imgpolicy.warnings" time="0.000">\n      <skipped message="${attr(w)}"/>\n    </testcase>\n`;
    }
    out += '  </testsuite>\n';
  }
  for (const [name, cases] of suites) {
    out += suiteOpen(name, id++, now, { tests: cases.length, failures: count(cases, 'rejected'), errors: count(cases, 'error'), time: time(cases) });
    for (const c of cases) {
      const r = c.report;
      const v = verdictOf(r);
      out += `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${c.seconds.toFixed(3)}"`;
      if (v === 'allowed') {
        out += `>\n      <system-out>${text(`allowed ${r.input}${r.manifestDigest ? ` ${r.manifestDigest}` : ''}${r.policyPath ? ` by ${r.policyPath}` : ''}`)}</system-out>\n    </testcase>\n`;
        continue;
      }
      const e = errorOf(r);
      const tag = v === 'rejected' ? 'failure' : 'error';
      const type = kubeletReason(e) ?? (e ? errorClass(e) : 'Error');
      out += `>\n      <${tag} message="${attr(e?.message ?? v)}" type="${attr(type)}">${text(plainDetail(r))}</${tag}>\n    </testcase>\n`;
    }
    out += '  </testsuite>\n';
  }
  out += findings.xml;
  out += '</testsuites>\n';
  return out;
}
