/**
 * registries.conf mirrors against REAL registries: two docker-registry processes (a primary and a mirror) started by
 * the harness, images and cosign-style `.sig` attachments pushed through the registry API, and — when the oracle is
 * up — every verdict and message compared with skopeo 1.18 (`--registries-conf` is a global skopeo flag, passed
 * through ORACLE_GLOBAL_ARGS; skopeo and imgpolicy get the same HOME so the `blocked` message names the same paths).
 *
 * What is asserted: the mirror is tried first and used; a mirror without the image falls back to the primary; a
 * digest-only mirror is skipped for tags and used for digests; the signatures come from the mirror's `.sig` tag with
 * the MIRROR's registries.d `use-sigstore-attachments`, while the policy sees the logical (primary) reference;
 * `insecure = true` alone (no --tls-verify) reaches the plain-HTTP registries; blocked and all-failed errors.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluationContext } from '../../src/cli/context.js';
import { evaluateImageAsPullWould, type EvaluationResult } from '../../src/evaluate/index.js';
import { openDockerImageSource } from '../../src/image/docker-source.js';
import { parsePolicy } from '../../src/policy/index.js';
import { parseImageReference } from '../../src/reference/index.js';
import { RegistryPool } from '../../src/registry/index.js';
import { Trace } from '../../src/trace.js';
import { checkPrerequisites, run, VERDICT_SH, type Prerequisites } from '../helpers/oracle.js';
import { describeWithRegistry, MT, pushImage, pushSigstoreAttachments, startRegistry, tempDir, type TestRegistry } from '../helpers/registry-harness.js';

let pre: Prerequisites = { ok: false, reason: 'not checked' };
beforeAll(async () => {
  pre = await checkPrerequisites();
  if (!pre.ok) console.warn(`mirrors: skopeo comparison skipped: ${pre.reason}`);
});

describeWithRegistry('registries.conf mirrors (real registries)', () => {
  let primary: TestRegistry;
  let mirror: TestRegistry;
  let work: string;
  let P: string;
  let M: string;
  const digests: Record<string, string> = {};
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const compared: string[] = [];

  /** A cosign simple-signing attachment claiming `identity` for `digest`, signed with `key`. */
  function cosignAttachment(identity: string, digest: string) {
    const payload = JSON.stringify({
      critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    });
    const sig = createSign('sha256').update(payload).sign(key.privateKey).toString('base64');
    return { mediaType: MT.cosignSimpleSigning, payload, annotations: { 'dev.cosignproject.cosign/signature': sig } };
  }

  beforeAll(async () => {
    [primary, mirror] = await Promise.all([startRegistry('plain'), startRegistry('plain')]);
    P = primary.host;
    M = mirror.host;
    work = tempDir('imgpolicy-mirrors-');
    writeFileSync(join(work, 'key.pub'), key.publicKey.export({ type: 'spki', format: 'pem' }));
    // Only the mirror host reads `.sig` attachments: a verdict of `allowed` proves the mirror's own registries.d
    // entry was used (a signature read from the primary, or with the primary's settings, would not exist).
    mkdirSync(join(work, 'registries.d'));
    writeFileSync(
      join(work, 'registries.d/mirror.yaml'),
      `default-docker:\n  lookaside: file://${work}/lookaside\ndocker:\n  ${M}:\n    use-sigstore-attachments: true\n`,
    );
    writeFileSync(
      join(work, 'policy.json'),
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: { docker: { [`${P}/test`]: [{ type: 'sigstoreSigned', keyPath: join(work, 'key.pub'), signedIdentity: { type: 'matchRepository' } }] } },
      }),
    );
    const conf = (mode: string) =>
      `[[registry]]\nprefix = "${P}/test"\nlocation = "${P}/test"\ninsecure = true\n` +
      `[[registry.mirror]]\nlocation = "${M}/mirror/test"\ninsecure = true\n${mode ? `pull-from-mirror = "${mode}"\n` : ''}` +
      `[[registry]]\nprefix = "${P}/blocked"\nlocation = "${P}/blocked"\nblocked = true\n`;
    writeFileSync(join(work, 'mirrors.conf'), conf(''));
    writeFileSync(join(work, 'digest-only.conf'), conf('digest-only'));

    // app: on both; signed (logical identity) only on the mirror. onlyprimary: not on the mirror; signed on the
    // primary, whose attachments registries.d does not enable.
    for (const reg of [primary, mirror]) {
      const repo = reg === primary ? 'test/app' : 'mirror/test/app';
      const img = await pushImage(reg, repo, 'v1', { content: 'app' });
      digests['app'] = img.digest;
      if (reg === mirror) await pushSigstoreAttachments(mirror, repo, img.digest, [cosignAttachment(`${P}/test/app:v1`, img.digest)]);
    }
    const only = await pushImage(primary, 'test/onlyprimary', 'v1', { content: 'only' });
    digests['onlyprimary'] = only.digest;
    await pushSigstoreAttachments(primary, 'test/onlyprimary', only.digest, [cosignAttachment(`${P}/test/onlyprimary:v1`, only.digest)]);
    await pushImage(primary, 'blocked/x', 'v1');
  }, 60_000);

  afterAll(async () => {
    await Promise.all([primary?.stop(), mirror?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
    if (compared.length) console.log(`mirrors: ${compared.length} verdicts identical to skopeo 1.18: ${compared.join(', ')}`);
  });

  async function ours(image: string, confFile: string): Promise<{ verdict: string; result: EvaluationResult; trace: Trace; notes: string[] }> {
    const trace = new Trace();
    const pool = new RegistryPool();
    // No tlsVerify: reaching the plain-HTTP registries depends on registries.conf's `insecure = true`.
    const src = openDockerImageSource(parseImageReference(`docker://${image}`), {
      env: {}, homeDir: work, trace, pool, registriesDir: join(work, 'registries.d'), registriesConf: join(work, confFile), euid: 0,
    });
    try {
      const base = evaluationContext({ env: {}, homeDir: work, cwd: work, now: () => new Date() });
      const result = await evaluateImageAsPullWould(parsePolicy(readFileSync(join(work, 'policy.json'), 'utf8')), src, { ...base, trace });
      const verdict = result.allowed ? 'allowed' : `${result.requirements.length > 0 ? 'rejected' : 'error'}: ${result.error!.message}`;
      return { verdict, result, trace, notes: src.notes ?? [] };
    } finally {
      await pool.close();
    }
  }

  /** skopeo 1.18's verdict with the same registries.conf, registries.d and HOME (no --src-tls-verify). */
  async function oracle(image: string, confFile: string): Promise<string | undefined> {
    if (!pre.ok) return undefined;
    const env = {
      ...process.env,
      HOME: work,
      ORACLE_REGISTRIES_D: join(work, 'registries.d'),
      ORACLE_GLOBAL_ARGS: `--registries-conf ${join(work, confFile)}`,
      ORACLE_SRC_ARGS: '--retry-times=0',
    };
    const r = await run('bash', [VERDICT_SH, image, join(work, 'policy.json')], { env, timeoutMs: 60_000 });
    return r.stdout.trim();
  }
  async function compare(name: string, image: string, confFile: string, expected: string | RegExp) {
    const o = await ours(image, confFile);
    if (typeof expected === 'string') expect(o.verdict).toBe(expected);
    else expect(o.verdict).toMatch(expected);
    const skopeo = await oracle(image, confFile);
    if (skopeo !== undefined) {
      expect(o.verdict).toBe(skopeo);
      compared.push(name);
    }
    return o;
  }
  const debugLines = (t: Trace) => t.events.map((e) => e.message);

  test('the mirror is tried first and used; signatures come from its .sig with its registries.d settings', async () => {
    const o = await compare('mirror used', `${P}/test/app:v1`, 'mirrors.conf', 'allowed');
    const lines = debugLines(o.trace);
    expect(lines).toContain(`Trying to access "${M}/mirror/test/app:v1"`);
    expect(lines).not.toContain(`Trying to access "${P}/test/app:v1"`);
    expect(lines).toContain(`Looking for sigstore attachments in ${M}/mirror/test/app:sha256-${digests['app']!.slice(7)}.sig`);
    expect(o.notes).toContain(`Using mirror ${M}/mirror/test/app:v1 for ${P}/test/app:v1`);
    // The policy saw the logical reference: the primary's scope, and matchRepository against the primary's name.
    expect(o.result.image).toBe(`docker:${P}/test/app:v1`);
    expect(o.result.scope.scope).toBe(`${P}/test`);
  }, 60_000);

  test('a mirror without the image: logged, then the primary is used (whose attachments registries.d does not enable)', async () => {
    const o = await compare('mirror missing → primary', `${P}/test/onlyprimary:v1`, 'mirrors.conf', 'rejected: A signature was required, but no signature exists');
    const lines = debugLines(o.trace);
    expect(lines).toContain(`Accessing "${M}/mirror/test/onlyprimary:v1" failed: reading manifest v1 in ${M}/mirror/test/onlyprimary: manifest unknown`);
    expect(lines).toContain(`Trying to access "${P}/test/onlyprimary:v1"`);
    expect(lines).toContain('Not looking for sigstore attachments: disabled by configuration');
  }, 60_000);

  test('a digest-only mirror is skipped for a tag reference', async () => {
    const o = await compare('digest-only, tag', `${P}/test/app:v1`, 'digest-only.conf', 'rejected: A signature was required, but no signature exists');
    expect(debugLines(o.trace).filter((l) => l.startsWith('Trying to access'))).toEqual([`Trying to access "${P}/test/app:v1"`]);
  }, 60_000);

  test('a digest-only mirror is used for a digest reference', async () => {
    const o = await compare('digest-only, digest', `${P}/test/app@${digests['app']}`, 'digest-only.conf', 'allowed');
    expect(debugLines(o.trace)).toContain(`Trying to access "${M}/mirror/test/app@${digests['app']}"`);
  }, 60_000);

  test('all sources fail: the primary error, prefixed by the mirrors’', async () => {
    await compare(
      'all failed',
      `${P}/test/missing:v1`,
      'mirrors.conf',
      `error: initializing source docker://${P}/test/missing:v1: (Mirrors also failed: [${M}/mirror/test/missing:v1: reading manifest v1 in ${M}/mirror/test/missing: manifest unknown]): ${P}/test/missing:v1: reading manifest v1 in ${P}/test/missing: manifest unknown`,
    );
  }, 60_000);

  test('a blocked registry', async () => {
    await compare(
      'blocked',
      `${P}/blocked/x:v1`,
      'mirrors.conf',
      `error: initializing source docker://${P}/blocked/x:v1: registry ${P}/blocked is blocked in ${join(work, 'mirrors.conf')} or ${join(work, '.config/containers/registries.conf.d')}`,
    );
  }, 60_000);
});
