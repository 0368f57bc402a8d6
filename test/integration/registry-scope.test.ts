/**
 * The insufficient_scope retry (c/image makeRequestToResolvedURL + needsRetryWithUpdatedScope): a 401 whose Bearer
 * challenge says `error="insufficient_scope"` and names a scope makes the client fetch a token for its own pull
 * scope plus that one and repeat the request — once, on the first attempt only. A node:http server of our own plays
 * registry and token server (a real distribution registry never asks for another repository's scope).
 */
import { describe, test, expect, afterEach } from '@jest/globals';
import type { ServerResponse } from 'node:http';
import { ImageSourceError } from '../../src/errors.js';
import { openRegistryClient, RegistryPool } from '../../src/registry/index.js';
import { Trace } from '../../src/trace.js';
import { MT, sha256, startFaultServer, tempDir, type FaultServer } from '../helpers/registry-harness.js';

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: sha256('{}'), size: 2 }, layers: [] });
const EXTRA = 'repository:other/base:pull';

const servers: FaultServer[] = [];
const pools: RegistryPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** The registry grants the manifest to tokens `grant` accepts; `tokenScopes` = each token request's scopes, in order. */
async function scopeServer(grant: (token: string) => boolean): Promise<{ s: FaultServer; tokenScopes: string[][] }> {
  const tokenScopes: string[][] = [];
  const unauthorized = (res: ServerResponse, extra: string) =>
    res
      .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="http://${s.host}/token",service="scope-test"${extra}` })
      .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
  const s = await startFaultServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v2/') return unauthorized(res, '');
    if (url.pathname === '/token') {
      const scopes = url.searchParams.getAll('scope');
      tokenScopes.push(scopes);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `tok/${scopes.join('+')}`, expires_in: 300 }));
      return;
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!grant(token)) return unauthorized(res, `,error="insufficient_scope",scope="${EXTRA}"`);
    res.writeHead(200, { 'content-type': MT.ociManifest }).end(MANIFEST);
  });
  servers.push(s);
  return { s, tokenScopes };
}

async function client(host: string, trace: Trace) {
  const pool = new RegistryPool();
  pools.push(pool);
  const opts = { env: {}, homeDir: tempDir('imgpolicy-scope-home-'), trace, tlsVerify: false, euid: 0, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50 }, pool };
  return openRegistryClient(host, 'my/app', opts);
}

const manifestRequests = (s: FaultServer) => s.log.filter((l) => l.path === '/v2/my/app/manifests/v1').map((l) => l.authorization);

describe('insufficient_scope', () => {
  test('the request is repeated once with a token for both scopes', async () => {
    const { s, tokenScopes } = await scopeServer((t) => t.includes(EXTRA));
    const trace = new Trace();
    const c = await client(s.host, trace);
    const m = await c.fetchManifest('v1');
    expect(Buffer.from(m.bytes).toString()).toBe(MANIFEST);
    // The client's own scope first, as c/image lists them (url.Values.Encode sorts by key only).
    expect(tokenScopes).toEqual([['repository:my/app:pull'], ['repository:my/app:pull', EXTRA]]);
    expect(manifestRequests(s)).toStrictEqual(['Bearer tok/repository:my/app:pull', `Bearer tok/repository:my/app:pull+${EXTRA}`]);
    expect(trace.events.map((e) => e.message)).toContain('Detected insufficient_scope error, will retry request with updated scope');
  });

  test('a second insufficient_scope answer is the error: no loop, no backoff', async () => {
    const { s, tokenScopes } = await scopeServer(() => false);
    const c = await client(s.host, new Trace());
    const err = await c.fetchManifest('v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageSourceError);
    // docker/distribution's client turns the challenge's insufficient_scope into errcode DENIED.
    expect((err as Error).message).toBe(`reading manifest v1 in ${s.host}/my/app: requested access to the resource is denied`);
    expect(manifestRequests(s)).toHaveLength(2);
    expect(tokenScopes).toHaveLength(2);
  });

  test('requests without credentials (external blob URLs) never take the scope retry', async () => {
    const { s } = await scopeServer(() => false);
    const c = await client(s.host, new Trace());
    const blob = 'sha256:' + 'a'.repeat(64);
    const err = await c.fetchBlob(blob, 1024, undefined, [`http://${s.host}/v2/my/app/manifests/v1`]).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`failed fetching external blob from all urls: error fetching external blob from "http://${s.host}/v2/my/app/manifests/v1": 401 (Unauthorized)`);
    expect(manifestRequests(s)).toStrictEqual([undefined]);
  });
});
