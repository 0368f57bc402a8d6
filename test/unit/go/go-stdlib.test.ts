/**
 * src/go/ reproduces Go standard-library behaviour where a message or a parse must be Go's byte for byte (users
 * compare our messages with skopeo's and CRI-O's). One table per Go function, with the values Go 1.24 returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { goQuote, goQuoteBytes, goQuoteList } from '../../../src/go/fmt.js';
import { goBase64Decode } from '../../../src/go/encoding/base64.js';
import { goHexDecode } from '../../../src/go/encoding/hex.js';
import { pemDecode } from '../../../src/go/encoding/pem.js';
import { errnoText, GoOSError, isNotExist, pathError, readFile } from '../../../src/go/os.js';
import { cleanPath } from '../../../src/go/path-filepath.js';
import { atoi } from '../../../src/go/strconv.js';

describe('fmt %q (strconv.Quote)', () => {
  test.each([
    ['plain', 'quay.io/a:b', '"quay.io/a:b"'],
    ['quote and backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['C escapes', '\n\r\t\x07\b\f\v', '"\\n\\r\\t\\a\\b\\f\\v"'],
    ['other control bytes as \\x', '\x01\x1b\x7f', '"\\x01\\x1b\\x7f"'],
    ['printable non-ASCII kept', 'é😀', '"é😀"'],
    ['no-break space is not printable in Go', '\u00a0', '"\\u00a0"'],
    ['format characters escaped', '\u200b\u202e', '"\\u200b\\u202e"'],
    ['astral format character', '\u{e0001}', '"\\U000e0001"'],
  ])('%s', (_name, input, want) => {
    expect(goQuote(input)).toBe(want);
  });
  test('a []string is ["a" "b"]', () => expect(goQuoteList(['a', 'b"'])).toBe('["a" "b\\""]'));
  test('invalid UTF-8 bytes of string(b) as \\x', () => {
    expect(goQuoteBytes(Uint8Array.from([0x61, 0xff, 0xe2, 0x82]))).toBe('"a\\xff\\xe2\\x82"');
    expect(goQuoteBytes(Buffer.from('é\n'))).toBe('"é\\n"');
  });
});

describe('encoding/base64 StdEncoding.DecodeString', () => {
  test.each([
    ['YWJj', 'abc'],
    ['YWI=', 'ab'],
    ['YQ==', 'a'],
    ['YW\nJj', 'abc'],
    ['YW\r\nJj\n', 'abc'],
    ['', ''],
  ])('%j decodes', (input, want) => {
    expect(Buffer.from(goBase64Decode(input)).toString()).toBe(want);
  });
  test.each([
    ['!!!!', 0],
    ['YWJ', 0],
    ['YWJj=', 4],
    ['YQ=', 3],
    ['YWJj YWJj', 4],
    ['YW_j', 2],
  ])('%j: illegal base64 data at input byte %d', (input, at) => {
    expect(() => goBase64Decode(input)).toThrow(`illegal base64 data at input byte ${at}`);
  });
});

describe('encoding/hex DecodeString', () => {
  test('upper and lower case', () => expect(Buffer.from(goHexDecode('0aFF')).toString('hex')).toBe('0aff'));
  test.each([
    ['0g', "encoding/hex: invalid byte: U+0067 'g'"],
    ['abc', 'encoding/hex: odd length hex string'],
    ['zz1', "encoding/hex: invalid byte: U+007A 'z'"],
    ['ab\n', 'encoding/hex: invalid byte: U+000A'],
  ])('%j', (input, message) => {
    expect(() => goHexDecode(input)).toThrow(message);
  });
});

describe('encoding/pem Decode', () => {
  const block = (type: string, body = 'YWJj') => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
  test('text before BEGIN is skipped; the rest after the END line is returned', () => {
    const { block: b, rest } = pemDecode(Buffer.from(`junk\n${block('A')}tail`));
    expect([b?.type, Buffer.from(b!.bytes).toString(), rest.toString()]).toEqual(['A', 'abc', 'tail']);
  });
  test('headers are read', () => {
    const { block: b } = pemDecode(Buffer.from('-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\n\nYWJj\n-----END A-----\n'));
    expect(b?.headers).toEqual({ 'Proc-Type': '4,ENCRYPTED' });
  });
  test('a block whose END names another type is skipped in favour of the next one', () => {
    const { block: b } = pemDecode(Buffer.from('-----BEGIN A-----\nYWJj\n-----END B-----\n' + block('C', 'YQ==')));
    expect([b?.type, Buffer.from(b!.bytes).toString()]).toEqual(['C', 'a']);
  });
  test('no block: nothing decoded, the input is the rest', () => {
    const { block: b, rest } = pemDecode(Buffer.from('not pem'));
    expect([b, rest.toString()]).toEqual([undefined, 'not pem']);
  });
});

describe('os', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-go-os-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a missing file: open PATH: no such file or directory, and IsNotExist', async () => {
    const e = await readFile(join(dir, 'nope'), { limit: 10 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GoOSError);
    expect((e as Error).message).toBe(`open ${join(dir, 'nope')}: no such file or directory`);
    expect(isNotExist(e)).toBe(true);
  });
  test('a directory opens and fails to read, as in Go', async () => {
    await expect(readFile(dir, { limit: 10 })).rejects.toThrow(`read ${dir}: is a directory`);
  });
  test('the size limit holds on a device that never ends', async () => {
    await expect(readFile('/dev/zero', { limit: 10, what: 'key' })).rejects.toThrow('reading key /dev/zero: exceeded maximum allowed size of 10 bytes');
  });
  test('a file at the limit is read whole', async () => {
    writeFileSync(join(dir, 'ten'), '0123456789');
    expect(Buffer.from(await readFile(join(dir, 'ten'), { limit: 10 })).toString()).toBe('0123456789');
  });
  test.each([
    ['ENOENT', 'no such file or directory'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'operation not permitted'],
    ['ELOOP', 'too many levels of symbolic links'],
    ['EXDEV-not-in-table', 'node text'],
  ])('errno %s reads %j', (code, text) => {
    const e = Object.assign(new Error('node text'), { code });
    expect(errnoText(e)).toBe(text);
    expect(pathError('lstat', '/x', e).message).toBe(`lstat /x: ${text}`);
  });
});

describe('path/filepath Clean', () => {
  test.each([
    ['', '.'],
    ['abc', 'abc'],
    ['abc/def/', 'abc/def'],
    ['a//b', 'a/b'],
    ['/../abc', '/abc'],
    ['abc/./../def', 'def'],
    ['../../abc', '../../abc'],
    ['abc/../..', '..'],
    ['/', '/'],
    ['//abc//', '/abc'],
  ])('%j → %j', (input, want) => expect(cleanPath(input)).toBe(want));
});

describe('strconv.Atoi', () => {
  test.each([
    ['12', 12],
    ['-3', -3],
    ['+4', 4],
    ['x', 'strconv.Atoi: parsing "x": invalid syntax'],
    ['', 'strconv.Atoi: parsing "": invalid syntax'],
    ['99999999999999999999', 'strconv.Atoi: parsing "99999999999999999999": value out of range'],
  ])('%j', (input, want) => expect(atoi(input)).toBe(want));
});
