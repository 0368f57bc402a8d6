/**
 * The shipped artifact runs through a V8 code cache tied to the Node binary (bin/code-cache.cjs). Whatever state the
 * cache is in — missing, made by another Node version, corrupted, truncated, rejected by V8, or impossible to write —
 * the verdicts must be exactly the unbundled build's, with nothing on stderr, and a bad cache is replaced.
 * Runs the installed copy when IMGPOLICY_BIN is set (.ci/run), else the checkout's bin/imgpolicy.js with a fresh
 * build/imgpolicy.cjs.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/oracle.js';
import { ensureBuilt, ensureBundled } from '../helpers/cli-runner.js';
import { imgpolicyCommand, installedBin } from '../helpers/imgpolicy-bin.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

const DEMO = ['verify', '--policy', 'fixtures/demo/policy.json', '--output', 'json', 'dir:fixtures/demo/signed-image', 'dir:fixtures/demo/signed-by-other-key'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function artifact(args: string[], env: Record<string, string>): Run {
  const bin = installedBin();
  const [file, argv] = bin ? [bin, args] : [process.execPath, [join(REPO_ROOT, 'bin/imgpolicy.js'), ...args]];
  const r = spawnSync(file, argv, { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
let dist: Run;
beforeAll(() => {
  ensureBuilt();
  ensureBundled();
  work = mkdtempSync(join(tmpdir(), 'imgpolicy-code-cache-'));
  const cmd = imgpolicyCommand(DEMO, {});
  const r = spawnSync(cmd.file, cmd.args, { cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
  dist = { code: r.status, stdout: r.stdout, stderr: r.stderr };
  expect(dist.code).toBe(1);
  expect(parseVerifyJSON(dist.stdout).results.map((x: { verdict: string }) => x.verdict)).toEqual(['allowed', 'rejected']);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh $XDG_CACHE_HOME whose cache the first run has written; returns the dir and the cache file. */
function primed(name: string): { xdg: string; file: string } {
  const xdg = join(work, name);
  expect(artifact(DEMO, { XDG_CACHE_HOME: xdg, HOME: work })).toEqual(dist);
  const files = readdirSync(join(xdg, 'imgpolicy'));
  expect(files).toHaveLength(1);
  expect(files[0]).toMatch(/^code-[0-9a-f]{24}\.bin$/);
  return { xdg, file: join(xdg, 'imgpolicy', files[0]!) };
}

function parts(file: string): { header: Record<string, unknown>; data: Buffer } {
  const raw = readFileSync(file);
  const nl = raw.indexOf(10);
  return { header: JSON.parse(raw.subarray(0, nl).toString('utf8')) as Record<string, unknown>, data: raw.subarray(nl + 1) };
}

function write(file: string, header: Record<string, unknown>, data: Buffer): void {
  writeFileSync(file, Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), data]));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** After a bad cache, the run is still dist/'s and the file holds a valid cache for this Node again. */
function expectRecovered(xdg: string, file: string, bad: Buffer): void {
  expect(artifact(DEMO, { XDG_CACHE_HOME: xdg, HOME: work })).toEqual(dist);
  const now = readFileSync(file);
  expect(now.equals(bad)).toBe(false);
  const { header, data } = parts(file);
  expect(header['node']).toBe(process.version);
  expect(header['sha256']).toBe(sha256(data));
  expect(artifact(DEMO, { XDG_CACHE_HOME: xdg, HOME: work })).toEqual(dist);
}

describe('the bundled artifact and its V8 code cache', () => {
  test('no cache, then a cache: the same verdicts as dist/, the cache written atomically under $XDG_CACHE_HOME/imgpolicy', () => {
    const { xdg, file } = primed('fresh');
    const { header, data } = parts(file);
    expect(header).toMatchObject({ node: process.version, v8: process.versions.v8, arch: process.arch, sha256: sha256(data) });
    expect(readdirSync(join(xdg, 'imgpolicy')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const before = statSync(file).mtimeMs;
    expect(artifact(DEMO, { XDG_CACHE_HOME: xdg, HOME: work })).toEqual(dist);
    expect(statSync(file).mtimeMs).toBe(before); // an accepted cache is read, not rewritten
  });

  test('a cache made by another Node version is never used', () => {
    const { xdg, file } = primed('other-node');
    const { header, data } = parts(file);
    write(file, { ...header, node: 'v18.20.4', v8: '10.2.154.26-node.36' }, data);
    expectRecovered(xdg, file, readFileSync(file));
  });

  test('a corrupted cache (bytes flipped in the middle) is never used', () => {
    const { xdg, file } = primed('corrupted');
    const raw = readFileSync(file);
    for (let i = Math.floor(raw.length / 2); i < Math.floor(raw.length / 2) + 64; i++) raw[i] = raw[i]! ^ 0xff;
    writeFileSync(file, raw);
    expectRecovered(xdg, file, raw);
  });

  test('a cache V8 rejects (right header, data V8 did not make) falls back to compiling', () => {
    const { xdg, file } = primed('rejected');
    const { header } = parts(file);
    const garbage = Buffer.alloc(4096, 0x5a);
    write(file, { ...header, sha256: sha256(garbage) }, garbage);
    expectRecovered(xdg, file, readFileSync(file));
  });

  test('a truncated or empty cache file is never used', () => {
    const { xdg, file } = primed('truncated');
    const raw = readFileSync(file);
    writeFileSync(file, raw.subarray(0, 40));
    expectRecovered(xdg, file, raw.subarray(0, 40));
    writeFileSync(file, '');
    expectRecovered(xdg, file, Buffer.alloc(0));
  });

  test('a cache directory that cannot be written costs nothing but speed', () => {
    const blocker = join(work, 'not-a-dir');
    writeFileSync(blocker, 'x');
    expect(artifact(DEMO, { XDG_CACHE_HOME: blocker, HOME: work })).toEqual(dist);
    expect(artifact(['lint', 'fixtures/demo/policy.json'], { XDG_CACHE_HOME: blocker, HOME: work }).code).toBe(0);
  });

  test('a relative $XDG_CACHE_HOME is ignored (XDG Base Directory), the cache goes to ~/.cache/imgpolicy', () => {
    const home = join(work, 'home');
    expect(artifact(DEMO, { XDG_CACHE_HOME: 'relative/cache', HOME: home })).toEqual(dist);
    expect(existsSync(join(REPO_ROOT, 'relative'))).toBe(false);
    expect(readdirSync(join(home, '.cache', 'imgpolicy'))).toHaveLength(1);
  });

  test('IMGPOLICY_CODE_CACHE=0 runs without reading or writing a cache', () => {
    const xdg = join(work, 'off');
    expect(artifact(DEMO, { XDG_CACHE_HOME: xdg, HOME: work, IMGPOLICY_CODE_CACHE: '0' })).toEqual(dist);
    expect(existsSync(join(xdg, 'imgpolicy'))).toBe(false);
  });

  test('--version prints package.json\'s version, with or without a cache', () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(artifact(['--version'], { XDG_CACHE_HOME: join(work, 'v'), HOME: work })).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(artifact(['-V'], { XDG_CACHE_HOME: join(work, 'v'), HOME: work })).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
