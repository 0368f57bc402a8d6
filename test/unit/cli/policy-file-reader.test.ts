/**
 * A batch reads key and CA files once while they are unchanged (policyFileReader). It must never hand out stale
 * bytes: any change to the file — even one that keeps its size and puts its mtime back — is read again, and errors
 * are the uncached reader's, in c/image's words.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { policyFileReader } from '../../../src/cli/context.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgpolicy-key-reader-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

describe('policyFileReader', () => {
  test('the same bytes for every read of an unchanged file, each caller with its own copy', async () => {
    const p = join(dir, 'same.pub');
    writeFileSync(p, 'KEY-A');
    const read = policyFileReader();
    const a = await read(p);
    a[0] = 0;
    expect(text(await read(p))).toBe('KEY-A');
  });

  test('a file rewritten with the same size and its old mtime is read again', async () => {
    const p = join(dir, 'changed.pub');
    writeFileSync(p, 'KEY-A');
    const { atime, mtime } = statSync(p);
    const read = policyFileReader();
    expect(text(await read(p))).toBe('KEY-A');
    writeFileSync(p, 'KEY-B');
    utimesSync(p, atime, mtime);
    expect(text(await read(p))).toBe('KEY-B');
  });

  test('a file replaced by rename is read again', async () => {
    const p = join(dir, 'renamed.pub');
    writeFileSync(p, 'KEY-A');
    const read = policyFileReader();
    expect(text(await read(p))).toBe('KEY-A');
    writeFileSync(`${p}.new`, 'KEY-C');
    renameSync(`${p}.new`, p);
    expect(text(await read(p))).toBe('KEY-C');
  });

  test('a missing file fails every time with the open error, and is read once it appears', async () => {
    const p = join(dir, 'later.pub');
    const read = policyFileReader();
    await expect(read(p)).rejects.toThrow(`open ${p}: no such file or directory`);
    await expect(read(p)).rejects.toThrow(`open ${p}: no such file or directory`);
    writeFileSync(p, 'KEY-D');
    expect(text(await read(p))).toBe('KEY-D');
  });
});
