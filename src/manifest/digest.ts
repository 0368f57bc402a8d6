import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { guessMIMEType } from './guess.js';
import { DOCKER_SCHEMA1_SIGNED } from './media-types.js';
import { schema1SignedPayload } from './schema1.js';

/**
 * c/image manifest.Digest: SHA-256 of the manifest bytes, except that a *signed* Docker schema-1 manifest (as
 * GuessMIMEType alone decides) is digested without its JWS signatures. Only sha256 is ever produced, which is why a
 * signature claiming a sha512 digest can never match (spec §6.3). Throws libtrust's errors (Schema1SignatureError).
 */
export function manifestDigest(manifest: Uint8Array): string {
  const bytes = guessMIMEType(manifest) === DOCKER_SCHEMA1_SIGNED ? schema1SignedPayload(manifest) : manifest;
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

/** c/image MatchesDigest: does `expected` name this manifest? Any other algorithm simply does not match. */
export function manifestMatchesDigest(manifest: Uint8Array, expected: string): boolean {
  return manifestDigest(manifest) === expected;
}

/** go-digest Validate for the algorithms Go's crypto provides; returns the node hash name. */
export function validateDigest(d: string, wrap: (msg: string) => string): 'sha256' | 'sha384' | 'sha512' {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) throw new ImageSourceError(wrap('invalid checksum digest format'));
  const alg = d.slice(0, i);
  const hex = d.slice(i + 1);
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  const want = lengths[alg];
  if (want === undefined) throw new ImageSourceError(wrap('unsupported digest algorithm'));
  if (hex.length !== want) throw new ImageSourceError(wrap('invalid checksum digest length'));
  if (!/^[a-f0-9]+$/.test(hex)) throw new ImageSourceError(wrap('invalid checksum digest format'));
  return alg as 'sha256' | 'sha384' | 'sha512';
}
