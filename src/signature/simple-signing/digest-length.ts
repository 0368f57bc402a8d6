/**
 * Which digest lengths gpg (2.2, what c/image's GPGME runs) accepts per signing algorithm, where it differs from
 * openpgp.js 6.3:
 *  - DSA and ECDSA: gpg's encode_md_value (g10/seskey.c), used for verifying too, refuses a digest shorter than the
 *    key's q (ECDSA: the curve size, P-521 counted as 512 bits), a q under 160 bits and a q that is not a whole number
 *    of bytes. openpgp.js verifies such signatures (ECDSA P-256 over SHA-1, P-384 over SHA-256 …), so we refuse them.
 *  - EdDSA (legacy Ed25519, algorithm 22): gpg signs the digest itself with Ed25519 whatever its length, so SHA-1,
 *    RIPEMD-160 and SHA-224 signatures verify. openpgp.js refuses any digest under 256 bits ("Hash algorithm too weak
 *    for EdDSA.") with no setting to change it, so those are verified by eddsa-short-digest.ts instead.
 * Both were checked against skopeo 1.18 (test/conformance/crafted-certificates.test.ts, the gpg-ed25519-* and
 * gpg-ecdsa-* / gpg-dsa-* cases).
 */
import type { PublicKey, Subkey } from 'openpgp';
import type { OpenPGPModule } from './openpgp.js';

/** Digest length in bytes of the OpenPGP hash algorithms gpg 2.2 knows (RFC 4880 §9.4). */
const DIGEST_BYTES: Readonly<Record<number, number>> = { 1: 16, 2: 20, 3: 20, 8: 32, 9: 48, 10: 64, 11: 28 };

/** node:crypto's names for them (MD5 only so that V3 signatures can say what they use). */
export const NODE_HASH: Readonly<Record<number, string>> = { 1: 'md5', 2: 'sha1', 3: 'ripemd160', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

export function digestBytes(hashAlgorithm: number): number | undefined {
  return DIGEST_BYTES[hashAlgorithm];
}

/**
 * gpg's refusal of a DSA/ECDSA signature because of its digest length, in gpg's words (`%s key %s requires a %zu bit
 * or larger hash (hash is %s)`); undefined when gpg would go on to check the signature.
 */
export function dsaDigestLengthRefusal(
  openpgp: OpenPGPModule,
  signing: PublicKey | Subkey,
  hashAlgorithm: number,
  hashName: string,
): string | undefined {
  const { dsa, ecdsa } = openpgp.enums.publicKey;
  const algorithm = signing.keyPacket.algorithm as number;
  if (algorithm !== dsa && algorithm !== ecdsa) return undefined;
  const params = signing.keyPacket.publicParams as { q?: Uint8Array; Q?: Uint8Array };
  const label = algorithm === dsa ? 'DSA' : 'ECDSA';
  const keyID = signing.getKeyID().toHex().toUpperCase();
  let qbits: number;
  if (algorithm === dsa) {
    if (!(params.q instanceof Uint8Array)) return `DSA key ${keyID} has no q parameter`;
    qbits = bitLength(params.q);
  } else {
    // gpg derives q's size from the SEC1 point 04 ‖ x ‖ y: half its length in bits, without the 04 byte.
    if (!(params.Q instanceof Uint8Array) || params.Q.length < 3) return `ECDSA key ${keyID} has no public point`;
    qbits = Math.min((params.Q.length - 1) * 4, 512);
  }
  if (qbits % 8 !== 0) return `DSA: q is not a multiple of 8 bits (key ${keyID})`;
  if (qbits < 160) return `DSA: q is too short (key ${keyID})`;
  const mdlen = digestBytes(hashAlgorithm);
  if (mdlen === undefined) return undefined; // an unknown hash fails verification anyway
  if (mdlen < qbits / 8) return `${label} key ${keyID} requires a ${qbits} bit or larger hash (hash is ${hashName})`;
  return undefined;
}

function bitLength(bigEndian: Uint8Array): number {
  let i = 0;
  while (i < bigEndian.length && bigEndian[i] === 0) i++;
  if (i === bigEndian.length) return 0;
  return (bigEndian.length - i - 1) * 8 + (32 - Math.clz32(bigEndian[i]!));
}
