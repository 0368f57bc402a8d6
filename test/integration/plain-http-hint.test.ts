/**
 * The README's first registry example, run against a plain-HTTP registry without --tls-verify=false, fails with
 * c/image's message; the CLI adds one hint line beneath it naming both ways out. The message itself is unchanged.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCLI } from '../unit/cli/helpers/cli.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

let server: Server;
let host: string;
let work: string;
beforeAll(async () => {
  server = createServer((_, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = mkdtempSync(join(tmpdir(), 'imgpolicy-http-hint-'));
  writeFileSync(join(work, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

describe('a plain-HTTP registry reached over HTTPS', () => {
  test('text output: the c/image message, then a hint naming --tls-verify=false and registries.conf insecure', async () => {
    const r = await runCLI(['verify', '--policy', join(work, 'policy.json'), `${host}/app:v1`], { cwd: work });
    expect(r.code).toBe(2);
    const lines = r.stdout.split('\n');
    const i = lines.findIndex((l) => l.includes('http: server gave HTTP response to HTTPS client'));
    expect(lines[i]).toBe(`    initializing source docker://${host}/app:v1: pinging container registry ${host}: Get "https://${host}/v2/": http: server gave HTTP response to HTTPS client`);
    expect(lines[i + 1]).toBe(`    hint: the registry speaks plain HTTP: pass --tls-verify=false, or mark it insecure in registries.conf ([[registry]] location = "${host}", insecure = true)`);
  });

  test('JUnit output carries the same hint; JSON keeps the message alone', async () => {
    const j = await runCLI(['verify', '--policy', join(work, 'policy.json'), '--output', 'junit', `${host}/app:v1`], { cwd: work });
    expect(j.stdout).toContain('hint: the registry speaks plain HTTP: pass --tls-verify=false');
    const r = await runCLI(['verify', '--policy', join(work, 'policy.json'), '--output', 'json', `${host}/app:v1`], { cwd: work });
    expect(parseVerifyJSON(r.stdout).results[0].error.message).toMatch(/http: server gave HTTP response to HTTPS client$/);
  });
});
