/**
 * gzip framing as Go's net/http + compress/gzip read it, through the CLI (found in the fail-open review r1).
 *
 * Go's transport asks for gzip and decodes it with a multistream gzip.Reader: after each member it reads the next
 * 10-byte header, so bytes after the last member are `unexpected EOF` (fewer than 10) or `gzip: invalid header`,
 * and c/image returns that error (skopeo 1.18 on `gzip(manifest) + 4 zero bytes`: `initializing source …:
 * unexpected EOF`). Node's gunzip silently drops trailing data that starts with a zero byte: the manifest was read
 * and, under insecureAcceptAnything, the image was ALLOWED (exit 0) where c/image refuses to read it.
 * A gzip bomb is also pinned here: the decoded size is bounded by the manifest limit, whatever the ratio.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LIMITS } from '../../src/limits.js';
import { ensureBuilt, runCLI } from '../helpers/cli-runner.js';
import { startFaultServer, type FaultServer } from '../helpers/registry-harness.js';

const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:' + 'a'.repeat(64), size: 2 },
  layers: [],
});

let dir: string;
let policy: string;
let server: FaultServer;
/** The manifest body for each repository (`/v2/<name>/manifests/v1`), sent with Content-Encoding: gzip. */
const bodies = new Map<string, Buffer | ((res: import('node:http').ServerResponse) => void)>();

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'imgpolicy-gzip-'));
  policy = join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const gz = gzipSync(MANIFEST);
  bodies.set('plain', gz);
  bodies.set('two-members', Buffer.concat([gzipSync(MANIFEST.slice(0, 20)), gzipSync(MANIFEST.slice(20))]));
  bodies.set('zeros-4', Buffer.concat([gz, Buffer.alloc(4)]));
  bodies.set('zeros-64', Buffer.concat([gz, Buffer.alloc(64)]));
  const badSize = Buffer.from(gz);
  badSize[badSize.length - 1] = badSize[badSize.length - 1]! ^ 1;
  bodies.set('bad-isize', badSize);
  bodies.set('zero-then-junk', Buffer.concat([gz, Buffer.from([0]), Buffer.from('{"schemaVersion":2}')]));
  // Trailing zeros that never end: the answer must not wait for the stream (Go stops after 10 bytes).
  bodies.set('zeros-endless', (res) => {
    res.write(gz);
    const t = setInterval(() => res.write(Buffer.alloc(1024)), 20);
    t.unref();
    res.on('close', () => clearInterval(t));
  });
  bodies.set('bomb', gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20), { level: 9 }));
  server = await startFaultServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const m = /^\/v2\/gz\/([^/]+)\/img\/manifests\/v1$/.exec(path);
    const b = m ? bodies.get(m[1]!) : undefined;
    if (!b) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-encoding': 'gzip' });
    if (typeof b === 'function') b(res);
    else res.end(b);
  });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' });
const verify = (name: string) => runCLI(['verify', '--policy', policy, '--tls-verify=false', '--timeout', '20', `${server.host}/gz/${name}/img:v1`], env());

describe('gzip framing (Content-Encoding: gzip on the manifest)', () => {
  test.each([
    ['plain', 0, 'allowed'],
    ['two-members', 0, 'allowed'],
  ])('%s: decoded as Go decodes it, allowed', async (name, code, text) => {
    const r = await verify(name);
    expect([name, r.code, r.stdout.includes(text)]).toEqual([name, code, true]);
  }, 60_000);

  test.each([
    ['zeros-4', 'unexpected EOF'],
    ['zeros-64', 'gzip: invalid header'],
    ['zero-then-junk', 'gzip: invalid header'],
    ['zeros-endless', 'gzip: invalid header'],
    // The trailer's length field (ISIZE) wrong: Go's ErrChecksum, as for a wrong CRC-32.
    ['bad-isize', 'gzip: invalid checksum'],
  ])('%s: a body Go cannot decode is an error as in c/image, never allowed', async (name, message) => {
    const r = await verify(name);
    expect([name, r.code]).toEqual([name, 2]);
    expect(r.stdout + r.stderr).toContain(`initializing source docker://${server.host}/gz/${name}/img:v1: ${message}`);
    expect(r.ms).toBeLessThan(15_000);
  }, 60_000);

  test('a gzip bomb stops at the manifest limit of decoded bytes', async () => {
    const r = await verify('bomb');
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(`exceeded maximum allowed size of ${LIMITS.maxManifestBytes} bytes`);
  }, 60_000);
});
