/**
 * Legacy EdDSA (Ed25519, public-key algorithm 22) data signatures over a digest shorter than 256 bits — SHA-1,
 * RIPEMD-160, SHA-224 — which gpg verifies and openpgp.js 6 refuses outright (see digest-length.ts). Only the
 * cryptographic step is ours: the signed bytes come from openpgp.js's own `toHash` (data ‖ hashed part ‖ trailer,
 * text signatures canonicalised as for every other signature), the Ed25519 check runs over the digest bytes as gpg
 * (libgcrypt) does, and every check openpgp.verify makes around its cryptographic step is made here in the same order
 * with the same messages (openpgp 6.3.2: SignaturePacket.verify, createVerificationObject). Failing closed: anything
 * unexpected in the packet or the key is a rejection.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import type { Config, PublicKey, SignaturePacket, Subkey } from 'openpgp';
import { NODE_HASH } from './digest-length.js';
import type { SignedMessageParts } from './message.js';
import type { OpenPGPModule } from './openpgp.js';

const SHORT_DIGESTS: ReadonlySet<number> = new Set([2, 3, 11]); // SHA-1, RIPEMD-160, SHA-224

/** A V4 Ed25519 data signature that openpgp.js would refuse for its digest length alone. */
export function isShortDigestEdDSA(openpgp: OpenPGPModule, packet: SignaturePacket): boolean {
  return (
    (packet as unknown as { version?: number }).version === 4 &&
    packet.publicKeyAlgorithm === openpgp.enums.publicKey.eddsaLegacy &&
    packet.hashAlgorithm !== null &&
    SHORT_DIGESTS.has(packet.hashAlgorithm)
  );
}

/** Parts of openpgp.js's SignaturePacket that its type declarations leave out. */
interface SignaturePacketInternals {
  params: { r?: unknown; s?: unknown } | Promise<{ r?: unknown; s?: unknown }>;
  toHash(signatureType: number, data: unknown, detached?: boolean): unknown;
}

/**
 * Verifies `packet` (one of isShortDigestEdDSA's) as openpgp.verify would if it accepted the digest; throws an Error
 * with openpgp.js's wording on failure, so the caller describes it like any other.
 */
export async function verifyShortDigestEdDSA(
  openpgp: OpenPGPModule,
  parts: SignedMessageParts,
  packet: SignaturePacket,
  primary: PublicKey,
  signing: PublicKey | Subkey,
  date: Date,
  config: Config,
): Promise<void> {
  const { enums } = openpgp;
  const internals = packet as unknown as SignaturePacketInternals;
  const signatureType = packet.signatureType;
  if (signatureType !== enums.signature.binary && signatureType !== enums.signature.text) {
    throw new Error(`Unsupported signature type ${signatureType ?? '?'} for an EdDSA signature over a short digest`);
  }
  if (!packet.issuerKeyID.equals(signing.getKeyID())) throw new Error('Signature was not issued by the given public key');
  if (packet.publicKeyAlgorithm !== signing.keyPacket.algorithm) {
    throw new Error('Public key algorithm used to sign signature does not match issuer key algorithm.');
  }

  const signed = internals.toHash(signatureType, literalDataPacket(openpgp, parts), false);
  const hash = NODE_HASH[packet.hashAlgorithm!];
  if (!(signed instanceof Uint8Array) || hash === undefined) throw new Error('Signature verification failed');
  const digest = createHash(hash).update(signed).digest();
  const prefix = packet.signedHashValue;
  if (!prefix || prefix[0] !== digest[0] || prefix[1] !== digest[1]) throw new Error('Signed digest did not match');
  if (!nodeVerify(null, digest, ed25519PublicKey(signing), await ed25519Signature(internals))) {
    throw new Error('Signature verification failed');
  }

  // SignaturePacket.verify, after the cryptographic check:
  if (packet.created && packet.created > date) throw new Error('Signature creation time is in the future');
  if (date >= packet.getExpirationTime()) throw new Error('Signature is expired');
  const hashName = String(enums.read(enums.hash, packet.hashAlgorithm!)).toUpperCase();
  if (config.rejectHashAlgorithms.has(packet.hashAlgorithm!)) throw new Error(`Insecure hash algorithm: ${hashName}`);
  if (config.rejectMessageHashAlgorithms.has(packet.hashAlgorithm!)) throw new Error(`Insecure message hash algorithm: ${hashName}`);
  for (const { type, critical } of packet.unknownSubpackets) {
    if (critical) throw new Error(`Unknown critical signature subpacket type ${type}`);
  }
  for (const { name, critical } of packet.rawNotations) {
    if (critical && !config.knownNotations.includes(name)) throw new Error(`Unknown critical notation: ${name}`);
  }
  if (packet.revocationKeyClass !== null) {
    throw new Error('This key is intended to be revoked with an authorized key, which OpenPGP.js does not support.');
  }

  // createVerificationObject, after SignaturePacket.verify:
  const created = packet.created;
  if (!created) throw new Error('Signature has no creation time');
  if (signing.getCreationTime() > created) throw new Error('Key is newer than the signature');
  try {
    await primary.getSigningKey(signing.getKeyID(), created, undefined, config);
  } catch (e) {
    if (config.allowInsecureVerificationWithReformattedKeys && /Signature creation time is in the future/.test((e as Error).message)) {
      await primary.getSigningKey(signing.getKeyID(), date, undefined, config);
    } else {
      throw e;
    }
  }
}

/** The literal data packet openpgp.verify hashes: the message's own, or (cleartext) one made from its text. */
function literalDataPacket(openpgp: OpenPGPModule, parts: SignedMessageParts): unknown {
  if (parts.cleartext) {
    const literal = new openpgp.LiteralDataPacket();
    // setText is declared private in the typings; it is what CleartextMessage.verify itself calls.
    (literal as unknown as { setText(text: string): void }).setText((parts.message as { getText(): string }).getText());
    return literal;
  }
  const literals = (parts.message as { packets: { filterByTag(...tags: number[]): unknown[] } }).packets.filterByTag(openpgp.enums.packet.literalData);
  if (literals.length !== 1) throw new Error('Can only verify message with one literal data packet.');
  return literals[0];
}

function ed25519PublicKey(signing: PublicKey | Subkey) {
  const { oid, Q } = signing.keyPacket.publicParams as { oid?: { getName(): string }; Q?: Uint8Array };
  // A legacy EdDSA point is 0x40 ‖ the 32-byte Ed25519 public key.
  if (oid?.getName() !== 'ed25519Legacy' || !(Q instanceof Uint8Array) || Q.length !== 33 || Q[0] !== 0x40) {
    throw new Error('Invalid EdDSA public key');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(Q.subarray(1)).toString('base64url') }, format: 'jwk' });
}

/** R ‖ S: each stored as an MPI, which drops leading zero bytes; openpgp.js and gpg left-pad them to 32 bytes. */
async function ed25519Signature(internals: SignaturePacketInternals): Promise<Buffer> {
  const { r, s } = await internals.params;
  if (!(r instanceof Uint8Array) || !(s instanceof Uint8Array) || r.length > 32 || s.length > 32) {
    throw new Error('Signature verification failed');
  }
  const rs = Buffer.alloc(64);
  rs.set(r, 32 - r.length);
  rs.set(s, 64 - s.length);
  return rs;
}
