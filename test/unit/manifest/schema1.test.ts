import { describe, expect, test } from '@jest/globals';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { joseBase64UrlDecode, manifestDigest } from '../../../src/manifest/index.js';

/**
 * libtrust ParsePrettySignature as c/image's manifest.Digest runs it (issue 19 rows 6 and 7): strict base64url,
 * every JWK parsed, libtrust's texts. The crafted-documents suite runs the same variants against skopeo 1.18.
 */
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const body = '{\n   "schemaVersion": 1,\n   "name": "a/b",\n   "fsLayers": []';
const jwk = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' });

function signed(opts: { tail?: Buffer; tailText?: string; protectedText?: string; jwk?: unknown } = {}): Buffer {
  const tail = opts.tail ?? Buffer.from('\n}');
  const prot = opts.protectedText ?? b64url(JSON.stringify({ formatLength: body.length, formatTail: opts.tailText ?? b64url(tail) }));
  const sig = { header: { jwk: 'jwk' in opts ? opts.jwk : jwk(), alg: 'ES256' }, signature: 'x', protected: prot };
  return Buffer.from(`${body},\n   "signatures": ${JSON.stringify([sig])}\n}`);
}

describe('schema-1 digests (libtrust)', () => {
  test('the payload is content[:formatLength] + formatTail', () => {
    expect(manifestDigest(signed())).toBe(sha(body + '\n}'));
  });

  test('row 6: a formatTail in the standard alphabet is refused', () => {
    const tail = Buffer.from([0x0a, 0x7d, 0xfb, 0xef, 0xff]);
    expect(manifestDigest(signed({ tail }))).toBe(sha(Buffer.concat([Buffer.from(body), tail])));
    const std = tail.toString('base64').replace(/=+$/, '');
    expect(std).toMatch(/[+/]/);
    expect(() => manifestDigest(signed({ tail, tailText: std }))).toThrow('base64 decode error on tail: illegal base64 data at input byte 5');
  });

  test('row 7: a JWK whose x coordinate is 1 octet', () => {
    expect(() => manifestDigest(signed({ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }))).toThrow(
      'error unmarshalling public key: JWK EC Public Key x-coordinate: invalid number of octets: got 1, should be 32',
    );
  });

  test.each([
    [{ kty: 'EC', crv: 'P-999', x: 'AA', y: 'AA' }, 'error unmarshalling public key: JWK EC Public Key curve identifier not supported: "P-999"\n'],
    [{ kty: 'oct' }, 'error unmarshalling public key: JWK Public Key type not supported: "oct"\n'],
    [null, 'error unmarshalling public key: JWK Public Key type: "kty" value not specified'],
    [{ kty: 5 }, 'error unmarshalling public key: JWK Public Key type: "kty" value must be a string'],
  ])('JWK %j', (key, message) => {
    expect(() => manifestDigest(signed({ jwk: key }))).toThrow(message);
  });

  test('protected header: len % 4 == 1 and non-JSON', () => {
    expect(() => manifestDigest(signed({ protectedText: 'AAAAA' }))).toThrow('base64 decode error: illegal base64url string');
    expect(() => manifestDigest(signed({ protectedText: b64url('nope') }))).toThrow("error unmarshalling protected header: invalid character 'o' in literal null (expecting 'u')");
  });

  test('joseBase64UrlDecode: padding re-added by length, URL alphabet only, CR/LF skipped as by Go', () => {
    expect(Buffer.from(joseBase64UrlDecode('aGk')).toString()).toBe('hi');
    expect(Buffer.from(joseBase64UrlDecode('aGk=')).toString()).toBe('hi');
    expect(() => joseBase64UrlDecode('a')).toThrow('illegal base64url string');
    expect(() => joseBase64UrlDecode('+/8')).toThrow('illegal base64 data at input byte 0');
  });

  test('"Signatures" makes GuessMIMEType say signed, but libtrust looks up "signatures" exactly', () => {
    const doc = Buffer.from(signed().toString().replace('"signatures"', '"Signatures"'));
    expect(() => manifestDigest(doc)).toThrow('missing signature key');
  });
});
