/**
 * Bundles against the oracle (../shared/oracle): images in the oracle registry 127.0.0.1:5000 under `bundle/…`
 * carrying a sigstore bundle referrer — one made by the oracle's cosign 2.5 (`cosign attest --new-bundle-format`
 * with predicate type https://sigstore.dev/cosign/sign/v1, i.e. cosign v3 `sign`'s statement) and ours from
 * fixtures/bundles — then:
 *   skopeo 1.18 (containers/image 5.34) rejects: "A signature was required, but no signature exists";
 *   imgpolicy default (off): the same; with bundles: allowed; wrong key: rejected;
 *   cosign 2.5 `verify-attestation --new-bundle-format` agrees on the ones it reads (`cosign verify
 *   --new-bundle-format` in 2.5 does not read image bundles at all: "no signatures found").
 * Without the oracle the suite skips with one warning line (fails under CI=true).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluationContext } from '../../src/cli/context.js';
import { isRunningImageAllowed } from '../../src/evaluate/index.js';
import { openDockerImageSource } from '../../src/image/docker-source.js';
import { parsePolicy } from '../../src/policy/index.js';
import { parseImageReference } from '../../src/reference/index.js';
import { Trace } from '../../src/trace.js';
import { checkPrerequisites, ORACLE_DIR, REGISTRY, run, VERDICT_SH, type Prerequisites } from '../helpers/oracle.js';

const FIX = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/bundles');
const SIGN = 'https://sigstore.dev/cosign/sign/v1';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

const pre: Prerequisites = await checkPrerequisites();
const cosign = pre.env?.['COSIGN'];
const ready = pre.ok && cosign !== undefined && existsSync(cosign);
if (!ready) {
  const why = pre.reason ?? 'cosign (COSIGN in env.sh) not found';
  if (process.env['CI'] === 'true') throw new Error(`bundle oracle suite: ${why}`);
  console.warn(`skipping bundle oracle suite: ${why}`);
}

async function http(method: string, path: string, body?: Buffer | string, type?: string): Promise<{ status: number; location?: string; body: Buffer }> {
  const res = await fetch(`http://${REGISTRY}${path}`, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}),
    headers: { ...(type ? { 'content-type': type } : {}), accept: `${OCI_INDEX}, ${OCI_MANIFEST}` },
  });
  return { status: res.status, ...(res.headers.get('location') ? { location: res.headers.get('location')! } : {}), body: Buffer.from(await res.arrayBuffer()) };
}
async function pushBlob(repo: string, data: Buffer | string): Promise<string> {
  const d = sha(data);
  const start = await http('POST', `/v2/${repo}/blobs/uploads/`);
  const u = new URL(start.location!, `http://${REGISTRY}`);
  u.searchParams.set('digest', d);
  const r = await http('PUT', u.pathname + u.search, Buffer.from(data), 'application/octet-stream');
  if (r.status >= 300) throw new Error(`blob push ${r.status}`);
  return d;
}
async function pushManifest(repo: string, ref: string, body: string, type: string): Promise<string> {
  const r = await http('PUT', `/v2/${repo}/manifests/${ref}`, body, type);
  if (r.status >= 300) throw new Error(`manifest push ${r.status}: ${r.body.toString()}`);
  return sha(body);
}

/** Our fixture image and one bundle, laid out as cosign v3 does (referrer manifest + tag-schema index). */
async function pushFixture(repo: string, bundle: string): Promise<string> {
  const manifest = readFileSync(join(FIX, 'image/manifest.json'));
  for (const f of ['image/layer.bin', 'image/config.json']) await pushBlob(repo, readFileSync(join(FIX, f)));
  const digest = await pushManifest(repo, 'v1', manifest.toString('utf8'), OCI_MANIFEST);
  const empty = await pushBlob(repo, '{}');
  const b = readFileSync(join(FIX, `${bundle}.sigstore.json`));
  await pushBlob(repo, b);
  const rm = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: empty, artifactType: V03 },
    layers: [{ mediaType: V03, size: b.length, digest: sha(b) }],
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': SIGN },
    subject: { mediaType: OCI_MANIFEST, size: manifest.length, digest },
    artifactType: V03,
  });
  const rmd = await pushManifest(repo, sha(rm), rm, OCI_MANIFEST);
  const idx = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, size: Buffer.byteLength(rm), digest: rmd, artifactType: 'application/vnd.oci.empty.v1+json' }] });
  await pushManifest(repo, digest.replace(':', '-'), idx, OCI_INDEX);
  return digest;
}

(ready ? describe : describe.skip)('sigstore bundles: skopeo 1.18, cosign 2.5 and imgpolicy', () => {
  let work: string;
  const env = pre.env ?? {};
  const keysDir = join(ORACLE_DIR, 'keys');
  const images: { name: string; image: string; digest: string; right: string; wrong: string }[] = [];
  const tally = { images: 0, skopeoRejectsAsExpected: 0, imgpolicyOffAgrees: 0, imgpolicyOnAllowed: 0, wrongKeyRejected: 0, cosignAgrees: 0, cosignVerifyCannotRead: 0 };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'imgpolicy-bundle-oracle-'));
    // 1. cosign 2.5 attest --new-bundle-format (key cosign3), once per registry lifetime.
    const repo = 'bundle/cosign-attest';
    const r = await run(env['SKOPEO118']!, ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${REGISTRY}/test/unsigned:v1`, `docker://${REGISTRY}/${repo}:v1`], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`skopeo copy: ${r.stderr}`);
    const head = await http('GET', `/v2/${repo}/manifests/v1`);
    const digest = sha(head.body);
    const tagIndex = await http('GET', `/v2/${repo}/manifests/${digest.replace(':', '-')}`);
    if (tagIndex.status !== 200) {
      writeFileSync(join(work, 'pred.json'), '{}');
      const a = await run(
        cosign!,
        ['attest', '--yes', '--new-bundle-format', '--key', join(keysDir, 'cosign3.key'), '--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry',
          '--predicate', join(work, 'pred.json'), '--type', SIGN, `${REGISTRY}/${repo}@${digest}`],
        { env: { ...process.env, COSIGN_PASSWORD: readFileSync(join(keysDir, 'cosign3.pass'), 'utf8').trim() }, timeoutMs: 120_000 },
      );
      if (a.code !== 0) throw new Error(`cosign attest: ${a.stderr}`);
    }
    images.push({ name: 'cosign 2.5 attest --new-bundle-format', image: `${REGISTRY}/${repo}:v1`, digest, right: join(keysDir, 'cosign3.pub'), wrong: join(keysDir, 'cosign1.pub') });
    // 2. Our generator's cosign-v3-layout bundle (key, with a Rekor entry from our test Rekor key).
    const d2 = await pushFixture('bundle/fixture-key', 'key-v3');
    images.push({ name: 'fixtures/bundles key-v3', image: `${REGISTRY}/bundle/fixture-key:v1`, digest: d2, right: join(FIX, 'keys/signer.pub'), wrong: join(FIX, 'keys/other.pub') });
    writeFileSync(join(work, 'trusted_root.json'), JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }));
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`bundle oracle: ${JSON.stringify(tally)}`);
  });

  const policyFile = (key: string) => {
    const p = join(work, `policy-${createHash('sha256').update(key).digest('hex').slice(0, 8)}.json`);
    const req = { type: 'sigstoreSigned', keyPath: key, signedIdentity: { type: 'matchRepository' } };
    writeFileSync(p, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${REGISTRY}/bundle`]: [req] } } }));
    return p;
  };
  async function ours(image: string, key: string, sigstoreBundles?: boolean) {
    const trace = new Trace();
    const src = openDockerImageSource(parseImageReference(`docker://${image}`), {
      env: {}, homeDir: work, trace, tlsVerify: false, registriesDir: env['ORACLE_REGISTRIES_D'] ?? join(ORACLE_DIR, 'registries.d'), euid: 0,
    });
    try {
      const base = evaluationContext({ env: {}, homeDir: work, cwd: work, now: () => new Date() });
      return await isRunningImageAllowed(parsePolicy(readFileSync(policyFile(key), 'utf8')), src, { ...base, trace, ...(sigstoreBundles !== undefined ? { sigstoreBundles } : {}) });
    } finally {
      await src.close();
    }
  }
  const cosignVerify = (cmd: 'verify' | 'verify-attestation', image: string, key: string) =>
    run(cosign!, [cmd, '--new-bundle-format', '--trusted-root', join(work, 'trusted_root.json'), ...(cmd === 'verify-attestation' ? ['--type', SIGN] : []),
      '--key', key, '--insecure-ignore-tlog', '--allow-insecure-registry', '--allow-http-registry', image], { timeoutMs: 120_000 });

  test('every image: skopeo rejects, imgpolicy off agrees, on allows, wrong key rejects, cosign agrees', async () => {
    for (const img of images) {
      tally.images++;
      const byDigest = `${img.image.replace(/:v1$/, '')}@${img.digest}`;
      const sk = await run('bash', [VERDICT_SH, `${img.image}`, policyFile(img.right)], { env: { ...process.env, ORACLE_DIR }, timeoutMs: 60_000 });
      expect(sk.stdout.trim()).toBe('rejected: A signature was required, but no signature exists');
      tally.skopeoRejectsAsExpected++;
      const off = await ours(img.image, img.right);
      expect(off.error?.message).toBe('A signature was required, but no signature exists');
      expect(off.trace.find((e) => e.data?.['hint'] === 'sigstore-bundle-present')?.data?.['wouldAllow']).toBe(true);
      tally.imgpolicyOffAgrees++;
      const on = await ours(img.image, img.right, true);
      expect([img.name, on.allowed, on.error?.message]).toEqual([img.name, true, undefined]);
      tally.imgpolicyOnAllowed++;
      const wrong = await ours(img.image, img.wrong, true);
      expect(wrong.allowed).toBe(false);
      tally.wrongKeyRejected++;
      const cr = await cosignVerify('verify-attestation', byDigest, img.right);
      const cw = await cosignVerify('verify-attestation', byDigest, img.wrong);
      expect([img.name, cr.code === 0, cw.code === 0]).toEqual([img.name, true, false]);
      tally.cosignAgrees++;
      const cv = await cosignVerify('verify', byDigest, img.right);
      if (cv.code !== 0 && /no signatures found/.test(cv.stderr)) tally.cosignVerifyCannotRead++;
    }
  }, 600_000);
});
