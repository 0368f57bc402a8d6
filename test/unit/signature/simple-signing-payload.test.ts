import { describe, expect, test } from '@jest/globals';
import { InvalidSignatureError } from '../../../src/errors.js';
import { goDigestError, goJSONSyntaxError, parseSignaturePayload } from '../../../src/signature/payload.js';

const D = 'sha256:' + 'a'.repeat(64);
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
/** A valid payload with pieces replaced: critical members, optional object text. */
function doc(opts: { type?: string; image?: string; identity?: string; optional?: string; extraCritical?: string; extraTop?: string } = {}): string {
  const type = opts.type ?? '"atomic container signature"';
  const image = opts.image ?? `{"docker-manifest-digest":"${D}"}`;
  const identity = opts.identity ?? '{"docker-reference":"example.com/a:b"}';
  const optional = opts.optional ?? '{"creator":"c","timestamp":1}';
  return `{"critical":{"type":${type},"image":${image},"identity":${identity}${opts.extraCritical ?? ''}},"optional":${optional}${opts.extraTop ?? ''}}`;
}

describe('parseSignaturePayload (simple-signing): accepted inputs', () => {
  const ok: [string, string, Record<string, unknown>][] = [
    ['baseline', doc(), { dockerReference: 'example.com/a:b', manifestDigest: D, creator: 'c', timestamp: 1 }],
    ['empty optional', doc({ optional: '{}' }), { dockerReference: 'example.com/a:b', manifestDigest: D }],
    ['unknown optional members are ignored', doc({ optional: '{"x":[1,{"y":null}],"creator":"c"}' }), { creator: 'c' }],
    ['timestamp null decodes as 0', doc({ optional: '{"timestamp":null}' }), { timestamp: 0 }],
    ['creator null decodes as ""', doc({ optional: '{"creator":null}' }), { creator: '' }],
    ['exponent timestamp', doc({ optional: '{"timestamp":1e3}' }), { timestamp: 1000 }],
    ['negative timestamp', doc({ optional: '{"timestamp":-5}' }), { timestamp: -5 }],
    ['integral float', doc({ optional: '{"timestamp":1464398954.0}' }), { timestamp: 1464398954 }],
    ['docker-reference null', doc({ identity: '{"docker-reference":null}' }), { dockerReference: '' }],
    ['sha512 digest passes parsing', doc({ image: `{"docker-manifest-digest":"sha512:${'b'.repeat(128)}"}` }), { manifestDigest: 'sha512:' + 'b'.repeat(128) }],
    ['escaped keys compare after unescaping', doc().replace('"critical"', '"crit\\u0069cal"'), { manifestDigest: D }],
    ['whitespace around', ` \n${doc()}\t`, { manifestDigest: D }],
    ['lone surrogate becomes U+FFFD', doc({ identity: '{"docker-reference":"a\\ud800b"}' }), { dockerReference: 'a\ufffdb' }],
    ['invalid UTF-8 byte becomes U+FFFD', doc({ identity: '{"docker-reference":"a\xffb"}' }), { dockerReference: 'a\ufffdb' }],
  ];
  test.each(ok)('%s', (_name, json, expected) => {
    const bytes = _name.startsWith('invalid UTF-8') ? new Uint8Array(Buffer.from(json, 'latin1')) : enc(json);
    expect(parseSignaturePayload(bytes, 'simple-signing')).toMatchObject(expected);
  });
});

describe('parseSignaturePayload (simple-signing): rejections with c/image messages', () => {
  const bad: [string, string, string][] = [
    ['not JSON', 'This is not JSON\n', "invalid character 'T' looking for beginning of value"],
    ['empty', '', 'unexpected end of JSON input'],
    ['trailing data', doc() + 'x', "invalid character 'x' after top-level value"],
    ['trailing comma', '{"critical":{},}', "invalid character '}' looking for beginning of object key string"],
    ['not an object (array)', '[]', 'JSON object expected, got 91'],
    ['not an object (number)', '1', 'JSON object expected, got 1'],
    ['not an object (string)', '"x"', 'JSON object expected, got "x"'],
    ['top-level null', 'null', 'JSON object expected, got <nil>'],
    ['missing critical', '{"optional":{}}', 'Key "critical" missing in a JSON object'],
    ['missing optional', `{"critical":${doc().slice(12, doc().indexOf(',"optional"'))}}`, 'Key "optional" missing in a JSON object'],
    ['extra top-level key', doc({ extraTop: ',"unexpected":1' }), 'Unknown key "unexpected"'],
    ['duplicate top-level key', doc({ extraTop: ',"optional":{}' }), 'Duplicate key "optional"'],
    ['optional null (simple signing differs from sigstore)', doc({ optional: 'null' }), 'JSON object expected, got <nil>'],
    ['optional not an object', doc({ optional: '1' }), 'JSON object expected, got 1'],
    ['creator not a string', doc({ optional: '{"creator":1}' }), 'json: cannot unmarshal number into Go value of type string'],
    ['timestamp a string', doc({ optional: '{"timestamp":"1"}' }), 'json: cannot unmarshal string into Go value of type float64'],
    ['fractional timestamp', doc({ optional: '{"timestamp":0.5}' }), 'Field optional.timestamp is not an integer'],
    ['timestamp beyond int64', doc({ optional: '{"timestamp":1e19}' }), 'Field optional.timestamp is not an integer'],
    ['float64 overflow in an ignored member', doc({ optional: '{"x":[1e400]}' }), 'json: cannot unmarshal number 1e400 into Go value of type float64'],
    ['duplicate optional key', doc({ optional: '{"creator":"a","creator":"b"}' }), 'Duplicate key "creator"'],
    ['optional errors come before critical errors', doc({ optional: '{"timestamp":0.5}', type: '"x"' }), 'Field optional.timestamp is not an integer'],
    ['critical not an object', '{"critical":1,"optional":{}}', 'JSON object expected, got 1'],
    ['extra critical member', doc({ extraCritical: ',"unexpected":1' }), 'Unknown key "unexpected"'],
    ['duplicate critical member', doc({ extraCritical: ',"type":"atomic container signature"' }), 'Duplicate key "type"'],
    ['wrong type', doc({ type: '"cosign container image signature"' }), 'Unrecognized signature type cosign container image signature'],
    ['type null', doc({ type: 'null' }), 'Unrecognized signature type '],
    ['type a number', doc({ type: '1' }), 'json: cannot unmarshal number into Go value of type string'],
    ['image not an object', doc({ image: '1' }), 'JSON object expected, got 1'],
    ['image missing digest', doc({ image: '{}' }), 'Key "docker-manifest-digest" missing in a JSON object'],
    ['image extra member', doc({ image: `{"docker-manifest-digest":"${D}","x":1}` }), 'Unknown key "x"'],
    ['digest a number', doc({ image: '{"docker-manifest-digest":1}' }), 'json: cannot unmarshal number into Go value of type string'],
    ['digest path traversal', doc({ image: '{"docker-manifest-digest":"sha256:../.."}' }), 'invalid docker-manifest-digest value "sha256:../..": invalid checksum digest length'],
    ['digest unsupported algorithm', doc({ image: `{"docker-manifest-digest":"md5:${'0'.repeat(32)}"}` }), `invalid docker-manifest-digest value "md5:${'0'.repeat(32)}": unsupported digest algorithm`],
    ['digest upper-case hex', doc({ image: `{"docker-manifest-digest":"sha256:${'A'.repeat(64)}"}` }), `invalid docker-manifest-digest value "sha256:${'A'.repeat(64)}": invalid checksum digest format`],
    ['identity not an object', doc({ identity: '"x"' }), 'JSON object expected, got "x"'],
    ['identity missing reference', doc({ identity: '{}' }), 'Key "docker-reference" missing in a JSON object'],
    ['identity reference a number', doc({ identity: '{"docker-reference":1}' }), 'json: cannot unmarshal number into Go value of type string'],
    ['identity extra member', doc({ identity: '{"docker-reference":"a","x":1}' }), 'Unknown key "x"'],
  ];
  test.each(bad)('%s', (_name, json, message) => {
    let err: unknown;
    try {
      parseSignaturePayload(enc(json), 'simple-signing');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidSignatureError);
    expect((err as Error).message).toBe(message);
  });
});

describe('parseSignaturePayload (sigstore variant)', () => {
  const sig = (optional: string) => doc({ type: '"cosign container image signature"', optional });
  test('optional: null is accepted', () => {
    expect(parseSignaturePayload(enc(sig('null')), 'sigstore')).toEqual({ dockerReference: 'example.com/a:b', manifestDigest: D });
  });
  test('atomic type is rejected', () => {
    expect(() => parseSignaturePayload(enc(doc()), 'sigstore')).toThrow('Unrecognized signature type atomic container signature');
  });
  test('optional must otherwise be an object', () => {
    expect(() => parseSignaturePayload(enc(sig('[]')), 'sigstore')).toThrow('JSON object expected, got 91');
  });
});

describe('Go JSON scanner messages', () => {
  const cases: [string, string | null][] = [
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":01}', "invalid character '1' after object key:value pair"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['[1 2]', "invalid character '2' after array element"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['-x', "invalid character 'x' in numeric literal"],
    ["'", "invalid character '\\'' looking for beginning of value"],
    ['{"a":1', 'unexpected end of JSON input'],
    ['{"a":[1,{"b":null}],"c":-0.5e+3}', null],
  ];
  test.each(cases)('%s', (json, message) => {
    expect(goJSONSyntaxError(enc(json))).toBe(message);
  });
});

describe('goDigestError', () => {
  test.each([
    ['sha256:' + 'a'.repeat(64), null],
    ['sha384:' + 'a'.repeat(96), null],
    ['sha256', 'invalid checksum digest format'],
    [':abc', 'invalid checksum digest format'],
    ['sha256:', 'invalid checksum digest format'],
    ['sha256:abc', 'invalid checksum digest length'],
    ['foo:bar', 'unsupported digest algorithm'],
    ['Foo:bar', 'invalid checksum digest format'],
  ] as [string, string | null][])('%s', (d, e) => {
    expect(goDigestError(d)).toBe(e);
  });
});
