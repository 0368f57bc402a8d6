import { describe, expect, test } from '@jest/globals';

import { decodeGoUtf8, goQuoteByte, JsonSyntaxError, readJson, type JsonNode } from '../../../src/go/encoding/json/scanner.js';

/** Go encoding/json's syntax-error texts (checkValid), with where we report them. */
const syntaxErrors: { name: string; doc: string | Uint8Array; message: string; at: string }[] = [
  { name: 'empty input', doc: '', message: 'unexpected end of JSON input', at: '1:1' },
  { name: 'only whitespace', doc: ' \n\t', message: 'unexpected end of JSON input', at: '2:2' },
  { name: 'unterminated object', doc: '{"a":1', message: 'unexpected end of JSON input', at: '1:7' },
  { name: 'unterminated string', doc: '{"a', message: 'unexpected end of JSON input', at: '1:4' },
  { name: 'trailing comma in object', doc: '{"a":1,}', message: "invalid character '}' looking for beginning of object key string", at: '1:8' },
  { name: 'trailing comma in array', doc: '[1,]', message: "invalid character ']' looking for beginning of value", at: '1:4' },
  { name: 'data after the value', doc: '{} x', message: "invalid character 'x' after top-level value", at: '1:4' },
  { name: 'second document', doc: '{}\n{}', message: "invalid character '{' after top-level value", at: '2:1' },
  { name: 'UTF-8 BOM', doc: '\ufeff{}', message: "invalid character 'ï' looking for beginning of value", at: '1:1' },
  { name: 'single-quoted key', doc: "{'a':1}", message: "invalid character '\\'' looking for beginning of object key string", at: '1:2' },
  { name: 'missing colon', doc: '{"a" 1}', message: "invalid character '1' after object key", at: '1:6' },
  { name: 'missing comma in object', doc: '{"a":1 "b":2}', message: 'invalid character \'"\' after object key:value pair', at: '1:8' },
  { name: 'missing comma in array', doc: '[1 2]', message: "invalid character '2' after array element", at: '1:4' },
  { name: 'bad literal', doc: '[tru]', message: "invalid character ']' in literal true (expecting 'e')", at: '1:5' },
  { name: 'bad null', doc: '[nul1]', message: "invalid character '1' in literal null (expecting 'l')", at: '1:5' },
  { name: 'capitalised literal', doc: '[True]', message: "invalid character 'T' looking for beginning of value", at: '1:2' },
  { name: 'lone minus', doc: '[-x]', message: "invalid character 'x' in numeric literal", at: '1:3' },
  { name: 'leading zero', doc: '[01]', message: "invalid character '1' after array element", at: '1:3' },
  { name: 'bare decimal point', doc: '[1.]', message: "invalid character ']' after decimal point in numeric literal", at: '1:4' },
  { name: 'empty exponent', doc: '[1e+]', message: "invalid character ']' in exponent of numeric literal", at: '1:5' },
  { name: 'bad escape', doc: '["\\q"]', message: "invalid character 'q' in string escape code", at: '1:4' },
  { name: 'bad \\u escape', doc: '["\\u12x4"]', message: "invalid character 'x' in \\u hexadecimal character escape", at: '1:7' },
  { name: 'raw tab in string', doc: '["a\tb"]', message: "invalid character '\\t' in string literal", at: '1:4' },
  { name: 'raw newline in string', doc: '["a\nb"]', message: "invalid character '\\n' in string literal", at: '1:4' },
  { name: 'comment', doc: '{} // no', message: "invalid character '/' after top-level value", at: '1:4' },
  { name: 'non-ASCII outside strings counts characters', doc: '{"é": ü}', message: "invalid character 'Ã' looking for beginning of value", at: '1:7' },
  { name: 'NBSP as whitespace', doc: '{\u00a0}', message: "invalid character 'Â' looking for beginning of object key string", at: '1:2' },
  { name: 'control byte', doc: '\u0001', message: "invalid character '\\x01' looking for beginning of value", at: '1:1' },
];

describe('readJson syntax errors (Go encoding/json wording)', () => {
  test.each(syntaxErrors)('$name', ({ doc, message, at }) => {
    let err: unknown;
    try {
      readJson(doc);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonSyntaxError);
    const e = err as JsonSyntaxError;
    expect(e.message).toBe(message);
    expect(`${e.location.line}:${e.location.column}`).toBe(at);
  });

  test('nesting deeper than Go allows is refused without overflowing the stack', () => {
    expect(() => readJson('['.repeat(10000) + ']'.repeat(10000))).not.toThrow();
    expect(() => readJson('['.repeat(10001))).toThrow("invalid character '[' exceeded max depth");
  });
});

function find(node: JsonNode, path: string): JsonNode | undefined {
  if (node.loc.path === path) return node;
  const children = node.kind === 'object' ? node.entries.map((e) => e.value) : node.kind === 'array' ? node.items : [];
  for (const c of children) {
    const hit = find(c, path);
    if (hit) return hit;
  }
  return undefined;
}

describe('readJson values, paths and positions', () => {
  const doc = '{\n  "transports": {\n    "docker": {\n      "quay.io/x": [ { "keyPath": "/k", "n": -1.5e3, "ok": true, "no": null } ]\n    }\n  }\n}';
  const { root } = readJson(doc);

  test.each([
    ['$', 1, 1],
    ['$.transports', 2, 17],
    ['$.transports.docker', 3, 15],
    ['$.transports.docker["quay.io/x"]', 4, 20],
    ['$.transports.docker["quay.io/x"][0]', 4, 22],
    ['$.transports.docker["quay.io/x"][0].keyPath', 4, 35],
    ['$.transports.docker["quay.io/x"][0].n', 4, 46],
    ['$.transports.docker["quay.io/x"][0].ok', 4, 60],
    ['$.transports.docker["quay.io/x"][0].no', 4, 72],
  ])('%s at %i:%i', (path, line, column) => {
    const node = find(root, path);
    expect(node).toBeDefined();
    expect([node!.loc.line, node!.loc.column]).toEqual([line, column]);
  });

  test('keys keep duplicates in document order, with their own positions', () => {
    const r = readJson('{"a":1,"a":2}').root;
    expect(r.kind).toBe('object');
    if (r.kind !== 'object') return;
    expect(r.entries.map((e) => [e.key, e.keyLoc.column, e.keyLoc.path])).toEqual([
      ['a', 2, '$.a'],
      ['a', 8, '$.a'],
    ]);
  });

  test('string escapes are decoded as Go does (surrogates, U+FFFD)', () => {
    const values = (readJson('["\\u0074ype", "\\ud83d\\ude00", "\\ud800x", "\\udc00", "a\\/b\\"\\\\"]').root as { items: JsonNode[] }).items;
    expect(values.map((v) => (v.kind === 'string' ? v.value : null))).toEqual(['type', '😀', '\ufffdx', '\ufffd', 'a/b"\\']);
  });

  test('invalid UTF-8 becomes one U+FFFD per bad byte, as in Go', () => {
    expect(decodeGoUtf8(Uint8Array.from([0x61, 0xe2, 0x82, 0x41, 0xff, 0xc3, 0xa9]))).toBe('a\ufffd\ufffdA\ufffdé');
    expect(decodeGoUtf8(Uint8Array.from([0xed, 0xa0, 0x80]))).toBe('\ufffd\ufffd\ufffd'); // encoded surrogate
    expect(decodeGoUtf8(Uint8Array.from([0xc0, 0xaf]))).toBe('\ufffd\ufffd'); // overlong
  });

  test('goQuoteByte follows strconv.Quote for single bytes', () => {
    expect([0x27, 0x22, 0x5c, 0x0a, 0x7f, 0x85, 0xa0, 0xad, 0xef, 0x41].map(goQuoteByte)).toEqual([
      "'\\''",
      `'"'`,
      "'\\\\'",
      "'\\n'",
      "'\\x7f'",
      "'\\u0085'",
      "'\\u00a0'",
      "'\\u00ad'",
      "'ï'",
      "'A'",
    ]);
  });
});
