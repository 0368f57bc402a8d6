/**
 * Flags as skopeo users type them, through the real command-line parser (issue 13, "Flags as skopeo users type
 * them"): bad values are usage errors (exit 3) with one pointer to --help, never a Node internal message.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { homeDirOf } from '../../../src/cli/context.js';
import { goBoolFlagsToCommander } from '../../../src/cli/options.js';
import { parseBool } from '../../../src/go/strconv.js';
import { runCLI } from './helpers/cli.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('flag spellings', () => {
  test('Go ParseBool: the twelve spellings, nothing else', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseBool(f)).toBe(false);
    for (const bad of ['yes', 'no', 'on', 'tRUE', '', ' true']) expect(() => parseBool(bad)).toThrow(`strconv.ParseBool: parsing ${JSON.stringify(bad)}: invalid syntax`);
  });

  test('--tls-verify is a bool flag: alone it is true and the next argument stays an argument', () => {
    expect(goBoolFlagsToCommander(['--tls-verify', 'img'])).toEqual(['--tls-verify', 'img']);
    expect(goBoolFlagsToCommander(['--tls-verify=F', 'img'])).toEqual(['--no-tls-verify', 'img']);
    expect(goBoolFlagsToCommander(['--tls-verify=True'])).toEqual(['--tls-verify']);
    expect(goBoolFlagsToCommander(['--', '--tls-verify=yes'])).toEqual(['--', '--tls-verify=yes']);
    expect(() => goBoolFlagsToCommander(['--tls-verify=yes'])).toThrow('invalid argument "yes" for "--tls-verify" flag: strconv.ParseBool: parsing "yes": invalid syntax');
  });

  test('--tls-verify=yes: a usage error naming the flag, one line pointing to --help', async () => {
    const r = await runCLI(['verify', '--tls-verify=yes', 'img']);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual([
      'error: invalid argument "yes" for "--tls-verify" flag: strconv.ParseBool: parsing "yes": invalid syntax',
      "(run 'imgpolicy verify --help' for usage)",
    ]);
  });

  test('--timeout abc is a usage error (3), not Node\'s "delay" out of range', async () => {
    for (const v of ['abc', '-1', '']) {
      const r = await runCLI(['verify', '--timeout', v, 'img']);
      expect([v, r.code]).toEqual([v, 3]);
      expect(r.stderr).not.toMatch(/delay|NaN/);
      expect(r.stderr).toContain("option '--timeout <seconds>' argument");
    }
  });

  test('--platform windows (no architecture) is a usage error (3)', async () => {
    const r = await runCLI(['verify', '--platform', 'windows', 'img']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('invalid platform "windows": expected os/arch[/variant]');
  });

  test('a mistyped flag: the error, the suggestion and one line pointing to --help — not the full help', async () => {
    const r = await runCLI(['verify', '--polcy', 'p.json', 'img']);
    expect(r.code).toBe(3);
    expect(lines(r.stderr)).toEqual(["error: unknown option '--polcy'", '(Did you mean --policy?)', "(run 'imgpolicy verify --help' for usage)"]);
    expect(r.stdout).toBe('');
  });

  test('--from-file that does not exist: Go-like text, not Node\'s ENOENT', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'imgpolicy-flags-'));
    const r = await runCLI(['verify', '--from-file', 'nope.txt'], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('imgpolicy: --from-file: open nope.txt: no such file or directory\n');
  });

  test('a policy that does not load is printed once under verify (text), once on stderr (json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-flags-'));
    const policy = join(dir, 'bad.json');
    writeFileSync(policy, '{"default":[{"type":"bogus"}]}');
    const msg = `invalid policy in "${policy}": Unknown policy requirement type "bogus"`;
    const count = (s: string) => s.split(msg).length - 1;
    const text = await runCLI(['verify', '--policy', policy, 'quay.io/a/b:v1']);
    expect(text.code).toBe(3);
    expect(count(text.stdout + text.stderr)).toBe(1);
    expect(text.stdout).toContain('at $.default[0].type (line 1, column 21)');
    const json = await runCLI(['verify', '--policy', policy, '-o', 'json', 'quay.io/a/b:v1']);
    expect(count(json.stderr)).toBe(1);
  });
});

describe('HOME as containers/storage homedir.Get reads it', () => {
  test("HOME='' and HOME unset mean the passwd home; a set HOME is used as is", () => {
    const passwd = () => '/home/from-passwd';
    expect(homeDirOf({ HOME: '' }, passwd)).toBe('/home/from-passwd');
    expect(homeDirOf({}, passwd)).toBe('/home/from-passwd');
    expect(homeDirOf({ HOME: '/h' }, passwd)).toBe('/h');
  });
});
