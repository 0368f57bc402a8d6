/**
 * The namespace cache-bypass finding through the CLI, against a real docker-registry: three namespaces with CRI-O
 * namespace policies (dev.json accepts anything, staging.json rejects apps/tool, prod falls back to the global
 * policy, which accepts only apps/web), and one container per pull-policy case. The findings must be exactly the
 * expected ones in text, JSON (field by field), JUnit and SARIF (against the schema subset the project uses).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '../helpers/oracle.js';
import { describeWithRegistry, pushImage, pushManifest, MT, startRegistry, tempDir, type TestRegistry } from '../helpers/registry-harness.js';
import { runCLI } from '../unit/cli/helpers/cli.js';
import { SARIF_2_1_0_SUBSET } from '../unit/cli/helpers/sarif-schema.js';
import { junitProblems, parseXml } from '../unit/cli/helpers/xml.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

describeWithRegistry('verify: the namespace cache-bypass finding', () => {
  let reg: TestRegistry;
  let work: string;
  let H: string;
  let policy: string;
  let nsDir: string;
  let D1: string;
  const args = () => ['verify', '--tls-verify=false', '--policy', policy, '--signature-policy-dir', nsDir, '-f', 'k8s'];

  beforeAll(async () => {
    work = tempDir('imgpolicy-bypass-');
    reg = await startRegistry('plain');
    H = reg.host;
    const v1 = await pushImage(reg, 'apps/tool', 'v1', { content: 'tool v1' });
    D1 = v1.digest;
    // Same content under another tag: the node's copy of :v1 does not answer a request for :v2.
    await pushManifest(reg, 'apps/tool', 'v2', v1.manifest, MT.ociManifest);
    await pushImage(reg, 'apps/tool', 'latest', { content: 'tool latest' });
    await pushImage(reg, 'apps/web', 'v1', { content: 'web v1' });
    policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${H}/apps/web`]: [{ type: 'insecureAcceptAnything' }] } } }, null, 2));
    nsDir = join(work, 'policies');
    mkdirSync(nsDir);
    writeFileSync(join(nsDir, 'dev.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    writeFileSync(join(nsDir, 'staging.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [`${H}/apps/tool`]: [{ type: 'reject' }] } } }));
    cpSync(join(REPO_ROOT, 'fixtures/k8s/cache-bypass'), join(work, 'k8s'), { recursive: true });
    for (const f of walk(join(work, 'k8s'))) writeFileSync(f, readFileSync(f, 'utf8').replaceAll('REGISTRY', H).replaceAll('DIGEST_TOOL_V1', D1));
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const expectedFindings = (severity: 'warning' | 'error') => {
    const rejected = `Running image docker://${H}/apps/tool:v1 is rejected by policy.`;
    const dev = [{ namespaces: ['dev'], policy: join(nsDir, 'dev.json'), reference: `${H}/apps/tool:v1` }];
    const container = (file: string, line: number, column: number, kind: string, name: string, namespace: string, c: string, field: string, image: string, pp: string, source: string) => ({
      file, line, column, kind, name, namespace, container: c, field, image, imagePullPolicy: pp, imagePullPolicySource: source,
    });
    const prodFile = 'k8s/prod/pull-policies.yaml';
    return [
      {
        kind: 'cache-bypass',
        severity,
        image: `${H}/apps/tool:v1`,
        manifestDigest: D1,
        allowedIn: dev,
        rejectedIn: { namespaces: ['prod'], policy, reference: `${H}/apps/tool:v1`, message: rejected },
        exposed: [
          container(prodFile, 18, 18, 'Deployment', 'tool', 'prod', 'explicit-ifnotpresent', 'containers', `${H}/apps/tool:v1`, 'IfNotPresent', 'explicit'),
          container(prodFile, 21, 18, 'Deployment', 'tool', 'prod', 'explicit-never', 'containers', `${H}/apps/tool:v1`, 'Never', 'explicit'),
          container(prodFile, 28, 18, 'Deployment', 'tool', 'prod', 'default-version-tag', 'containers', `${H}/apps/tool:v1`, 'IfNotPresent', 'default-tag'),
        ],
        fixes: [
          'set imagePullPolicy: Always on those containers: the kubelet then asks CRI-O to pull for every start, and the policy of namespace prod is checked (this finding goes away)',
          `or align the policies: make ${policy} and ${join(nsDir, 'dev.json')} agree on ${H}/apps/tool:v1`,
        ],
      },
      {
        kind: 'cache-bypass',
        severity,
        image: `${H}/apps/tool@${D1}`,
        manifestDigest: D1,
        allowedIn: dev,
        rejectedIn: { namespaces: ['prod'], policy, reference: `${H}/apps/tool@${D1}`, message: `Running image docker://${H}/apps/tool@${D1} is rejected by policy.` },
        exposed: [container(prodFile, 30, 18, 'Deployment', 'tool', 'prod', 'default-digest', 'containers', `${H}/apps/tool@${D1}`, 'IfNotPresent', 'default-digest')],
        fixes: [
          'set imagePullPolicy: Always on that container: the kubelet then asks CRI-O to pull for every start, and the policy of namespace prod is checked (this finding goes away)',
          `or align the policies: make ${policy} and ${join(nsDir, 'dev.json')} agree on ${H}/apps/tool@${D1}`,
        ],
      },
      {
        kind: 'cache-bypass',
        severity,
        image: `${H}/apps/tool:v1`,
        manifestDigest: D1,
        allowedIn: dev,
        rejectedIn: { namespaces: ['staging'], policy: join(nsDir, 'staging.json'), reference: `${H}/apps/tool:v1`, message: rejected },
        exposed: [container('k8s/staging/migrate.yaml', 12, 18, 'Job', 'migrate', 'staging', 'migrate', 'initContainers', `${H}/apps/tool:v1`, 'Never', 'explicit')],
        fixes: [
          'set imagePullPolicy: Always on that container: the kubelet then asks CRI-O to pull for every start, and the policy of namespace staging is checked (this finding goes away)',
          `or align the policies: make ${join(nsDir, 'staging.json')} and ${join(nsDir, 'dev.json')} agree on ${H}/apps/tool:v1`,
        ],
      },
    ];
  };

  test('JSON: exactly three findings, field by field; Always, :latest and no-tag containers and an unpulled tag are not exposed; verdicts unchanged', async () => {
    const r = await runCLI([...args(), '-o', 'json'], { cwd: work });
    expect(r.code).toBe(1); // prod and staging reject apps/tool: that is the verdict, the findings do not change it
    const out = parseVerifyJSON(r.stdout);
    expect(out.findings).toEqual(expectedFindings('warning'));
    expect(out.summary).toMatchObject({ total: 10, allowed: 4, rejected: 6, errors: 0, references: 13 });
    // The same run without namespace policies judges every namespace alike: no finding.
    const flat = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '-f', 'k8s', '-o', 'json'], { cwd: work });
    expect(parseVerifyJSON(flat.stdout).findings).toEqual([]);
  }, 120_000);

  test('a command-line image allows on a node only when it is given a namespace (--namespace)', async () => {
    const dir = join(work, 'policies-web');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'prod.json'), JSON.stringify({ default: [{ type: 'reject' }] }));
    const run = async (extra: string[]) => {
      const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--signature-policy-dir', dir, '-f', 'k8s/prod/web.yaml', `${H}/apps/web:v1`, ...extra, '-o', 'json'], { cwd: work });
      return parseVerifyJSON(r.stdout).findings;
    };
    expect(await run([])).toEqual([]);
    const f = await run(['--namespace', 'dev']);
    expect(f.map((x: { allowedIn: unknown; rejectedIn: { namespaces: string[] }; exposed: { line: number }[] }) => [x.allowedIn, x.rejectedIn.namespaces, x.exposed.map((e) => e.line)])).toEqual([
      [[{ namespaces: ['dev'], policy, reference: `${H}/apps/web:v1` }], ['prod'], [9]],
    ]);
  }, 120_000);

  test('the fix works: imagePullPolicy Always on the exposed containers makes the findings go away', async () => {
    const fixed = join(work, 'k8s-fixed');
    cpSync(join(work, 'k8s'), fixed, { recursive: true });
    const prod = join(fixed, 'prod/pull-policies.yaml');
    writeFileSync(prod, readFileSync(prod, 'utf8').replaceAll('imagePullPolicy: IfNotPresent', 'imagePullPolicy: Always').replaceAll('imagePullPolicy: Never', 'imagePullPolicy: Always').replace(/(- name: default-(version-tag|digest)\n(\s+)image: .*\n)/g, '$1$3imagePullPolicy: Always\n'));
    const staging = join(fixed, 'staging/migrate.yaml');
    writeFileSync(staging, readFileSync(staging, 'utf8').replace('imagePullPolicy: Never', 'imagePullPolicy: Always'));
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--signature-policy-dir', nsDir, '-f', 'k8s-fixed', '-o', 'json'], { cwd: work });
    expect(parseVerifyJSON(r.stdout).findings).toEqual([]);
  }, 120_000);

  test('text: each finding names image, digest, both sides, every exposed container with its pull policy, and the fixes', async () => {
    const r = await runCLI(args(), { cwd: work });
    expect(r.code).toBe(1);
    const block =
      `\n⚠ cache-bypass  ${H}/apps/tool:v1  ${D1}\n` +
      `    allowed in namespace dev by ${join(nsDir, 'dev.json')}; rejected in namespace prod by ${policy}: Running image docker://${H}/apps/tool:v1 is rejected by policy.\n` +
      `    a node that pulled it for the allowing namespace starts these containers from its local copy, unverified:\n` +
      `      k8s/prod/pull-policies.yaml:18 (Deployment prod/tool, container explicit-ifnotpresent): imagePullPolicy IfNotPresent (explicit)\n` +
      `      k8s/prod/pull-policies.yaml:21 (Deployment prod/tool, container explicit-never): imagePullPolicy Never (explicit)\n` +
      `      k8s/prod/pull-policies.yaml:28 (Deployment prod/tool, container default-version-tag): imagePullPolicy IfNotPresent (default: tag "v1")\n` +
      `    fix: set imagePullPolicy: Always on those containers: the kubelet then asks CRI-O to pull for every start, and the policy of namespace prod is checked (this finding goes away)\n` +
      `    fix: or align the policies: make ${policy} and ${join(nsDir, 'dev.json')} agree on ${H}/apps/tool:v1\n`;
    expect(r.stdout).toContain(block);
    expect(r.stdout).toContain(`      k8s/prod/pull-policies.yaml:30 (Deployment prod/tool, container default-digest): imagePullPolicy IfNotPresent (default: digest reference)\n`);
    expect(r.stdout).toContain(`      k8s/staging/migrate.yaml:12 (Job staging/migrate, initContainer migrate): imagePullPolicy Never (explicit)\n`);
    expect(r.stdout.match(/cache-bypass {2}/g)).toHaveLength(3);
  }, 120_000);

  test('JUnit: a suite of its own, one case per exposed container; failures only with --fail-on cache-bypass', async () => {
    for (const failOn of [false, true]) {
      const r = await runCLI([...args(), '-o', 'junit', ...(failOn ? ['--fail-on', 'cache-bypass'] : [])], { cwd: work });
      expect(r.code).toBe(1);
      const doc = parseXml(r.stdout);
      expect(junitProblems(doc)).toEqual([]);
      const suite = doc.children.find((s) => s.attrs['name'] === 'imgpolicy cache-bypass findings')!;
      expect(suite.children.map((c) => c.attrs['name'])).toEqual([
        `cache-bypass Deployment/tool container explicit-ifnotpresent: ${H}/apps/tool:v1`,
        `cache-bypass Deployment/tool container explicit-never: ${H}/apps/tool:v1`,
        `cache-bypass Deployment/tool container default-version-tag: ${H}/apps/tool:v1`,
        `cache-bypass Deployment/tool container default-digest: ${H}/apps/tool@${D1}`,
        `cache-bypass Job/migrate initContainer migrate: ${H}/apps/tool:v1`,
      ]);
      expect(suite.attrs['failures']).toBe(failOn ? '5' : '0');
      const first = suite.children[0]!.children[0]!;
      expect(first.name).toBe(failOn ? 'failure' : 'system-err');
      if (failOn) expect(first.attrs['type']).toBe('NamespaceCacheBypass');
      // 13 verdict test cases (one per container) + 5 finding cases; the 9 rejected containers stay failures.
      expect(doc.attrs['tests']).toBe('18');
      expect(doc.attrs['failures']).toBe(String(9 + (failOn ? 5 : 0)));
    }
  }, 120_000);

  test('SARIF: rule IMGPOLICY4 at each exposed container, a warning (an error with --fail-on cache-bypass); validates', async () => {
    const ajv = new Ajv.default({ strict: true, strictRequired: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(SARIF_2_1_0_SUBSET);
    for (const failOn of [false, true]) {
      const r = await runCLI([...args(), '-o', 'sarif', ...(failOn ? ['--fail-on', 'cache-bypass'] : [])], { cwd: work });
      const sarif = JSON.parse(r.stdout);
      expect(validate(sarif) ? [] : validate.errors).toEqual([]);
      const rules = sarif.runs[0].tool.driver.rules;
      expect(rules[3]).toMatchObject({ id: 'IMGPOLICY4', name: 'NamespaceCacheBypass', defaultConfiguration: { level: 'warning' } });
      const found = sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'IMGPOLICY4');
      expect(found.map((x: { ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }) => [x.ruleIndex, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([
        [3, failOn ? 'error' : 'warning', 'k8s/prod/pull-policies.yaml', 18],
        [3, failOn ? 'error' : 'warning', 'k8s/prod/pull-policies.yaml', 21],
        [3, failOn ? 'error' : 'warning', 'k8s/prod/pull-policies.yaml', 28],
        [3, failOn ? 'error' : 'warning', 'k8s/prod/pull-policies.yaml', 30],
        [3, failOn ? 'error' : 'warning', 'k8s/staging/migrate.yaml', 12],
      ]);
      expect(found[0].properties).toEqual({ image: `${H}/apps/tool:v1`, manifestDigest: D1, namespace: 'prod', imagePullPolicy: 'IfNotPresent', allowedBy: [join(nsDir, 'dev.json')], rejectedBy: policy });
      expect(found[0].message.text).toContain('fix: set imagePullPolicy: Always');
      // The verdict results are untouched: one per rejected container.
      expect(sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'IMGPOLICY1')).toHaveLength(9);
    }
  }, 120_000);

  test('GitHub Actions: a warning annotation at each exposed container (an error with --fail-on cache-bypass)', async () => {
    for (const failOn of [false, true]) {
      const r = await runCLI([...args(), '-o', 'json', ...(failOn ? ['--fail-on', 'cache-bypass'] : [])], { cwd: work, env: { GITHUB_ACTIONS: 'true' } });
      const lines = r.stderr.split('\n').filter((l) => l.includes('title=cache bypass%3A '));
      expect(lines.map((l) => l.slice(0, l.indexOf(',title=')))).toEqual(
        [['k8s/prod/pull-policies.yaml', 18], ['k8s/prod/pull-policies.yaml', 21], ['k8s/prod/pull-policies.yaml', 28], ['k8s/prod/pull-policies.yaml', 30], ['k8s/staging/migrate.yaml', 12]].map(
          ([f, l]) => `::${failOn ? 'error' : 'warning'} file=${f},line=${l},col=18`,
        ),
      );
    }
  }, 120_000);

  test('--fail-on: an unknown name, or a finding the run cannot produce, is a bad invocation', async () => {
    const r = await runCLI([...args(), '--fail-on', 'cache-bypas'], { cwd: work });
    expect([r.code, r.stderr]).toEqual([3, 'unknown --fail-on "cache-bypas": use cache-bypass, newly-allowed\n']);
    const n = await runCLI([...args(), '--fail-on', 'newly-allowed'], { cwd: work });
    expect([n.code, n.stderr]).toEqual([3, '--fail-on newly-allowed applies to a what-if run: add --baseline-policy or --baseline-policy-dir\n']);
    const c = await runCLI([...args(), '--baseline-policy', policy, '--fail-on', 'newly-allowed,cache-bypass'], { cwd: work });
    expect([c.code, c.stderr]).toEqual([3, '--fail-on cache-bypass applies to verify without --baseline-policy/--baseline-policy-dir (a what-if run compares verdicts only)\n']);
  });
});
