/**
 * The CI gate as an attacker who controls the manifests meets it (issue 14), against a real registry: every
 * platform of a manifest list, namespaces as kubectl decides them, `-f -`, reports that cannot be empty, and
 * `--pin` writing what it says, atomically, with the list digest.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithRegistry, pushImage, pushMultiArch, startRegistry, tempDir, type TestRegistry } from '../helpers/registry-harness.js';
import { runCLI } from '../unit/cli/helpers/cli.js';
import { cosignSign, makeCosignKey, type CosignKey } from '../unit/cli/helpers/cosign.js';
import { parseXml } from '../unit/cli/helpers/xml.js';

describeWithRegistry('CI gate over manifests (issue 14)', () => {
  let reg: TestRegistry;
  let work: string;
  let H: string;
  let key: CosignKey;
  let policy: string;
  let nsDir: string;
  let regd: string;
  let multi: { digest: string; instances: Record<string, string> };
  let both: { digest: string; instances: Record<string, string> };

  beforeAll(async () => {
    work = tempDir('imgpolicy-gate-');
    reg = await startRegistry('plain');
    H = reg.host;
    key = makeCosignKey(join(work, 'cosign.pub'));
    // Only the amd64 instance is signed: an arm64 node would pull the unsigned one.
    multi = await pushMultiArch(reg, 'apps/multi', 'v1', [{ arch: 'amd64' }, { arch: 'arm64' }]);
    await cosignSign(reg, 'apps/multi', multi.instances['amd64']!, `${H}/apps/multi`, key);
    both = await pushMultiArch(reg, 'apps/both', 'v1', [{ arch: 'amd64' }, { arch: 'arm64' }]);
    for (const d of Object.values(both.instances)) await cosignSign(reg, 'apps/both', d, `${H}/apps/both`, key);
    const signedImg = await pushImage(reg, 'apps/signed', 'v1', { content: 'signed' });
    await cosignSign(reg, 'apps/signed', signedImg.digest, `${H}/apps/signed`, key);
    await pushImage(reg, 'apps/unsigned', 'v1', { content: 'unsigned' });
    const signed = [{ type: 'sigstoreSigned', keyPath: key.publicPath, signedIdentity: { type: 'matchRepository' } }];
    policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${H}/apps`]: signed } } }));
    nsDir = join(work, 'policies');
    mkdirSync(nsDir);
    // A permissive namespace file; and one outside the directory, which a crafted namespace must never reach.
    writeFileSync(join(nsDir, 'sandbox.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    writeFileSync(join(nsDir, 'prod.json'), JSON.stringify({ default: [{ type: 'reject' }] }));
    writeFileSync(join(work, 'escape.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    regd = join(work, 'registries.d');
    mkdirSync(regd);
    writeFileSync(join(regd, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const pod = (image: string, extra = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${extra}spec:\n  containers:\n  - name: a\n    image: ${image}\n`;
  const write = (name: string, text: string) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'm.yaml'), text);
    return dir;
  };
  const base = () => ['verify', '--tls-verify=false', '--policy', policy, '--registries.d', regd];
  const env = (extra: Record<string, string> = {}) => ({ HOME: join(work, 'home'), ...extra });

  test('row 14: a list with only amd64 signed is rejected by default (arm64 nodes pull the unsigned instance)', async () => {
    const r = await runCLI([...base(), '-f', write('r14-all', pod(`${H}/apps/multi:v1`)), '--output', 'json'], { env: env() });
    expect(r.code).toBe(1);
    const res = JSON.parse(r.stdout).results[0];
    expect(res.listDigest).toBe(multi.digest);
    expect(res.platforms).toEqual([
      expect.objectContaining({ platform: 'linux/amd64', verdict: 'allowed', digest: multi.instances['amd64'] }),
      expect.objectContaining({ platform: 'linux/arm64', verdict: 'rejected', digest: multi.instances['arm64'] }),
    ]);
    expect(res.manifestDigest).toBe(multi.instances['arm64']);
  });

  test('row 14: nodeSelector kubernetes.io/arch narrows the platforms (arm64: rejected; amd64: allowed)', async () => {
    const spec = (arch: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeSelector: {kubernetes.io/arch: ${arch}}\n  containers:\n  - {name: a, image: ${H}/apps/multi:v1}\n`;
    const arm = await runCLI([...base(), '-f', write('r14-arm', spec('arm64'))], { env: env() });
    expect(arm.code).toBe(1);
    expect(arm.stdout).toContain('linux/arm64 rejected');
    const amd = await runCLI([...base(), '-f', write('r14-amd', spec('amd64'))], { env: env() });
    expect(amd.code).toBe(0);
    const affinity = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions:\n          - {key: kubernetes.io/arch, operator: In, values: [arm64]}\n  containers:\n  - {name: a, image: ${H}/apps/multi:v1}\n`;
    expect((await runCLI([...base(), '-f', write('r14-aff', affinity)], { env: env() })).code).toBe(1);
  });

  test('--pin pins the list digest, verified on every platform, and --in-place keeps the mode and leaves no temp file', async () => {
    const dir = write('pin', pod(`${H}/apps/both:v1`));
    chmodSync(join(dir, 'm.yaml'), 0o640);
    // A hard link keeps the original inode: after an atomic replace it still holds the old bytes (a truncate-and-write
    // in place would change it too).
    linkSync(join(dir, 'm.yaml'), join(work, 'pin-original'));
    const r = await runCLI([...base(), '-f', dir, '--pin', '--in-place', '--output', 'json'], { env: env() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results[0].pin).toEqual({ reference: `${H}/apps/both@${both.digest}`, allowed: true, written: true });
    expect(readFileSync(join(dir, 'm.yaml'), 'utf8')).toBe(pod(`${H}/apps/both:v1@${both.digest}`));
    expect(statSync(join(dir, 'm.yaml')).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['m.yaml']);
    expect(readFileSync(join(work, 'pin-original'), 'utf8')).toBe(pod(`${H}/apps/both:v1`));
  });

  test('row 16: --pin of a block-scalar image reports written: false and leaves the file as it was', async () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: |-\n      ${H}/apps/signed:v1\n`;
    const dir = write('pin-block', text);
    const r = await runCLI([...base(), '-f', dir, '--pin', '--in-place', '--output', 'json'], { env: env() });
    const out = JSON.parse(r.stdout);
    expect(out.results[0].pin).toMatchObject({ allowed: true, written: false });
    expect(readFileSync(join(dir, 'm.yaml'), 'utf8')).toBe(text);
  });

  test('-f - reads manifests from standard input', async () => {
    const r = await runCLI([...base(), '-f', '-', '--output', 'json'], { env: env(), stdin: pod(`${H}/apps/unsigned:v1`) });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0].occurrences[0]).toMatchObject({ file: '-', path: 'spec.containers[0].image' });
  });

  test('row 11: metadata.namespace "" with -n prod is judged by prod.json', async () => {
    const r = await runCLI([...base(), '--signature-policy-dir', nsDir, '-n', 'prod', '-f', write('r11', pod(`${H}/apps/signed:v1`, '  namespace: ""\n')), '--output', 'json'], { env: env() });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ namespace: 'prod', policy: join(nsDir, 'prod.json') });
  });

  test('row 15: no namespace anywhere: the kubeconfig context namespace decides, and the trace says so', async () => {
    const kube = join(work, 'kubeconfig');
    writeFileSync(kube, `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: x, namespace: prod}\n`);
    const r = await runCLI([...base(), '--signature-policy-dir', nsDir, '-f', write('r15', pod(`${H}/apps/signed:v1`)), '--output', 'json'], { env: env({ KUBECONFIG: kube }) });
    expect(r.code).toBe(1);
    const res = JSON.parse(r.stdout).results[0];
    expect(res).toMatchObject({ namespace: 'prod', policy: join(nsDir, 'prod.json') });
    expect(JSON.stringify(res.trace)).toContain(`from kubeconfig ${kube}, context \\"c\\"`);
    // ~/.kube/config is read when KUBECONFIG is not set.
    mkdirSync(join(work, 'home', '.kube'), { recursive: true });
    writeFileSync(join(work, 'home', '.kube', 'config'), readFileSync(kube));
    const h = await runCLI([...base(), '--signature-policy-dir', nsDir, '-f', join(work, 'r15'), '--output', 'json'], { env: env() });
    expect(JSON.parse(h.stdout).results[0].namespace).toBe('prod');
    rmSync(join(work, 'home', '.kube'), { recursive: true });
  });

  test('issue 13: a namespace that is not a DNS-1123 label is an error for that image, never a policy file outside the directory', async () => {
    for (const ns of ['../escape', 'Prod', 'a/b', 'x'.repeat(64)]) {
      const r = await runCLI([...base(), '--signature-policy-dir', nsDir, '-f', write('bad-ns', pod(`${H}/apps/unsigned:v1`, `  namespace: ${JSON.stringify(ns)}\n`)), '--output', 'json'], { env: env() });
      expect(r.code).toBe(3);
      const res = JSON.parse(r.stdout).results[0];
      expect(res.verdict).toBe('error');
      expect(res.error.message).toContain('DNS-1123');
    }
  });

  test('row 16: an unparsable manifest still yields well-formed JSON, JUnit and SARIF reports carrying the error (exit 3)', async () => {
    const dir = write('broken', `${pod(`${H}/apps/signed:v1`)}---\nkind: Pod\nspec:\n  containers:\n    - image: a\n   - image: b\n`);
    const json = await runCLI([...base(), '-f', dir, '--output', 'json'], { env: env() });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).errors).toEqual([expect.objectContaining({ file: expect.stringContaining('m.yaml'), line: 14 })]);
    const junit = await runCLI([...base(), '-f', dir, '--output', 'junit'], { env: env() });
    expect(junit.code).toBe(3);
    expect(junit.stdout).toContain('type="ManifestNotRead"');
    parseXml(junit.stdout);
    const sarif = await runCLI([...base(), '-f', dir, '--output', 'sarif'], { env: env() });
    expect(sarif.code).toBe(3);
    const results = JSON.parse(sarif.stdout).runs[0].results;
    expect(results.some((x: { ruleId: string }) => x.ruleId === 'IMGPOLICY5')).toBe(true);
    // Nothing readable at all: still a report.
    const only = write('only-broken', 'kind: Pod\nspec: [\n');
    const j2 = await runCLI([...base(), '-f', only, '--output', 'json'], { env: env() });
    expect(j2.code).toBe(3);
    expect(JSON.parse(j2.stdout).errors).toHaveLength(1);
  });

  test('row 3/10: refusals and unknown container-like objects are errors in the report; --ignore-kind turns the latter into a warning', async () => {
    const widget = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  runner: {name: r, image: ${H}/apps/unsigned:v1}\n`;
    const r = await runCLI([...base(), '-f', write('widget', widget + `---\n${pod(`${H}/apps/signed:v1`)}`), '--output', 'json'], { env: env() });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).errors[0].message).toContain('--ignore-kind Widget');
    const ok = await runCLI([...base(), '-f', join(work, 'widget'), '--ignore-kind', 'Widget', '--output', 'json'], { env: env() });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).warnings.join('\n')).toContain('not evaluated (--ignore-kind Widget)');
    // Skipped places show in every format.
    const junit = await runCLI([...base(), '-f', join(work, 'widget'), '--ignore-kind', 'Widget', '--output', 'junit'], { env: env() });
    expect(junit.stdout).toMatch(/<skipped message="[^"]*--ignore-kind Widget/);
    const sarif = await runCLI([...base(), '-f', join(work, 'widget'), '--ignore-kind', 'Widget', '--output', 'sarif'], { env: env() });
    expect(JSON.parse(sarif.stdout).runs[0].results.filter((x: { ruleId: string }) => x.ruleId === 'IMGPOLICY6')).toHaveLength(1);
  });

  test('issue 13: on an error the text says which policy would apply, not "decided by"', async () => {
    const r = await runCLI([...base(), '-f', write('missing', pod(`${H}/apps/nothing-here:v1`))], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('decided by');
  });
});
