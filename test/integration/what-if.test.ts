/**
 * `verify --baseline-policy` / `--baseline-policy-dir` (what-if) against a real docker-registry with its access
 * log on: two real policies (the new one adds a key requirement to one scope and removes a reject from another),
 * newly rejected / newly allowed / changed / unchanged counts, one fetch of each manifest and signature for both
 * evaluations, and the exit codes a rollout gate branches on.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithRegistry, pushImage, startRegistry, tempDir, type TestRegistry } from '../helpers/registry-harness.js';
import { runCLI } from '../unit/cli/helpers/cli.js';
import { cosignSign, makeCosignKey } from '../unit/cli/helpers/cosign.js';
import { junitProblems, parseXml } from '../unit/cli/helpers/xml.js';

describeWithRegistry('verify what-if: --baseline-policy / --baseline-policy-dir', () => {
  let reg: TestRegistry;
  let work: string;
  let H: string;
  let oldPolicy: string;
  let newPolicy: string;
  let loosened: string;
  let regd: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    work = tempDir('imgpolicy-whatif-');
    reg = await startRegistry('plain', { accessLog: true });
    H = reg.host;
    const key = makeCosignKey(join(work, 'cosign.pub'));
    for (const repo of ['apps/signed', 'apps/unsigned', 'legacy/old', 'tools/x', 'other/y', 'vendor/z']) {
      const img = await pushImage(reg, repo, 'v1', { content: repo });
      digests[repo] = img.digest;
      if (repo === 'apps/signed') await cosignSign(reg, repo, img.digest, `${H}/${repo}:v1`, key);
    }
    const signed = [{ type: 'sigstoreSigned', keyPath: key.publicPath }];
    const accept = [{ type: 'insecureAcceptAnything' }];
    const reject = [{ type: 'reject' }];
    const write = (name: string, docker: Record<string, unknown>) => {
      const p = join(work, name);
      writeFileSync(p, JSON.stringify({ default: reject, transports: { docker } }, null, 2));
      return p;
    };
    // Today: apps and tools run unchecked, legacy, other and vendor are refused.
    oldPolicy = write('old.json', { [`${H}/apps`]: accept, [`${H}/legacy`]: reject, [`${H}/tools`]: accept, [`${H}/other`]: reject, [`${H}/vendor`]: reject });
    // Rollout: apps and vendor need a cosign key, legacy's reject is gone.
    newPolicy = write('new.json', { [`${H}/apps`]: signed, [`${H}/legacy`]: accept, [`${H}/tools`]: accept, [`${H}/other`]: reject, [`${H}/vendor`]: signed });
    // Only the loosening.
    loosened = write('loosened.json', { [`${H}/apps`]: accept, [`${H}/legacy`]: accept, [`${H}/tools`]: accept, [`${H}/other`]: reject, [`${H}/vendor`]: reject });
    regd = join(work, 'registries.d');
    mkdirSync(regd);
    writeFileSync(join(regd, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
    // Manifests: two namespaces, every image at least once, some twice.
    mkdirSync(join(work, 'k8s'));
    const pod = (ns: string, name: string, images: string[]) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  containers:\n${images.map((im, i) => `    - name: c${i}\n      image: ${H}/${im}:v1\n`).join('')}`;
    writeFileSync(join(work, 'k8s/prod.yaml'), pod('prod', 'shop', ['apps/signed', 'apps/unsigned', 'legacy/old']));
    writeFileSync(join(work, 'k8s/batch.yaml'), pod('batch', 'jobs', ['tools/x', 'other/y', 'vendor/z', 'apps/unsigned']));
    writeFileSync(join(work, 'images.txt'), ['apps/signed', 'apps/unsigned', 'legacy/old', 'tools/x', 'other/y', 'vendor/z'].map((r) => `${H}/${r}:v1`).join('\n') + '\n');
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const base = () => ['verify', '--tls-verify=false', '--registries.d', regd];

  /** Requests the registry saw since `from`, counted by method and path (manifests, tags, blobs). */
  function fetchesSince(from: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const l of reg.accessLog().slice(from)) {
      const [method, path] = l.split(' ');
      if (path === '/v2/') continue;
      const k = `${method} ${path}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  }

  test('-f manifests: counts, messages and explanation, each manifest and signature fetched once for both policies, exit 1', async () => {
    const from = reg.accessLog().length;
    const r = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, '-f', 'k8s', '-o', 'json'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toEqual({ total: 6, references: 7, newlyRejected: 1, newlyAllowed: 1, rejectionChanged: 1, unchanged: { total: 3, allowed: 2, rejected: 1, errors: 0 } });
    const by = Object.fromEntries(out.images.map((i: { input: string }) => [i.input.replace(`${H}/`, ''), i]));
    expect(Object.fromEntries(Object.entries(by).map(([k, v]) => [k, (v as { change: string }).change]))).toEqual({
      'apps/signed:v1': 'unchanged',
      'apps/unsigned:v1': 'newly-rejected',
      'legacy/old:v1': 'newly-allowed',
      'tools/x:v1': 'unchanged',
      'other/y:v1': 'unchanged',
      'vendor/z:v1': 'rejection-changed',
    });
    const nr = by['apps/unsigned:v1'];
    expect(nr).toMatchObject({
      manifestDigest: digests['apps/unsigned'],
      namespaces: ['batch', 'prod'],
      new: { verdict: 'rejected', policy: newPolicy, reason: 'SignatureValidationFailed', error: { message: 'A signature was required, but no signature exists', class: 'PolicyRequirementError' } },
      baseline: { verdict: 'allowed', policy: oldPolicy },
    });
    expect(nr.new.explanation.requirement).toEqual({ index: 0, type: 'sigstoreSigned', line: expect.any(Number) });
    expect(nr.occurrences.map((o: { file: string; line: number }) => `${o.file}:${o.line}`)).toEqual(['k8s/batch.yaml:15', 'k8s/prod.yaml:11']); // files in sorted order
    expect(by['legacy/old:v1']).toMatchObject({ new: { verdict: 'allowed' }, baseline: { verdict: 'rejected', error: { message: `Running image docker://${H}/legacy/old:v1 is rejected by policy.` } } });
    expect(by['vendor/z:v1']).toMatchObject({
      new: { error: { message: 'A signature was required, but no signature exists' } },
      baseline: { error: { message: `Running image docker://${H}/vendor/z:v1 is rejected by policy.` } },
    });
    // One read of each manifest and each signature, though every image was judged twice (and apps/unsigned in two namespaces).
    const fetches = fetchesSince(from);
    for (const repo of Object.keys(digests)) expect([repo, fetches.get(`GET /v2/${repo}/manifests/v1`)]).toEqual([repo, 1]);
    const sig = (repo: string) => `GET /v2/${repo}/manifests/sha256-${digests[repo]!.slice(7)}.sig`;
    expect(fetches.get(sig('apps/signed'))).toBe(1);
    expect(fetches.get(sig('apps/unsigned'))).toBe(1);
    const repeated = [...fetches.entries()].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
    if (process.env['IMGPOLICY_SHOW_DIR']) writeFileSync(join(process.env['IMGPOLICY_SHOW_DIR'], 'what-if-access.log'), [...fetches.entries()].map(([k, n]) => `${n} ${k}`).join('\n') + '\n');
  }, 120_000);

  test('text: newly rejected with the new message and explanation, newly allowed always shown, counts', async () => {
    const r = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, '-f', 'k8s'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✘ newly rejected  ${H}/apps/unsigned:v1  ${digests['apps/unsigned']}\n    namespaces batch, prod\n    SignatureValidationFailed: A signature was required, but no signature exists\n    decided by ${newPolicy}: transport "docker" scope "${H}/apps", requirement 0 (sigstoreSigned, line `);
    expect(r.stdout).toContain(`    baseline: allowed by ${oldPolicy}\n    in k8s/batch.yaml:15 (Pod batch/jobs, container c3)\n    in k8s/prod.yaml:11 (Pod prod/shop, container c1)\n`);
    expect(r.stdout).toContain(`! newly allowed  ${H}/legacy/old:v1  ${digests['legacy/old']}\n    namespace prod\n    now:  allowed by ${newPolicy}\n    was:  rejected by ${oldPolicy}: SignatureValidationFailed: Running image docker://${H}/legacy/old:v1 is rejected by policy.\n`);
    expect(r.stdout).toContain(`! rejection changed  ${H}/vendor/z:v1`);
    expect(r.stdout).toContain('6 images (7 references): 1 newly rejected, 1 newly allowed, 1 with a changed rejection, 3 unchanged (2 allowed, 1 rejected, 0 could not be evaluated)\n');
  }, 120_000);

  test('JUnit: a newly rejected image is a failure at each place it is used; newly allowed fails only with --fail-on', async () => {
    for (const failOn of [false, true]) {
      const r = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, '-f', 'k8s', '-o', 'junit', ...(failOn ? ['--fail-on', 'newly-allowed'] : [])], { cwd: work });
      expect(r.code).toBe(1);
      const doc = parseXml(r.stdout);
      expect(junitProblems(doc)).toEqual([]);
      const failed = doc.children.flatMap((s) => s.children).filter((c) => c.children.some((x) => x.name === 'failure'));
      expect(failed.map((c) => [c.attrs['name'], c.children[0]!.attrs['type']])).toEqual([
        [`Pod/jobs container c3: ${H}/apps/unsigned:v1`, 'SignatureValidationFailed'],
        [`Pod/shop container c1: ${H}/apps/unsigned:v1`, 'SignatureValidationFailed'],
        ...(failOn ? [[`Pod/shop container c2: ${H}/legacy/old:v1`, 'NewlyAllowed']] : []),
      ]);
      expect(doc.attrs['tests']).toBe('7');
    }
  }, 120_000);

  test('exit codes: loosening only → 0, with --fail-on newly-allowed → 1; --from-file and image arguments work alike', async () => {
    const loose = await runCLI([...base(), '--policy', loosened, '--baseline-policy', oldPolicy, '--from-file', 'images.txt', '-o', 'json'], { cwd: work });
    expect(loose.code).toBe(0);
    expect(JSON.parse(loose.stdout).summary).toMatchObject({ total: 6, newlyRejected: 0, newlyAllowed: 1, rejectionChanged: 0 });
    const gated = await runCLI([...base(), '--policy', loosened, '--baseline-policy', oldPolicy, '--from-file', 'images.txt', '--fail-on', 'newly-allowed'], { cwd: work });
    expect(gated.code).toBe(1);
    const same = await runCLI([...base(), '--policy', oldPolicy, '--baseline-policy', oldPolicy, `${H}/apps/unsigned:v1`, `${H}/other/y:v1`], { cwd: work });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('2 images: 0 newly rejected, 0 newly allowed, 0 with a changed rejection, 2 unchanged (1 allowed, 1 rejected, 0 could not be evaluated)\n');
    const args = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, `${H}/apps/unsigned:v1`, '-o', 'json'], { cwd: work });
    expect(args.code).toBe(1);
    expect(JSON.parse(args.stdout).images[0]).toMatchObject({ change: 'newly-rejected', occurrences: [] });
  }, 120_000);

  test('--signature-policy-dir NEW_DIR --baseline-policy-dir OLD_DIR: namespace files compared, the global policy shared', async () => {
    const oldDir = join(work, 'old-policies');
    const newDir = join(work, 'new-policies');
    mkdirSync(oldDir);
    mkdirSync(newDir);
    writeFileSync(join(oldDir, 'prod.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    writeFileSync(join(newDir, 'prod.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [`${H}/legacy`]: [{ type: 'reject' }] } } }));
    const from = reg.accessLog().length;
    const r = await runCLI([...base(), '--policy', oldPolicy, '--signature-policy-dir', newDir, '--baseline-policy-dir', oldDir, '-f', 'k8s', '-o', 'json'], { cwd: work });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    // batch has no file in either directory: the shared global policy judges it both times, unchanged.
    expect(out.summary).toMatchObject({ newlyRejected: 1, newlyAllowed: 0, rejectionChanged: 0 });
    const nr = out.images.find((i: { change: string }) => i.change === 'newly-rejected');
    expect(nr).toMatchObject({ input: `${H}/legacy/old:v1`, namespaces: ['prod'], new: { policy: join(newDir, 'prod.json'), policySource: 'namespace' }, baseline: { policy: join(oldDir, 'prod.json'), verdict: 'allowed' } });
    expect([...fetchesSince(from).entries()].filter(([, n]) => n > 1)).toEqual([]);
  }, 120_000);

  test('bad invocations: --output sarif, --pin', async () => {
    const s = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, '-f', 'k8s', '-o', 'sarif'], { cwd: work });
    expect([s.code, s.stderr]).toEqual([3, '--output sarif is not available with --baseline-policy/--baseline-policy-dir: use text, json, junit\n']);
    const p = await runCLI([...base(), '--policy', newPolicy, '--baseline-policy', oldPolicy, '-f', 'k8s', '--pin'], { cwd: work });
    expect(p.code).toBe(3);
  });
});
