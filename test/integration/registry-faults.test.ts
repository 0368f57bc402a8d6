/**
 * Registry misbehaviour that a real distribution registry will not produce on demand: 429/5xx with retries,
 * oversized manifests, blobs that do not match their digest, redirects to another host, lying headers.
 * A scripted node:http "fault server" plays the registry (plain HTTP, so tlsVerify=false also exercises c/image's
 * https → http fallback). Needs no external binaries.
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageSourceError } from '../../src/errors.js';
import { openDockerImageSource, type DockerSourceOptions } from '../../src/image/docker-source.js';
import { parseImageReference } from '../../src/reference/index.js';
import { Trace } from '../../src/trace.js';
import { MT, sha256, startFaultServer, tempDir, type FaultServer } from '../helpers/registry-harness.js';

const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MT.ociManifest,
  config: { mediaType: MT.ociConfig, digest: sha256('{}'), size: 2 },
  layers: [],
});
const DIGEST = sha256(MANIFEST);

const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<FaultServer> {
  const s = await startFaultServer((req, res, n) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/v2/') {
      res.writeHead(200).end('{}');
      return;
    }
    handler(req, res, n);
  });
  servers.push(s);
  return s;
}

function registriesD(yaml: string): string {
  const dir = join(tempDir('imgpolicy-fault-'), 'registries.d');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'default.yaml'), yaml);
  return dir;
}

const attachmentsOn = registriesD(`default-docker:\n  use-sigstore-attachments: true\n  lookaside: file://${tempDir('imgpolicy-fault-la-')}\n`);

function open(image: string, over: Partial<DockerSourceOptions> = {}) {
  const opts: DockerSourceOptions = {
    env: {},
    homeDir: tempDir('imgpolicy-fault-home-'),
    trace: new Trace(),
    tlsVerify: false,
    registriesDir: attachmentsOn,
    euid: 0,
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 },
    ...over,
  };
  return { src: openDockerImageSource(parseImageReference(`docker://${image}`), opts), trace: opts.trace };
}

const manifestOK = (res: ServerResponse, body = MANIFEST, headers: Record<string, string> = {}): void => {
  res.writeHead(200, { 'content-type': MT.ociManifest, 'docker-content-digest': sha256(body), ...headers }).end(body);
};

describe('retries', () => {
  test.each([
    [503, {}],
    [502, {}],
    [429, { 'retry-after': '0' }],
  ])('%i twice, then 200: retried with backoff', async (status, headers) => {
    const s = await serve((_req, res, n) => (n <= 2 ? res.writeHead(status, headers).end() : manifestOK(res)));
    const { src, trace } = open(`${s.host}/test/x:v1`);
    const m = await src.manifest();
    expect(Buffer.from(m.bytes).toString()).toBe(MANIFEST);
    expect(s.hits.get('/v2/test/x/manifests/v1')).toBe(3);
    expect(trace.events.filter((e) => e.data?.['retry'] !== undefined)).toHaveLength(2);
  });

  test('bounded: after maxAttempts the last answer is the error', async () => {
    const s = await serve((_req, res) => res.writeHead(503).end('busy'));
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.manifest()).rejects.toThrow(
      `initializing source docker://${s.host}/test/x:v1: reading manifest v1 in ${s.host}/test/x: received unexpected HTTP status: 503 Service Unavailable`,
    );
    expect(s.hits.get('/v2/test/x/manifests/v1')).toBe(3);
  });

  // A bare error code (no detail, standard message) prints as errcode.ErrorCode.Error(): the code, lower-cased.
  test('429 with distribution\'s error body, exhausted', async () => {
    const s = await serve((_req, res) =>
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'too many requests' }] })),
    );
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.manifest()).rejects.toThrow(`reading manifest v1 in ${s.host}/test/x: toomanyrequests`);
  });

  test('500 is not retried', async () => {
    const s = await serve((_req, res) => res.writeHead(500).end());
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.manifest()).rejects.toThrow('received unexpected HTTP status: 500 Internal Server Error');
    expect(s.hits.get('/v2/test/x/manifests/v1')).toBe(1);
  });
});

describe('limits and digests', () => {
  test('a manifest over 4 MiB is refused', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024 + 1);
    const s = await serve((_req, res) => res.writeHead(200, { 'content-type': MT.ociManifest }).end(big));
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.manifest()).rejects.toThrow('exceeded maximum allowed size of 4194304 bytes');
  });

  test('a digest reference whose manifest does not hash to it', async () => {
    const s = await serve((_req, res) => manifestOK(res, MANIFEST.replace('"layers":[]', '"layers": []')));
    const { src } = open(`${s.host}/test/x@${DIGEST}`);
    const err = await src.manifest().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageSourceError);
    expect((err as Error).message).toBe(`Manifest does not match provided manifest digest ${DIGEST}`);
  });

  test('a lying Docker-Content-Digest is recorded, not fatal (c/image does not check it)', async () => {
    const s = await serve((_req, res) => manifestOK(res, MANIFEST, { 'docker-content-digest': sha256('other') }));
    const { src, trace } = open(`${s.host}/test/x:v1`);
    await src.manifest();
    expect(trace.events.find((e) => e.data?.['hint'] === 'docker-content-digest-mismatch')?.level).toBe('warn');
  });

  test('a .sig layer whose blob does not match its digest', async () => {
    const payload = 'signature payload';
    const sigManifest = JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: sha256('{}'), size: 2 }, layers: [{ mediaType: MT.cosignSimpleSigning, digest: sha256(payload), size: payload.length }] });
    const s = await serve((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      if (path.endsWith('/manifests/v1')) manifestOK(res);
      else if (path.endsWith('.sig')) manifestOK(res, sigManifest);
      else res.writeHead(200).end('tampered payload');
    });
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.signatures()).rejects.toThrow(`digest mismatch, expected "${sha256(payload)}", got "${sha256('tampered payload')}"`);
  });
});

describe('redirects and credentials', () => {
  test('blob redirects are followed; credentials never go to the other host; no secret in trace or errors', async () => {
    const payload = 'cosign payload';
    const storage = await startFaultServer((_req, res) => res.writeHead(200).end(payload));
    servers.push(storage);
    const sigManifest = JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: sha256('{}'), size: 2 }, layers: [{ mediaType: MT.cosignSimpleSigning, digest: sha256(payload), size: payload.length }] });
    const registry = await startFaultServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="faults"', 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      } else if (path.endsWith('/manifests/v1')) manifestOK(res);
      else if (path.endsWith('.sig')) manifestOK(res, sigManifest);
      else res.writeHead(307, { location: `http://${storage.host}/blob?sig=abc` }).end();
    });
    servers.push(registry);
    const password = 's3cret-pa55word';
    const { src, trace } = open(`${registry.host}/test/x:v1`, { creds: `alice:${password}` });
    const sigs = await src.signatures();
    expect(sigs).toHaveLength(1);
    expect(storage.log).toHaveLength(1);
    expect(storage.log[0]!.authorization).toBeUndefined();
    expect(registry.log.filter((l) => l.path.includes('/blobs/')).every((l) => l.authorization !== undefined)).toBe(true);
    const text = JSON.stringify(trace.events);
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`alice:${password}`).toString('base64'));
  });

  test('manifest redirects are followed as Go\'s http.Client follows them (issue 19)', async () => {
    const s = await serve((_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    const { src } = open(`${s.host}/test/x:v1`);
    await expect(src.manifest()).rejects.toThrow('Get "http://127.0.0.1:1/elsewhere": dial tcp 127.0.0.1:1: connect: connection refused');
  });

  test('a registry echoing the password in an error body does not leak it', async () => {
    const password = 'echoed-secret-42';
    const s = await serve((_req, res) =>
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: `bad password ${password}` }] })),
    );
    const { src } = open(`${s.host}/test/x:v1`, { creds: `bob:${password}` });
    const err = (await src.manifest().catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(`initializing source docker://${s.host}/test/x:v1: reading manifest v1 in ${s.host}/test/x: denied: bad password REDACTED`);
  });
});

describe('connection failures', () => {
  test('connection refused is worded like Go', async () => {
    const { src } = open('127.0.0.1:1/test/x:v1', { tlsVerify: true });
    await expect(src.manifest()).rejects.toThrow(
      'initializing source docker://127.0.0.1:1/test/x:v1: pinging container registry 127.0.0.1:1: Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  test('per-request timeout', async () => {
    const s = await serve(() => undefined); // never answers
    const { src } = open(`${s.host}/test/x:v1`, { timeoutMs: 300 });
    await expect(src.manifest()).rejects.toThrow(/Get "http:\/\/127\.0\.0\.1:\d+\/v2\/test\/x\/manifests\/v1": context deadline exceeded/);
  });
});
