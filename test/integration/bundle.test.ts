/**
 * Sigstore bundles as OCI referrers (opt-in), end to end through the docker transport:
 *  - a real docker-registry (distribution 2.8: NO referrers API) → the `sha256-<hex>` tag-schema fallback, with the
 *    index written as go-containerregistry (cosign) writes it (entry artifactType = the empty config type);
 *  - a tiny server of our own that implements `GET /v2/<name>/referrers/<digest>?artifactType=…`.
 * Bundles come from fixtures/bundles (cosign v3 layout). Default (off): rejected as skopeo 1.18 rejects it, plus the
 * hint; on: allowed; wrong key / CA / email: rejected.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluationContext } from '../../src/cli/context.js';
import { isRunningImageAllowed } from '../../src/evaluate/index.js';
import { openDockerImageSource, type DockerSourceOptions } from '../../src/image/docker-source.js';
import { parsePolicy } from '../../src/policy/index.js';
import { parseImageReference } from '../../src/reference/index.js';
import { Trace } from '../../src/trace.js';
import {
  describeWithRegistry,
  pushBlob,
  pushManifest,
  sha256,
  startFaultServer,
  startRegistry,
  tempDir,
  type FaultServer,
  type TestRegistry,
} from '../helpers/registry-harness.js';

const FIX = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/bundles');
const V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY = 'application/vnd.oci.empty.v1+json';
const index = JSON.parse(readFileSync(join(FIX, 'index.json'), 'utf8')) as { imageDigest: string };
const file = (p: string) => readFileSync(join(FIX, p));

/** cosign's referrer manifest for one bundle (pkg/oci/remote/write.go WriteReferrer). */
function referrerManifest(bundle: Buffer, emptyDigest: string, subjectSize: number): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: EMPTY, size: 2, digest: emptyDigest, artifactType: V03 },
    layers: [{ mediaType: V03, size: bundle.length, digest: sha256(bundle) }],
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' },
    subject: { mediaType: OCI_MANIFEST, size: subjectSize, digest: index.imageDigest },
    artifactType: V03,
  });
}

const policyFor = (req: Record<string, unknown>) => parsePolicy(JSON.stringify({ default: [req] }));
const keys = (k = 'keys/signer.pub') => ({ type: 'sigstoreSigned', keyPath: join(FIX, k), signedIdentity: { type: 'matchRepository' } });
const fulcio = (email = 'signer@example.com', ca = 'keys/fulcio-root.pem') => ({
  type: 'sigstoreSigned',
  fulcio: { caPath: join(FIX, ca), oidcIssuer: 'https://issuer.example.com', subjectEmail: email },
  rekorPublicKeyPath: join(FIX, 'keys/rekor.pub'),
});

let work: string;
beforeAll(() => {
  work = tempDir('imgpolicy-bundle-');
  mkdirSync(join(work, 'home'));
  mkdirSync(join(work, 'regd'));
  writeFileSync(join(work, 'regd/default.yaml'), `default-docker:\n  use-sigstore-attachments: true\n  lookaside: file://${join(work, 'lookaside')}\n`);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

async function evaluate(image: string, req: Record<string, unknown>, sigstoreBundles?: boolean) {
  const opts: DockerSourceOptions = { env: {}, homeDir: join(work, 'home'), trace: new Trace(), tlsVerify: false, registriesDir: join(work, 'regd'), euid: 0, retry: { initialDelayMs: 10 } };
  const src = openDockerImageSource(parseImageReference(`docker://${image}`), opts);
  try {
    const base = evaluationContext({ env: {}, homeDir: join(work, 'home'), cwd: FIX, now: () => new Date() });
    const ctx = { ...base, trace: opts.trace, ...(sigstoreBundles !== undefined ? { sigstoreBundles } : {}) };
    return await isRunningImageAllowed(policyFor(req), src, ctx);
  } finally {
    await src.close();
  }
}

/** The matrix both servers must satisfy. */
function verdictMatrix(image: () => string, bundleName: () => 'key' | 'fulcio') {
  test('default (off): rejected as containers/image rejects it, with the bundle hint', async () => {
    const req = bundleName() === 'key' ? keys() : fulcio();
    const r = await evaluate(image(), req);
    expect(r.allowed).toBe(false);
    expect(r.error?.message).toBe('A signature was required, but no signature exists');
    const hint = r.trace.find((e) => e.data?.['hint'] === 'sigstore-bundle-present');
    expect(hint?.data?.['wouldAllow']).toBe(true);
    expect(String(hint?.data?.['text'])).toContain('bundle support (--sigstore-bundles) would allow it');
  });
  test('on: allowed', async () => {
    const r = await evaluate(image(), bundleName() === 'key' ? keys() : fulcio(), true);
    expect(r.error?.message).toBeUndefined();
    expect(r.allowed).toBe(true);
    expect(r.requirements[0]?.signatures?.[0]?.format).toBe('sigstore-bundle');
  });
  test('on: wrong key / CA / email rejected', async () => {
    if (bundleName() === 'key') {
      const r = await evaluate(image(), keys('keys/other.pub'), true);
      expect(r.error?.message).toBe('cryptographic signature verification failed: SIGNATURE_ERROR: signature verification failed');
    } else {
      const ca = await evaluate(image(), fulcio('signer@example.com', 'keys/other-ca.pem'), true);
      expect(ca.error?.message).toMatch(/^veryfing leaf certificate failed: x509: certificate signed by unknown authority/);
      const email = await evaluate(image(), fulcio('other@example.com'), true);
      expect(email.error?.message).toBe('Required email "other@example.com" not found (got ["signer@example.com"])');
    }
  });
}

describeWithRegistry('sigstore bundles via the referrers tag schema (docker-registry 2.8, no referrers API)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry('plain');
    const empty = await pushBlob(reg, 'bundle/key', '{}');
    for (const [repo, bundle] of [
      ['bundle/key', 'key-v3'],
      ['bundle/fulcio', 'fulcio-v3'],
    ] as const) {
      await pushBlob(reg, repo, '{}');
      await pushBlob(reg, repo, file('image/layer.bin'));
      await pushBlob(reg, repo, file('image/config.json'));
      const manifest = file('image/manifest.json');
      expect(await pushManifest(reg, repo, 'v1', manifest.toString('utf8'), OCI_MANIFEST)).toBe(index.imageDigest);
      const b = file(`${bundle}.sigstore.json`);
      await pushBlob(reg, repo, b);
      const rm = referrerManifest(b, empty.digest, manifest.length);
      const rmDigest = await pushManifest(reg, repo, sha256(rm), rm, OCI_MANIFEST);
      // As go-containerregistry writes the fallback index: the entry's artifactType is the *config* media type.
      const idx = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, size: Buffer.byteLength(rm), digest: rmDigest, artifactType: EMPTY }] });
      await pushManifest(reg, repo, index.imageDigest.replace(':', '-'), idx, OCI_INDEX);
    }
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
  });

  describe('key (cosign v3 sign --key)', () => verdictMatrix(() => `${reg.host}/bundle/key:v1`, () => 'key'));
  describe('keyless (Fulcio + Rekor)', () => verdictMatrix(() => `${reg.host}/bundle/fulcio:v1`, () => 'fulcio'));

  test('on: the trace says the tag fallback was used', async () => {
    const r = await evaluate(`${reg.host}/bundle/key:v1`, keys(), true);
    expect(r.trace.some((e) => e.message.startsWith('Referrers API not available (status 404)'))).toBe(true);
    expect(r.requirements[0]?.bundles).toEqual({ enabled: true, found: 1, source: 'referrers-tag' });
  });
});

describe('sigstore bundles via the OCI 1.1 referrers API (a tiny server of our own)', () => {
  let srv: FaultServer;
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { body: Buffer; type: string }>();
  const referrerQueries: string[] = [];
  beforeAll(async () => {
    const put = (b: Buffer) => blobs.set(sha256(b), b);
    const manifest = file('image/manifest.json');
    for (const b of [Buffer.from('{}'), file('image/layer.bin'), file('image/config.json')]) put(b);
    manifests.set('v1', { body: manifest, type: OCI_MANIFEST });
    manifests.set(index.imageDigest, { body: manifest, type: OCI_MANIFEST });
    const b = file('key-v3.sigstore.json');
    put(b);
    const rm = Buffer.from(referrerManifest(b, sha256('{}'), manifest.length));
    manifests.set(sha256(rm), { body: rm, type: OCI_MANIFEST });
    // A non-bundle referrer too: must be filtered out.
    const sbom = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/spdx+json', config: { mediaType: EMPTY, size: 2, digest: sha256('{}') }, layers: [] }));
    manifests.set(sha256(sbom), { body: sbom, type: OCI_MANIFEST });
    const referrers = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, size: rm.length, digest: sha256(rm), artifactType: V03 },
        { mediaType: OCI_MANIFEST, size: sbom.length, digest: sha256(sbom), artifactType: 'application/spdx+json' },
      ],
    };
    srv = await startFaultServer((req: IncomingMessage, res: ServerResponse) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: string | Buffer, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type, 'docker-distribution-api-version': 'registry/2.0' });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (u.pathname === '/v2/') return send(200, '{}');
      let m = /^\/v2\/bundle\/api\/referrers\/(sha256:[0-9a-f]{64})$/.exec(u.pathname);
      if (m) {
        referrerQueries.push(u.search);
        if (m[1] !== index.imageDigest) return send(200, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_INDEX);
        return send(200, JSON.stringify(referrers), OCI_INDEX); // the filter is ignored, as registries may
      }
      m = /^\/v2\/bundle\/api\/manifests\/(.+)$/.exec(u.pathname);
      if (m && manifests.has(m[1]!)) {
        const x = manifests.get(m[1]!)!;
        return send(200, x.body, x.type);
      }
      m = /^\/v2\/bundle\/api\/blobs\/(.+)$/.exec(u.pathname);
      if (m && blobs.has(m[1]!)) return send(200, blobs.get(m[1]!)!, 'application/octet-stream');
      send(404, JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  verdictMatrix(() => `${srv.host}/bundle/api:v1`, () => 'key');

  test('on: the referrers API was asked with the artifactType filter, and the tag schema was not read', async () => {
    const r = await evaluate(`${srv.host}/bundle/api:v1`, keys(), true);
    expect(r.allowed).toBe(true);
    expect(r.requirements[0]?.bundles).toEqual({ enabled: true, found: 1, source: 'referrers-api' });
    expect(referrerQueries).toContain(`?artifactType=${encodeURIComponent(V03)}`);
    expect(srv.log.some((l) => l.path.endsWith(`/manifests/${index.imageDigest.replace(':', '-')}`))).toBe(false);
  });

  test('off: no verdict change even when the probe finds a bundle; the probe adds no debug lines', async () => {
    const r = await evaluate(`${srv.host}/bundle/api:v1`, keys());
    expect(r.allowed).toBe(false);
    expect(r.trace.some((e) => e.message.includes('referrers'))).toBe(false);
  });
});
