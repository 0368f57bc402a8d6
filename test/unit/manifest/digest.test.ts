import { describe, expect, test } from '@jest/globals';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { manifestDigest, manifestMatchesDigest } from '../../../src/image/index.js';
import { validateDigest } from '../../../src/manifest/index.js';

/**
 * c/image strips JWS signatures only from what GuessMIMEType calls a signed schema-1 manifest. Anything looser lets
 * whoever serves the manifest choose the bytes we digest: `formatLength: 0` + `formatTail` = base64url(P) makes the
 * "stripped payload" P, so a signature over sha256(P) would appear to cover a manifest with other layers.
 */
const sha = (b: string | Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const chosen = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}';
const forged = (head: string) =>
  `{${head},"layers":[{"digest":"sha256:evil"}],"signatures":[{"protected":"${b64url(JSON.stringify({ formatLength: 0, formatTail: b64url(chosen) }))}"}]}`;

describe('manifest digest follows c/image GuessMIMEType', () => {
  const rows: [string, string][] = [
    ['a recognised OCI mediaType wins over schemaVersion 1', '"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":1'],
    ['a recognised Docker schema2 mediaType wins', '"mediaType":"application/vnd.docker.distribution.manifest.v2+json","schemaVersion":1'],
    ['schemaVersion 1.0 is not a Go int', '"schemaVersion":1.0'],
    ['schemaVersion 1e0 is not a Go int', '"schemaVersion":1e0'],
    ['a non-string mediaType is a type error', '"mediaType":7,"schemaVersion":1'],
    ['case-insensitive keys: a later SchemaVersion 2 wins', '"schemaVersion":1,"SchemaVersion":2'],
    ['schemaVersion "1" as a string is a type error', '"schemaVersion":"1"'],
  ];
  test.each(rows)('%s: plain sha256 of the bytes, the forged payload does not match', (_name, head) => {
    const m = new TextEncoder().encode(forged(head));
    expect(manifestDigest(m)).toBe(sha(m));
    expect(manifestMatchesDigest(m, sha(chosen))).toBe(false);
  });

  test('a real signed schema-1 manifest is digested without its signatures', () => {
    const body = '{\n   "schemaVersion": 1,\n   "name": "a/b",\n   "fsLayers": []';
    const tail = '\n}';
    // libtrust parses every block's header and JWK (c/image crashes on a block without one), so a real-shaped key.
    const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' });
    const sig = { header: { jwk, alg: 'ES256' }, protected: b64url(JSON.stringify({ formatLength: body.length, formatTail: b64url(tail) })), signature: 'x' };
    const signed = `${body},\n   "signatures": ${JSON.stringify([sig])}${tail}`;
    expect(manifestDigest(new TextEncoder().encode(signed))).toBe(sha(body + tail));
  });

  test('only sha256 digests can match', () => {
    const m = new TextEncoder().encode(chosen);
    expect(manifestMatchesDigest(m, sha(m))).toBe(true);
    expect(manifestMatchesDigest(m, 'sha512:' + createHash('sha512').update(m).digest('hex'))).toBe(false);
  });
});

describe('validateDigest = go-digest Validate (the algorithms Go provides)', () => {
  const hex = (n: number) => 'a'.repeat(n);
  test.each([
    { d: `sha256:${hex(64)}`, want: 'sha256' },
    { d: `sha384:${hex(96)}`, want: 'sha384' },
    { d: `sha512:${hex(128)}`, want: 'sha512' },
    { d: `sha256:${hex(63)}`, error: 'invalid checksum digest length' },
    { d: `sha256:${'A'.repeat(64)}`, error: 'invalid checksum digest format' },
    { d: `md5:${hex(32)}`, error: 'unsupported digest algorithm' },
    { d: 'sha256:', error: 'invalid checksum digest format' },
    { d: `:${hex(64)}`, error: 'invalid checksum digest format' },
    { d: hex(64), error: 'invalid checksum digest format' },
  ])('$d', ({ d, want, error }) => {
    if (error) expect(() => validateDigest(d, (m) => `invalid digest: ${m}`)).toThrow(`invalid digest: ${error}`);
    else expect(validateDigest(d, (m) => m)).toBe(want);
  });
});
