/**
 * Every limit in src/limits.ts is enforced and tested. The table below names, for each limit, the test that trips
 * it; a new limit without a row fails the first test. Limits not tripped elsewhere are tripped here, in-process
 * against the fault registry (fast, no CLI build needed).
 */
import { describe, test, expect, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDockerImageSource, type DockerSourceOptions } from '../../src/image/docker-source.js';
import { LIMITS } from '../../src/limits.js';
import { loadPolicyFile } from '../../src/policy/index.js';
import { readJson } from '../../src/go/encoding/json/scanner.js';
import { parseImageReference } from '../../src/reference/index.js';
import { loadRegistriesD, RegistryPool } from '../../src/registry/index.js';
import { evaluationContext, type ProcessEnv } from '../../src/cli/context.js';
import { parseSignaturePayload } from '../../src/signature/payload.js';
import { Trace } from '../../src/trace.js';
import { startFaultRegistry, type FaultRegistry } from '../helpers/fault-registry.js';
import { startFaultServer, type FaultServer } from '../helpers/registry-harness.js';

const COVERED: Record<keyof typeof LIMITS, string> = {
  maxManifestBytes: 'hostile-registry: oversized-manifest, endless-manifest',
  maxSignatureManifestBytes: 'here: a 5 MiB .sig manifest',
  maxSignatureBytes: 'hostile-registry: oversized-sig-blob',
  maxLookasideSignatures: 'hostile-registry: lookaside-endless',
  maxSigstoreAttachments: 'bundle referrers only (test/integration/bundle.test.ts); .sig layers are unbounded as in c/image (malicious-registry: sig-129-layers)',
  sigstoreFetchConcurrency: 'not a verdict limit: malicious-registry sig-129-layers reads all 129',
  imageDeadlineMs: 'test/integration/default-deadline.test.ts: stalls without --timeout under forced GC',
  maxTokenBytes: 'hostile-registry: token-huge',
  maxErrorBodyBytes: 'here: a 2 MiB error body',
  maxRedirects: 'hostile-registry: redirect-loop',
  requestTimeoutMs: 'registry-faults: per-request timeout; hostile-registry: every stall under --timeout',
  maxRetrySleepMs: 'here: Retry-After beyond the budget',
  maxPolicyBytes: 'here: a policy file over the limit',
  maxKeyFileBytes: 'here: a keyPath of /dev/zero through the evaluation context',
  maxConfigFileBytes: 'here: a registries.d file that is /dev/zero',
  maxDecompressedSignatureBytes: 'test/unit/signature/simple-signing-packet-structure.test.ts: ZIP, ZLIB and BZIP2 bombs, and two packets over it together',
  maxJSONNestingDepth: 'here + test/fuzz: policy and payload nesting',
};

const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-limits-'));
const servers: (FaultRegistry | FaultServer)[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function open(image: string, over: Partial<DockerSourceOptions> = {}) {
  const regD = join(dir, 'registries.d');
  mkdirSync(regD, { recursive: true });
  writeFileSync(join(regD, 'default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  const opts: DockerSourceOptions = { env: {}, homeDir: dir, trace: new Trace(), tlsVerify: false, registriesDir: regD, euid: 1000, ...over };
  return { src: openDockerImageSource(parseImageReference(`docker://${image}`), opts), trace: opts.trace };
}

describe('limits', () => {
  test('every limit is named with a test', () => {
    expect(Object.keys(LIMITS).sort()).toEqual(Object.keys(COVERED).sort());
  });

  test('maxJSONNestingDepth: Go\'s 10,000 levels, a syntax error beyond, never a stack overflow', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(() => readJson(deep(LIMITS.maxJSONNestingDepth))).not.toThrow();
    expect(() => readJson(deep(LIMITS.maxJSONNestingDepth + 1))).toThrow("invalid character '[' exceeded max depth");
    const payload = (n: number) => Buffer.from(`{"critical":{"x":${deep(n)}},"optional":{}}`);
    // Depth 9,998 inside two objects is legal JSON: the tree reader must survive it (it overflowed before).
    expect(() => parseSignaturePayload(payload(LIMITS.maxJSONNestingDepth - 2), 'simple-signing')).toThrow('Unknown key "x"');
    expect(() => parseSignaturePayload(payload(LIMITS.maxJSONNestingDepth - 1), 'simple-signing')).toThrow("invalid character '[' exceeded max depth");
  });

  test('maxKeyFileBytes: a keyPath of /dev/zero is refused, not read forever', async () => {
    const ctx = evaluationContext({ env: {}, cwd: dir } as unknown as ProcessEnv);
    await expect(ctx.verify.readFile('/dev/zero')).rejects.toThrow(`reading file /dev/zero: exceeded maximum allowed size of ${LIMITS.maxKeyFileBytes} bytes`);
  });

  test('maxConfigFileBytes: a registries.d file that never ends is refused', async () => {
    const rd = join(dir, 'endless-registries.d');
    mkdirSync(rd, { recursive: true });
    symlinkSync('/dev/zero', join(rd, 'zero.yaml'));
    await expect(loadRegistriesD({ registriesDir: rd, homeDir: dir, trace: new Trace() })).rejects.toThrow(
      `read ${join(rd, 'zero.yaml')}: exceeded maximum allowed size of ${LIMITS.maxConfigFileBytes} bytes`,
    );
  });

  test('maxPolicyBytes', async () => {
    const p = join(dir, 'big-policy.json');
    writeFileSync(p, Buffer.alloc(LIMITS.maxPolicyBytes + 1, 0x20));
    await expect(loadPolicyFile(p)).rejects.toThrow(`exceeded maximum allowed size of ${LIMITS.maxPolicyBytes} bytes`);
  });

  test('maxSignatureManifestBytes: a 5 MiB .sig manifest is refused', async () => {
    const s = await startFaultServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/v2/') return void res.writeHead(200).end('{}');
      if (path.endsWith('/manifests/v1')) {
        return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}');
      }
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(Buffer.alloc(LIMITS.maxSignatureManifestBytes + 1, 0x20));
    });
    servers.push(s);
    const { src } = open(`${s.host}/x/img:v1`);
    await expect(src.signatures()).rejects.toThrow(`exceeded maximum allowed size of ${LIMITS.maxSignatureManifestBytes} bytes`);
  });

  test('maxErrorBodyBytes: a 2 MiB error body is not read (the status is still reported)', async () => {
    const s = await startFaultServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://x').pathname === '/v2/') return void res.writeHead(200).end('{}');
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'x'.repeat(2 * 1024 * 1024) }] }));
    });
    servers.push(s);
    const { src } = open(`${s.host}/x/img:v1`);
    const e = (await src.manifest().catch((x: unknown) => x)) as Error;
    expect(e.message).toMatch(/403/);
    expect(e.message.length).toBeLessThan(2000);
  });

  test('maxRetrySleepMs: a Retry-After beyond the budget is not slept, the 429 is the error', async () => {
    const reg = await startFaultRegistry({ lifetimeMs: 30_000 });
    servers.push(reg);
    const { src, trace } = open(`${reg.host}/storm-429/img:v1`, { retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: LIMITS.maxRetrySleepMs * 2 } });
    const t0 = performance.now();
    await expect(src.manifest()).rejects.toThrow(/toomanyrequests|429/i);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(trace.events.some((e) => e.message.includes('retry budget'))).toBe(true);
  });

  test('closing the pool ends stalls and back-offs at once (what --timeout relies on)', async () => {
    const reg = await startFaultRegistry({ lifetimeMs: 30_000 });
    servers.push(reg);
    for (const fault of ['stall-headers', 'storm-503']) {
      const pool = new RegistryPool();
      const { src } = open(`${reg.host}/${fault}/img:v1`, { pool, timeoutMs: 30_000, retry: { maxAttempts: 5, initialDelayMs: 20_000, maxDelayMs: 20_000 } });
      const t0 = performance.now();
      const p = src.manifest().catch((e: unknown) => e);
      setTimeout(() => void pool.close(), 300);
      const e = (await p) as Error;
      expect([fault, e instanceof Error]).toEqual([fault, true]);
      expect([fault, performance.now() - t0 < 3000]).toEqual([fault, true]);
    }
  });
});
