/**
 * How each output format shows cache-bypass findings (../findings/cache-bypass.ts). A finding is a warning unless
 * `--fail-on cache-bypass` made it one that fails the run; it never touches an image's verdict, so each format
 * keeps findings apart from verdicts: a `findings[]` array in JSON, a testsuite of its own in JUnit, a rule of its
 * own in SARIF, a block after the verdicts in text.
 */
import type { ChalkInstance } from 'chalk';
import type { CacheBypassFinding, ExposedContainer } from '../findings/cache-bypass.js';
import { attr, occurrenceCaseName, suiteOpen, text } from './junit-xml.js';
import { occurrenceLabel } from './result.js';

export interface FindingsNotes {
  readonly findings?: readonly CacheBypassFinding[];
  /** `--fail-on cache-bypass`: findings are errors that fail the run. */
  readonly findingsFail?: boolean;
}

export const CACHE_BYPASS_RULE = {
  id: 'IMGPOLICY4',
  name: 'NamespaceCacheBypass',
  shortDescription: { text: 'An image another namespace policy allows can run here unverified from the node cache' },
  fullDescription: {
    text: 'CRI-O checks the signature policy only when it pulls. This container may start from a copy another namespace pulled (imagePullPolicy IfNotPresent or Never), so the stricter policy of its own namespace is never applied. Set imagePullPolicy: Always, or align the namespace policies.',
  },
  defaultConfiguration: { level: 'warning' },
  helpUri: 'https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy',
} as const;

function sides(f: CacheBypassFinding): string {
  const allowed = f.allowedIn.map((a) => `allowed in namespace${a.namespaces.length === 1 ? '' : 's'} ${a.namespaces.join(', ')} by ${a.policy ?? 'the default policy'}`).join('; ');
  const ns = f.rejectedIn.namespaces.join(', ');
  return `${allowed}; rejected in namespace${f.rejectedIn.namespaces.length === 1 ? '' : 's'} ${ns} by ${f.rejectedIn.policy ?? 'the default policy'}: ${f.rejectedIn.message}`;
}

function exposedLine(e: ExposedContainer): string {
  return `${occurrenceLabel(e.occurrence)}: imagePullPolicy ${e.pullPolicyLabel}`;
}

/** One paragraph, for JUnit bodies and SARIF messages. */
export function findingText(f: CacheBypassFinding): string {
  return [
    `cache bypass: ${f.image}${f.manifestDigest ? ` (${f.manifestDigest})` : ''}`,
    sides(f),
    `a node that pulled it for the allowing namespace starts these containers from its local copy, and CRI-O never checks the rejecting policy:`,
    ...f.exposed.map((e) => `  ${exposedLine(e)}`),
    ...f.fixes.map((x) => `fix: ${x}`),
  ].join('\n');
}

export function renderFindingsText(n: FindingsNotes, c: ChalkInstance): string {
  let out = '';
  for (const f of n.findings ?? []) {
    const mark = n.findingsFail ? c.red('✘ cache-bypass') : c.yellow('⚠ cache-bypass');
    out += `\n${mark}  ${f.image}${f.manifestDigest ? c.dim(`  ${f.manifestDigest}`) : ''}\n`;
    out += `    ${sides(f)}\n`;
    out += `    a node that pulled it for the allowing namespace starts these containers from its local copy, unverified:\n`;
    for (const e of f.exposed) out += `      ${exposedLine(e)}\n`;
    for (const x of f.fixes) out += c.yellow(`    fix: ${x}\n`);
  }
  return out;
}

export function findingsJSON(n: FindingsNotes): unknown[] {
  return (n.findings ?? []).map((f) => ({
    kind: f.kind,
    severity: n.findingsFail ? 'error' : 'warning',
    image: f.image,
    manifestDigest: f.manifestDigest,
    allowedIn: f.allowedIn,
    rejectedIn: f.rejectedIn,
    exposed: f.exposed.map((e) => ({
      file: e.occurrence.file,
      line: e.occurrence.line,
      column: e.occurrence.column,
      kind: e.occurrence.kind,
      name: e.occurrence.name,
      namespace: e.namespace,
      container: e.occurrence.container,
      field: e.occurrence.field,
      image: e.occurrence.image,
      imagePullPolicy: e.pullPolicy,
      imagePullPolicySource: e.pullPolicySource,
    })),
    fixes: f.fixes,
  }));
}

/** A JUnit suite of its own: one test case per exposed container; a failure only with `--fail-on cache-bypass`. */
export function findingsJUnitSuite(n: FindingsNotes, id: number, now: Date): { xml: string; tests: number; failures: number } {
  const cases = (n.findings ?? []).flatMap((f) => f.exposed.map((e) => ({ f, e })));
  if (cases.length === 0) return { xml: '', tests: 0, failures: 0 };
  const failures = n.findingsFail ? cases.length : 0;
  let xml = suiteOpen('imgpolicy cache-bypass findings', id, now, { tests: cases.length, failures, errors: 0, time: '0.000' });
  for (const { f, e } of cases) {
    const o = e.occurrence;
    xml += `    <testcase name="${attr(`cache-bypass ${occurrenceCaseName(o)}`)}" classname="${attr(`imgpolicy.${e.namespace}.${o.kind}.${o.name}`)}" time="0.000">\n`;
    const body = text(findingText(f));
    xml += n.findingsFail ? `      <failure message="${attr(`cache bypass: ${sides(f)}`)}" type="NamespaceCacheBypass">${body}</failure>\n` : `      <system-err>warning: ${body}</system-err>\n`;
    xml += '    </testcase>\n';
  }
  xml += '  </testsuite>\n';
  return { xml, tests: cases.length, failures };
}

export function findingsSARIFResults(n: FindingsNotes, ruleIndex: number): unknown[] {
  return (n.findings ?? []).flatMap((f) =>
    f.exposed.map((e) => ({
      ruleId: CACHE_BYPASS_RULE.id,
      ruleIndex,
      level: n.findingsFail ? 'error' : 'warning',
      message: { text: findingText(f) },
      properties: {
        image: f.image,
        ...(f.manifestDigest ? { manifestDigest: f.manifestDigest } : {}),
        namespace: e.namespace,
        imagePullPolicy: e.pullPolicy,
        allowedBy: f.allowedIn.map((a) => a.policy ?? ''),
        rejectedBy: f.rejectedIn.policy ?? '',
      },
      partialFingerprints: { imageReference: `cache-bypass:${f.image}:${e.namespace}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: e.occurrence.file.split('\\').join('/') }, region: { startLine: e.occurrence.line, startColumn: e.occurrence.column } },
          logicalLocations: [{ name: `${e.occurrence.kind}/${e.occurrence.name}/${e.occurrence.container}`, kind: 'resource' }],
        },
      ],
    })),
  );
}
