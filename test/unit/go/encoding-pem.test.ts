/**
 * Go's pem.Decode edges that decisions depend on (the basic rows are in go-stdlib.test.ts): which bytes are the
 * "rest" after a block (c/image refuses a Rekor SET publicKey or a certificate with trailing data), which
 * malformed blocks are skipped, and which line endings and blanks are tolerated.
 */
import { describe, expect, test } from '@jest/globals';
import { pemDecode, pemEncode, trimSpace } from '../../../src/go/encoding/pem.js';

const decode = (s: string) => {
  const { block, rest } = pemDecode(Buffer.from(s, 'latin1'));
  return { type: block?.type, bytes: block && Buffer.from(block.bytes).toString('latin1'), rest: rest.toString('latin1') };
};

describe('encoding/pem Decode', () => {
  test.each([
    ['CRLF line endings', '-----BEGIN A-----\r\nYWJj\r\n-----END A-----\r\n', 'abc', ''],
    ['blanks at the end of the BEGIN and END lines', '-----BEGIN A----- \t\nYWJj\n-----END A-----\t \nnext', 'abc', 'next'],
    ['spaces and tabs inside the base64 are dropped', '-----BEGIN A-----\nYW J\tj\n-----END A-----\n', 'abc', ''],
    ['only the END line’s own line break is consumed', '-----BEGIN A-----\nYWJj\n-----END A-----\n\n', 'abc', '\n'],
    ['no line break after END', '-----BEGIN A-----\nYWJj\n-----END A-----', 'abc', ''],
    ['an empty body', '-----BEGIN A-----\n-----END A-----\n', '', ''],
    ['a header line without the blank line after it', '-----BEGIN A-----\nK: v\nYWJj\n-----END A-----\n', 'abc', ''],
  ])('%s', (_name, input, bytes, rest) => {
    expect(decode(input)).toEqual({ type: 'A', bytes, rest });
  });
  test.each([
    ['text after END on the same line', '-----BEGIN A-----\nYWJj\n-----END A----- x\n'],
    ['no END line', '-----BEGIN A-----\nYWJj\n'],
    ['BEGIN not at the start of a line', 'x-----BEGIN A-----\nYWJj\n-----END A-----\n'],
    ['bad base64', '-----BEGIN A-----\nYWJ!\n-----END A-----\n'],
    ['a header that runs to the end of input', '-----BEGIN A-----\nK: v'],
  ])('%s: no block, the whole input is the rest', (_name, input) => {
    expect(decode(input)).toEqual({ type: undefined, bytes: undefined, rest: input });
  });
  test('a skipped block does not hide the next one', () => {
    expect(decode('-----BEGIN A-----\nYWJ!\n-----END A-----\n-----BEGIN B-----\nYQ==\n-----END B-----\n')).toEqual({ type: 'B', bytes: 'a', rest: '' });
  });
});

describe('pem.Encode and bytes.TrimSpace', () => {
  test('64-column lines, END line terminated', () => {
    const text = pemEncode('PUBLIC KEY', Buffer.alloc(60, 0xff));
    expect(text.split('\n').map((l) => l.length)).toEqual([26, 64, 16, 24, 0]);
    expect(decode(text).bytes).toBe(Buffer.alloc(60, 0xff).toString('latin1'));
  });
  test('TrimSpace strips ASCII blanks including \\v and \\f on both ends only', () => {
    expect(trimSpace(Buffer.from(' \t\r\n\v\fa b\n')).toString()).toBe('a b');
  });
});
