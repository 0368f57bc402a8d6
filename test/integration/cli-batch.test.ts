/**
 * `imgpolicy verify` as a CI gate over Kubernetes manifests, against a real docker-registry behind a real token
 * server: 27 manifest files / 54 image references / 10 distinct images in one command, CRI-O namespace policies
 * with the global fallback, JSON/JUnit/SARIF outputs validated, GitHub annotations, --pin, and the exact text a
 * user sees for each configuration mistake we hint at. Every figure asserted here comes from the real registry.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describeWithRegistry, pushImage, startRegistry, startTokenServer, tempDir, type TestRegistry, type TokenServer } from '../helpers/registry-harness.js';
import { runCLI } from '../unit/cli/helpers/cli.js';
import { cosignSign, makeCosignKey, type CosignKey } from '../unit/cli/helpers/cosign.js';
import { junitProblems, parseXml } from '../unit/cli/helpers/xml.js';
import { SARIF_2_1_0_SUBSET } from '../unit/cli/helpers/sarif-schema.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Outputs are kept here for people (and the issue report) to read the exact text users see. */
const SHOW = process.env['IMGPOLICY_SHOW_DIR'];

function show(name: string, text: string): void {
  if (!SHOW) return;
  mkdirSync(SHOW, { recursive: true });
  writeFileSync(join(SHOW, name), text);
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

describeWithRegistry('imgpolicy verify: batch gate over Kubernetes manifests', () => {
  let ts: TokenServer;
  let reg: TestRegistry;
  let work: string;
  let key: CosignKey;
  const digests: Record<string, string> = {};
  let H: string;
  let policy: string;
  let nsDir: string;
  let regd: string;
  let emptyRegd: string;
  let manifests: string;

  beforeAll(async () => {
    work = tempDir('imgpolicy-cli-');
    ts = await startTokenServer(join(work, 'token'));
    reg = await startRegistry('token', { tokenServer: ts });
    H = reg.host;
    key = makeCosignKey(join(work, 'cosign.pub'));
    const images: [string, string, 'exact' | 'tagless' | 'none'][] = [
      ['apps/web', 'v1', 'exact'],
      ['apps/web', 'v2', 'exact'],
      ['apps/api', 'v1', 'exact'],
      ['apps/worker', 'v1', 'exact'],
      ['apps/cache', 'v1', 'exact'],
      ['apps/tagless', 'v1', 'tagless'],
      ['apps/unsigned', 'v1', 'none'],
      ['init/migrate', 'v1', 'exact'],
      ['tools/debug', 'v1', 'exact'],
    ];
    for (const [repo, tag, how] of images) {
      const img = await pushImage(reg, repo, tag, { content: `${repo}:${tag}` });
      digests[`${repo}:${tag}`] = img.digest;
      if (how !== 'none') await cosignSign(reg, repo, img.digest, how === 'exact' ? `${H}/${repo}:${tag}` : `${H}/${repo}`, key);
    }
    ts.reset();
    const signed = [{ type: 'sigstoreSigned', keyPath: key.publicPath }];
    policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${H}/apps`]: signed, [`${H}/init`]: signed, [`${H}/tools`]: signed } } }, null, 2));
    nsDir = join(work, 'policies');
    mkdirSync(nsDir);
    writeFileSync(join(nsDir, 'dev.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    regd = join(work, 'registries.d');
    mkdirSync(regd);
    writeFileSync(join(regd, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
    emptyRegd = join(work, 'registries.d-empty');
    mkdirSync(emptyRegd);
    manifests = join(work, 'k8s');
    cpSync(join(root, 'fixtures/k8s/gate'), manifests, { recursive: true });
    for (const f of walk(manifests)) {
      writeFileSync(f, readFileSync(f, 'utf8').replaceAll('REGISTRY', H).replaceAll('DIGEST_WEB_V1', digests['apps/web:v1']!));
    }
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const gateArgs = () => ['verify', '--tls-verify=false', '--policy', policy, '--signature-policy-dir', nsDir, '--registries.d', regd, '-f', manifests];

  test('≥ 20 manifests, ≥ 50 references: each image evaluated once, one token per repository, JSON names every digest', async () => {
    const r = await runCLI([...gateArgs(), '--output', 'json'], { cwd: work });
    show('gate.json', r.stdout);
    expect(r.code).toBe(1); // tagless:v1 and unsigned:v1 (prod) are rejected
    const out = parseVerifyJSON(r.stdout);
    const files = new Set(out.results.flatMap((x: { occurrences: { file: string }[] }) => x.occurrences.map((o) => o.file)));
    expect(files.size).toBeGreaterThanOrEqual(20);
    expect(out.summary.references).toBe(54);
    // 10 distinct references; web:v1, tools/debug:v1 and unsigned:v1 are also used in namespace dev (dev.json):
    // 13 (reference, policy file) pairs, each evaluated once.
    expect(out.summary).toMatchObject({ total: 13, allowed: 11, rejected: 2, errors: 0 });
    for (const x of out.results) {
      expect(x.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const repoTag = x.input.replace(`${H}/`, '').replace(/@.*$/, '');
      expect(x.manifestDigest).toBe(digests[repoTag]);
    }
    // name:tag@digest is evaluated as CRI-O pulls it: by digest.
    const pinned = out.results.find((x: { input: string }) => x.input.includes('@sha256:'));
    expect(pinned.evaluated).toBe(`docker://${H}/apps/web@${digests['apps/web:v1']}`);
    expect(pinned.verdict).toBe('allowed');
    // Connection and token sharing: every repository asked the token server exactly once.
    const repoScopes = [...ts.counts.entries()].filter(([k]) => k !== '*');
    expect(repoScopes.length).toBeGreaterThan(0);
    for (const [scope, n] of repoScopes) expect([scope, n]).toEqual([scope, 1]);
    // Rejections carry the kubelet reason beside c/image's message, never instead of it.
    const tagless = out.results.find((x: { input: string }) => x.input.endsWith('/apps/tagless:v1'));
    expect(tagless).toMatchObject({ verdict: 'rejected', reason: 'SignatureValidationFailed', error: { class: 'PolicyRequirementError', message: `Signature for identity "${H}/apps/tagless" is not accepted` } });
    expect(tagless.explanation.hints.map((h: { code: string }) => h.code)).toContain('tagless-signature-identity');
    expect(r.stderr).toMatch(/verified by tag only/);
  }, 120_000);

  test('namespace policies: the same image is allowed in "dev" (dev.json) and rejected in "prod" (global fallback), in one run', async () => {
    const r = await runCLI([...gateArgs(), '--output', 'json'], { cwd: work });
    const out = parseVerifyJSON(r.stdout);
    const unsigned = out.results.filter((x: { input: string }) => x.input === `${H}/apps/unsigned:v1`);
    expect(unsigned).toHaveLength(2);
    const dev = unsigned.find((x: { namespace: string }) => x.namespace === 'dev');
    const prod = unsigned.find((x: { namespace: string }) => x.namespace === 'prod');
    expect(dev).toMatchObject({ verdict: 'allowed', policy: join(nsDir, 'dev.json'), policySource: 'namespace' });
    expect(prod).toMatchObject({ verdict: 'rejected', policy, policySource: 'global', reason: 'SignatureValidationFailed', error: { message: 'A signature was required, but no signature exists' } });
    expect(dev.trace[0].message).toBe(`Using pull policy path for image ${H}/apps/unsigned:v1: ${JSON.stringify(join(nsDir, 'dev.json'))}`);
    const text = await runCLI(gateArgs(), { cwd: work });
    show('gate.txt', text.stdout);
    expect(text.stdout).toContain(`decided by ${policy} (no policy for namespace prod: global policy): transport "docker" scope "${H}/apps", requirement 0 (sigstoreSigned, line 10)`);
    expect(text.stdout).toContain('SignatureValidationFailed: A signature was required, but no signature exists');
    expect(text.stdout).toMatch(/13 images \(54 references\): 11 allowed, 2 rejected, 0 could not be evaluated/);
  }, 120_000);

  test('JUnit output parses and satisfies the JUnit XSD constraints; SARIF validates against the SARIF 2.1.0 schema', async () => {
    const j = await runCLI([...gateArgs(), '--output', 'junit'], { cwd: work });
    show('gate.junit.xml', j.stdout);
    expect(j.code).toBe(1);
    const doc = parseXml(j.stdout);
    expect(junitProblems(doc)).toEqual([]);
    // The gate's unsigned:v1 is allowed in dev and rejected in prod with a defaulted IfNotPresent: a cache-bypass
    // finding, in a suite of its own beside the 54 verdict test cases.
    const findingSuites = doc.children.filter((s) => s.attrs['name'] === 'imgpolicy cache-bypass findings');
    expect(findingSuites.map((s) => s.children.map((c) => c.attrs['name']))).toEqual([[`cache-bypass Deployment/legacy container c0: ${H}/apps/unsigned:v1`]]);
    const cases = doc.children.filter((s) => !findingSuites.includes(s)).flatMap((s) => s.children);
    expect(cases).toHaveLength(54);
    expect(doc.children.length).toBeGreaterThanOrEqual(20);
    const failures = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failures).toHaveLength(2); // tagless.yaml and unsigned-prod.yaml, one container each
    expect(failures.map((f) => f.children[0]!.attrs['type'])).toEqual(['SignatureValidationFailed', 'SignatureValidationFailed']);

    const s = await runCLI([...gateArgs(), '--output', 'sarif'], { cwd: work });
    show('gate.sarif', s.stdout);
    const sarif = JSON.parse(s.stdout);
    const ajv = new Ajv.default({ strict: true, strictRequired: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(SARIF_2_1_0_SUBSET);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    expect(sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId !== 'IMGPOLICY4')).toHaveLength(2);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toMatch(/^k8s\/team-b\/(tagless|unsigned-prod)\.yaml$/);
  }, 120_000);

  test('GitHub Actions annotations point at the manifest line when GITHUB_ACTIONS=true', async () => {
    const r = await runCLI([...gateArgs(), '--output', 'json'], { cwd: work, env: { GITHUB_ACTIONS: 'true' } });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('::error '));
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('::error file=k8s/team-b/tagless.yaml,line=11,col=18,title=SignatureValidationFailed%3A '))).toBe(true);
    expect(r.stderr).toMatch(/^::warning title=imgpolicy::.*verified by tag only/m);
    const plain = await runCLI([...gateArgs(), '--output', 'json'], { cwd: work });
    expect(plain.stderr).not.toContain('::error');
  }, 120_000);

  test('--pin writes name:tag@digest copies (only the image scalars change); the pinned manifests pass without a tag-only warning', async () => {
    const teamA = join(manifests, 'team-a');
    const out = join(work, 'pinned');
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--registries.d', regd, '-f', teamA, '--pin', '--pin-dir', out], { cwd: work });
    show('pin.txt', r.stdout + r.stderr);
    expect(r.code).toBe(0);
    const pod = readFileSync(join(out, 'pod.yaml'), 'utf8');
    const orig = readFileSync(join(teamA, 'pod.yaml'), 'utf8');
    expect(pod).toContain(`image: "${H}/init/migrate:v1@${digests['init/migrate:v1']}"`);
    expect(pod).toContain(`image: '${H}/apps/web:v1@${digests['apps/web:v1']}'   # same image as the Deployment`);
    const changed = pod.split('\n').filter((l, i) => l !== orig.split('\n')[i]);
    expect(changed).toHaveLength(3);
    expect(readdirSync(out).length).toBe(readdirSync(teamA).length);
    const again = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--registries.d', regd, '-f', out], { cwd: work });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/verified by tag only/);
    expect(again.stdout).toContain('evaluated as docker://');
  }, 120_000);

  test('--from-file - reads references from stdin; duplicates are evaluated once', async () => {
    const list = `# images\n${H}/apps/web:v1\n${H}/apps/web:v1\n\n${H}/apps/api:v1  # trailing comment\n`;
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--registries.d', regd, '--from-file', '-', '-o', 'json'], { cwd: work, stdin: list });
    expect(r.code).toBe(0);
    expect(parseVerifyJSON(r.stdout).summary).toMatchObject({ total: 2, allowed: 2 });
  }, 60_000);

  test('hint: sigstore attachments disabled in registries.d (exact text)', async () => {
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--registries.d', emptyRegd, `${H}/apps/web:v1`], { cwd: work });
    show('hint-attachments.txt', r.stdout);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('    SignatureValidationFailed: A signature was required, but no signature exists\n');
    expect(r.stdout).toContain(
      `    hint: ${H}/apps/web:sha256-${digests['apps/web:v1']!.slice(7)}.sig holds sigstore attachments, but use-sigstore-attachments is not enabled for this image in registries.d, so they are not read. Add to a YAML file in ${emptyRegd}:\n` +
        `            docker:\n              ${H}/apps/web:\n                use-sigstore-attachments: true\n`,
    );
  }, 60_000);

  test('hint: tag-less cosign identity under the default matchRepoDigestOrExact (exact text)', async () => {
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', policy, '--registries.d', regd, `${H}/apps/tagless:v1`], { cwd: work });
    show('hint-tagless.txt', r.stdout);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`    SignatureValidationFailed: Signature for identity "${H}/apps/tagless" is not accepted\n`);
    expect(r.stdout).toContain(`matchRepoDigestOrExact: the signature must name ${H}/apps/tagless:v1`);
    expect(r.stdout).toContain(`identity "${H}/apps/tagless", digest ${digests['apps/tagless:v1']}, key `);
    expect(r.stdout).toContain(
      `    hint: the signature names "${H}/apps/tagless" without a tag (as \`cosign sign\` writes it), and signedIdentity matchRepoDigestOrExact (the default) requires ${H}/apps/tagless:v1 exactly. If any signature for this repository should do, add "signedIdentity": {"type": "matchRepository"} to requirement at line 10.\n`,
    );
  }, 60_000);

  test('hint: a scope that never matches because of the port or localhost vs 127.0.0.1 (exact text)', async () => {
    const port = H.split(':')[1]!;
    const p = join(work, 'policy-scopes.json');
    const signed = [{ type: 'sigstoreSigned', keyPath: key.publicPath }];
    writeFileSync(p, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { '127.0.0.1/apps/web': signed, [`localhost:${port}/apps`]: signed } } }, null, 2));
    const r = await runCLI(['verify', '--tls-verify=false', '--policy', p, '--registries.d', regd, `${H}/apps/web:v1`], { cwd: work });
    show('hint-scope.txt', r.stdout);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`    SignatureValidationFailed: Running image docker://${H}/apps/web:v1 is rejected by policy.\n`);
    expect(r.stdout).toContain(`    decided by ${p}: the default section, requirement 0 (reject, line 3)\n`);
    expect(r.stdout).toContain(
      `    hint: scope "127.0.0.1/apps/web" in ${p} never matches this image: scopes are compared as exact strings, and this image's namespace is "${H}/apps/web" (the image's registry has port ${port}, the scope has none). Write "${H}/apps/web" to make it apply.\n`,
    );
    expect(r.stdout).toContain(
      `    hint: scope "localhost:${port}/apps" in ${p} never matches this image: scopes are compared as exact strings, and this image's namespace is "${H}/apps" ("localhost" and "127.0.0.1" are different names to containers/image). Write "${H}/apps" to make it apply.\n`,
    );
  }, 60_000);

  test('inspect a cosign-signed image: the suggested entries (exact tag, and tag-less → matchRepository) verify', async () => {
    for (const image of [`${H}/apps/api:v1`, `${H}/apps/tagless:v1`]) {
      const r = await runCLI(['inspect', '--tls-verify=false', '--registries.d', regd, '--key', key.publicPath, '--output', 'json', image], { cwd: work });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.signatures).toHaveLength(1);
      const s = out.signatures[0];
      expect(s).toMatchObject({ format: 'sigstore', verifiedBy: { key: key.publicPath }, claims: { matchesImageDigest: true } });
      expect(s.suggestion.placeholders).toEqual([]);
      expect(s.suggestion.requirement.signedIdentity).toEqual(image.endsWith('tagless:v1') ? { type: 'matchRepository' } : undefined);
      const p = join(work, `suggested-${image.replace(/\W/g, '_')}.json`);
      writeFileSync(p, JSON.stringify(s.suggestedPolicy));
      const v = await runCLI(['verify', '--tls-verify=false', '--policy', p, '--registries.d', regd, image], { cwd: work });
      expect([image, v.code, v.stdout]).toEqual([image, 0, expect.stringContaining('✔ allowed')]);
      const text = await runCLI(['inspect', '--tls-verify=false', '--registries.d', regd, '--key', key.publicPath, image], { cwd: work });
      show(`inspect-cosign-${image.endsWith('tagless:v1') ? 'tagless' : 'tagged'}.txt`, text.stdout);
      expect(text.stderr).toBe('');
      expect(text.stdout).toContain(`verified by ${key.publicPath} (key fingerprint `);
      expect(text.stdout).toContain('policy.json entry that accepts it:');
    }
  }, 60_000);
});
