/**
 * Secrets never reach the user: the real CLI with `--debug` and `--output json` against
 *  - a real docker-registry behind a Docker token server (anonymous bearer tokens),
 *  - a real docker-registry with TLS + htpasswd and `--creds`,
 *  - the fault registry with Basic auth whose 403 body echoes the Authorization header, and a bearer realm that
 *    echoes it too,
 * and stdout + stderr must contain no password, no `user:password` base64, no token, no Authorization value.
 */
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultRegistry, type FaultRegistry } from '../helpers/fault-registry.js';
import { describeWithRegistry, pushImage, startFaultServer, startRegistry, startTokenServer, tempDir, type FaultServer, type TestRegistry, type TokenServer } from '../helpers/registry-harness.js';
import { ensureBuilt, runCLI, type CLIRun } from '../helpers/cli-runner.js';

let dir: string;
const env = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), NO_COLOR: '1' });

function files(): { policy: string; regD: string } {
  const keyPath = join(dir, 'key.pub');
  // Any syntactically valid key: the images are unsigned, the point is that every request is authenticated.
  writeFileSync(keyPath, '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhvK0V5u0p2rd2Sk6a1a/kb7eBKxgRwHXjDlU2ZEmcs/gBwuEbB8qE/6rkeUQwVjKe6Ky/dONfnYdkCNL5V+Y4w==\n-----END PUBLIC KEY-----\n');
  const policy = join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath, signedIdentity: { type: 'matchRepository' } }] }));
  const regD = join(dir, 'registries.d');
  mkdirSync(regD, { recursive: true });
  writeFileSync(join(regD, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  return { policy, regD };
}

/** Every form a secret could take in output. */
function leaks(r: CLIRun, secrets: string[]): string[] {
  const text = r.stdout + '\n' + r.stderr;
  const found: string[] = [];
  for (const s of secrets) if (s && text.includes(s)) found.push(s);
  // A JWT (the token server's tokens start with this header) or any Authorization value other than redacted.
  if (/eyJ0eXAiOiJKV1Qi/.test(text)) found.push('JWT');
  const auth = /(?:Bearer|Basic)\s+(?!REDACTED)[A-Za-z0-9+/=._-]{8,}/.exec(text);
  if (auth) found.push(`authorization value ${auth[0]}`);
  return found;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'imgpolicy-secrets-'));
  mkdirSync(join(dir, 'home'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets: fault registry (no external binaries)', () => {
  const servers: FaultRegistry[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('Basic credentials echoed by the registry and the debug trace: nothing leaks', async () => {
    const reg = await startFaultRegistry({ auth: 'basic', lifetimeMs: 60_000 });
    servers.push(reg);
    const { policy, regD } = files();
    const password = 'pw-Sup3r-s3cret-' + Math.random().toString(36).slice(2, 10);
    const basic = Buffer.from(`alice:${password}`).toString('base64');
    for (const repo of ['echo-auth', 'ok', 'unsigned']) {
      const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--tls-verify=false', '--creds', `alice:${password}`, '--debug', '--output', 'json', '--timeout', '5', `${reg.host}/${repo}/img:v1`], env());
      expect([repo, leaks(r, [password, basic])]).toEqual([repo, []]);
      expect(r.code === 1 || r.code === 2).toBe(true);
    }
    // The registry did receive the credentials (so the test would see them if they were echoed back).
    expect(reg.log.some((l) => l.authorization === `Basic ${basic}`)).toBe(true);
  }, 30_000);
  test('a malformed auth.json: the error is Go\'s syntax error, without a fragment of the credentials in it', async () => {
    const reg = await startFaultRegistry({ auth: 'basic', lifetimeMs: 60_000 });
    servers.push(reg);
    const { policy, regD } = files();
    const basic = Buffer.from(`alice:pw-${Math.random().toString(36).slice(2, 12)}-s3cret`).toString('base64');
    const authfile = join(dir, 'auth-malformed.json');
    // A hand-edited file with a stray token right after the secret: V8's JSON.parse message quotes ~10 characters
    // around the error (`Unexpected token 'x', ..."<secret>",x]}"...`); Go's names only the character.
    writeFileSync(authfile, `{"auths":{"${reg.host}":{"auth":["${basic}",x]}}}`);
    const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--tls-verify=false', '--authfile', authfile, '--debug', '--output', 'json', '--timeout', '5', `${reg.host}/ok/img:v1`], env());
    const fragments = Array.from({ length: basic.length - 5 }, (_, i) => basic.slice(i, i + 6));
    expect(fragments.filter((f) => (r.stdout + r.stderr).includes(f))).toEqual([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("invalid character 'x' looking for beginning of value");
  }, 30_000);
  test('an OAuth2 refresh token never follows a 307/308 of the token realm to another origin', async () => {
    const refresh = 'rt-' + Math.random().toString(36).slice(2, 12) + '-s3cret';
    const bodies: string[] = [];
    const other = await startFaultServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"t-other"}');
      });
    });
    let realm: FaultServer | undefined;
    try {
    for (const status of [307, 308]) {
      realm = await startFaultServer((req, res) => {
        req.resume();
        res.writeHead(status, { location: `http://${other.host}/token` }).end();
      });
      const reg = await startFaultServer((req, res) => {
        if (new URL(req.url ?? '/', 'http://x').pathname === '/v2/') {
          return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realm!.host}/token",service="x"` }).end('{}');
        }
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
      });
      const { policy, regD } = files();
      const authfile = join(dir, `auth-refresh-${status}.json`);
      writeFileSync(authfile, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('<token>:').toString('base64'), identitytoken: refresh } } }));
      const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--tls-verify=false', '--authfile', authfile, '--timeout', '5', `${reg.host}/x/img:v1`], env());
      await Promise.all([reg.stop(), realm.stop()]);
      expect([status, bodies.filter((b) => b.includes(refresh)).length]).toEqual([status, 0]);
      expect([status, r.code]).toEqual([status, 2]);
      expect(r.stdout).toContain('to another origin');
    }
    } finally {
      await other.stop();
    }
  }, 30_000);
});

describeWithRegistry('secrets: real docker-registry', () => {
  let ts: TokenServer;
  let tokenReg: TestRegistry;
  let basicReg: TestRegistry;
  beforeAll(async () => {
    ts = await startTokenServer(tempDir('imgpolicy-secrets-ts-'));
    tokenReg = await startRegistry('token', { tokenServer: ts });
    basicReg = await startRegistry('tls-basic');
    await pushImage(tokenReg, 'test/secret', 'v1');
    await pushImage(basicReg, 'test/secret', 'v1');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([tokenReg?.stop(), basicReg?.stop(), ts?.stop()]);
  });

  test('token registry: no bearer token in --debug or JSON output', async () => {
    const { policy, regD } = files();
    const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--tls-verify=false', '--debug', '--output', 'json', `${tokenReg.host}/test/secret:v1`], env());
    expect(ts.total()).toBeGreaterThan(0);
    expect(leaks(r, [])).toEqual([]);
    expect(r.code).toBe(1); // unsigned: rejected, after authenticated manifest and .sig requests
  }, 30_000);

  test('htpasswd registry with --creds: no password, no Basic value', async () => {
    const { policy, regD } = files();
    const { username, password } = basicReg.user!;
    const basic = Buffer.from(`${username}:${password}`).toString('base64');
    for (const creds of [`${username}:${password}`, `${username}:wrong-${password}`]) {
      const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--cert-dir', basicReg.ca!.certDir, '--creds', creds, '--debug', '--output', 'json', `${basicReg.host}/test/secret:v1`], env());
      expect(leaks(r, [password, basic, Buffer.from(creds).toString('base64'), `wrong-${password}`])).toEqual([]);
      expect(r.code === 1 || r.code === 2).toBe(true);
    }
  }, 30_000);
});
