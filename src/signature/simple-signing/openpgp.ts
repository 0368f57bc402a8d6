/**
 * openpgp.js is ~17 MB and ~100 ms to import; `lint` and `explain` must not pay for it, so it is loaded on the first
 * signedBy signature and nowhere else. (The module cache makes later calls free; no state of ours is kept.)
 */
import type { Config } from 'openpgp';
import { LIMITS } from '../../limits.js';

export type OpenPGPModule = typeof import('openpgp');

export function loadOpenPGP(): Promise<OpenPGPModule> {
  return import('openpgp');
}

/**
 * Which algorithms we accept, chosen to give GnuPG 2.2/2.4's verdicts (what c/image's GPGME mechanism runs); see
 * docs/gpg-weak-algorithms.md for the reasoning. In short:
 *  - MD5 is rejected, as gpg does ("signatures using the MD5 algorithm are rejected"); SHA-1 and RIPEMD-160 data
 *    signatures are accepted, as gpg does (openpgp.js would reject them by default) — with a trace warning.
 *  - RSA keys from 1024 bits are accepted, as gpg does (openpgp.js: 2047); smaller ones are refused on purpose
 *    (RSA-768 was factored in 2009), a deliberate deviation from gpg.
 *  - DSA is accepted (gpg does; openpgp.js does not by default); ElGamal cannot sign in gpg either.
 *  - No curve is refused by name (gpg verifies secp256k1 signatures).
 *  - Digest lengths per key type cannot be set here; gpg's rules for them are in digest-length.ts.
 */
export function verificationConfig(openpgp: OpenPGPModule): Config {
  const { enums } = openpgp;
  // A fresh object per call on top of the library defaults: the global openpgp.config is never modified.
  return {
    ...openpgp.config,
    rejectHashAlgorithms: new Set([enums.hash.md5]),
    rejectMessageHashAlgorithms: new Set([enums.hash.md5]),
    rejectPublicKeyAlgorithms: new Set([enums.publicKey.elgamal]),
    rejectCurves: new Set(),
    minRSABits: MIN_RSA_BITS,
    // packet-structure.ts has already inflated every compressed packet within this bound; openpgp.js inflates again.
    maxDecompressedMessageSize: LIMITS.maxDecompressedSignatureBytes,
  };
}

export const MIN_RSA_BITS = 1024;
/** Below this, a key still verifies but we say so in the trace (NIST SP 800-131A: 2048-bit minimum since 2014). */
export const WEAK_RSA_BITS = 2048;
