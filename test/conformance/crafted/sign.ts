/**
 * Real signatures for the crafted documents: a fresh P-256 key per run (node:crypto), cosign simple-signing
 * payloads as c/image writes them, and libtrust-shaped schema-1 JWS blocks. Nothing here is mocked: c/image
 * verifies these with its own cryptography.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export const COSIGN_MT = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MT = 'application/vnd.dsse.envelope.v1+json';
export const SIG_ANN = 'dev.cosignproject.cosign/signature';

export interface Signer {
  publicKeyPEM: string;
  /** A cosign payload for (identity, digest), with a creator whose base64 contains `+` and `/`. */
  payload(identity: string, digest: string): Buffer;
  /** base64 (standard) of the ECDSA-SHA256 DER signature. */
  sign(data: Uint8Array): string;
  /** A JWK of another fresh key, for schema-1 headers. */
  jwk(): { kty: string; crv: string; x: string; y: string };
  /** A raw (r||s) ES256 signature, base64url, as libtrust writes it. */
  signJWS(data: Uint8Array): string;
}

export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyPEM: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    payload: (identity, digest) =>
      Buffer.from(
        JSON.stringify({
          critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
          // "~~~" and "???" base64-encode to "fn5+" and "Pz8/": every payload's base64 then has both + and /.
          optional: { creator: 'crafted ~~~ ??? documents' },
        }),
      ),
    sign: (data) => sign('sha256', data, privateKey).toString('base64'),
    jwk: () => {
      const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
      return { kty: k.kty, crv: k.crv, x: k.x, y: k.y };
    },
    signJWS: (data) => sign('sha256', data, { key: privateKey as KeyObject, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
  };
}

export const sha256hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
