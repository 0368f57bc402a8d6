import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { checkContentDigestHeader, signedDigest, verifyManifestDigest } from '../../../src/image/docker-digests.js';
import { parseDockerReference } from '../../../src/reference/docker-reference.js';
import { Trace } from '../../../src/trace.js';

const manifest = new TextEncoder().encode('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}');
const sha256 = (b: Uint8Array) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const other = 'sha256:' + 'a'.repeat(64);

describe('which digest the signatures are looked up for (c/image dockerImageSource.manifestDigest)', () => {
  test('a resolved list instance wins over everything', () => {
    const ref = parseDockerReference(`example.com/app@${other}`);
    expect(signedDigest(ref, manifest, 'sha256:' + 'b'.repeat(64))).toBe('sha256:' + 'b'.repeat(64));
  });
  test('a sha256 reference digest is used as written', () => {
    expect(signedDigest(parseDockerReference(`example.com/app@${other}`), manifest, undefined)).toBe(other);
  });
  test('a sha512 reference digest is not: the manifest is digested with sha256', () => {
    const ref = parseDockerReference(`example.com/app@sha512:${'c'.repeat(128)}`);
    expect(signedDigest(ref, manifest, undefined)).toBe(sha256(manifest));
  });
  test('a tag: the manifest as received, digested', () => {
    expect(signedDigest(parseDockerReference('example.com/app:v1'), manifest, undefined)).toBe(sha256(manifest));
  });
});

describe('a manifest read for a digest must be that digest (c/image UnparsedImage.Manifest)', () => {
  test('matching bytes pass', () => {
    expect(() => verifyManifestDigest(manifest, sha256(manifest))).not.toThrow();
  });
  test('other bytes are refused with c/image text', () => {
    expect(() => verifyManifestDigest(manifest, other)).toThrow(`Manifest does not match provided manifest digest ${other}`);
  });
});

describe('Docker-Content-Digest is compared but only recorded (c/image does not check it)', () => {
  test('a lying header leaves a warning, and no error', () => {
    const trace = new Trace();
    checkContentDigestHeader({ bytes: manifest, mimeType: 'x', dockerContentDigest: other }, trace);
    expect(trace.events).toEqual([expect.objectContaining({ level: 'warn', data: expect.objectContaining({ hint: 'docker-content-digest-mismatch', header: other }) })]);
  });
  test('a matching header, or a non-sha256 one, leaves nothing', () => {
    const trace = new Trace();
    checkContentDigestHeader({ bytes: manifest, mimeType: 'x', dockerContentDigest: sha256(manifest) }, trace);
    checkContentDigestHeader({ bytes: manifest, mimeType: 'x', dockerContentDigest: `sha512:${'d'.repeat(128)}` }, trace);
    expect(trace.events).toEqual([]);
  });
});
