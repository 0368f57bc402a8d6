import { createHash, createPublicKey, verify as nodeVerify, constants } from 'node:crypto';
import type { Config, PublicKey, Subkey } from 'openpgp';
import { EvaluationError, InvalidSignatureError } from '../../errors.js';
import type { Keyring } from './keys.js';
import { dsaDigestLengthRefusal, NODE_HASH } from './digest-length.js';
import { isShortDigestEdDSA, verifyShortDigestEdDSA } from './eddsa-short-digest.js';
import { readSignedMessage, type SignatureEntry, type V3Signature } from './message.js';
import { examinePacketStructure } from './packet-structure.js';
import { WEAK_RSA_BITS, verificationConfig, type OpenPGPModule } from './openpgp.js';

/** What GPGME's Verify hands c/image on success, plus facts for explanations. */
export interface GPGVerification {
  readonly content: Uint8Array;
  /** Fingerprint of the key that made the signature (a subkey or the primary key), upper-case hex. */
  readonly signingKeyFingerprint: string;
  /** Fingerprint of its primary key, upper-case hex. */
  readonly primaryKeyFingerprint: string;
  readonly hashAlgorithm: string;
  /** Human-readable notes on weak-but-accepted algorithms (SHA-1, RSA < 2048 …), for trace warnings. */
  readonly weaknesses: readonly string[];
}

/**
 * c/image gpgmeSigningMechanism.Verify, with GPGME's rules re-created on openpgp.js:
 *  - the message must carry exactly one signature (`Unexpected GPG signature count %d`);
 *  - the signature must be valid, by a key in the private keyring, not expired, by a (sub)key that is neither revoked
 *    nor expired *now* and may sign. gpg judges revocation and key expiry at the present time, whereas openpgp.js
 *    judges the key at the signature's creation time; we check both, which gives gpg's verdicts.
 * Failures of the signature itself are InvalidSignatureError(`Invalid GPG signature: …`). c/image prints a Go struct
 * dump of GPGME's signature status there (`%#v` of gpgme.Signature) which is neither stable nor readable; we print a
 * sentence instead — the class and the prefix are the same, the tail is deliberately ours.
 * Input that is not a signed OpenPGP message at all fails with a plain error, as GPGME's verify call itself fails.
 */
export async function verifyGPGMessage(
  openpgp: OpenPGPModule,
  blob: Uint8Array,
  keyring: Keyring,
  now: Date,
): Promise<GPGVerification> {
  const parts = await readSignedMessage(openpgp, await signedMessageAsGPGSeesIt(openpgp, blob));
  if (parts.signatures.length === 0) {
    // gpg reports NODATA and GPGME fails the verify call with gpg-error's "No data": a plain error (skopeo 1.18 says
    // exactly this for a literal-data packet without a signature).
    if (parts.literalCount > 0) throw new EvaluationError('No data');
    throw new EvaluationError('Error verifying the OpenPGP signature: no signature found (the input is not a signature)');
  }
  // A signature without signed data (a detached signature): GPGME verifies nothing and reports no signature.
  if (parts.literalCount === 0) throw new InvalidSignatureError('Unexpected GPG signature count 0');
  if (parts.signatures.length !== 1) {
    throw new InvalidSignatureError(`Unexpected GPG signature count ${parts.signatures.length}`);
  }
  if (parts.content === undefined) {
    throw new EvaluationError(`Error verifying the OpenPGP signature: expected one literal data packet, found ${parts.literalCount}`);
  }
  const entry = parts.signatures[0]!;
  const config = verificationConfig(openpgp);
  if (entry.kind === 'unsupported') {
    throw invalid(`unsupported signature packet version ${entry.version ?? '(empty packet)'}`);
  }

  const keyID = entry.kind === 'v4' ? entry.packet.issuerKeyID.toHex().toUpperCase() : entry.packet.issuerKeyID;
  const found = findSigningKey(keyring.keys, keyID);
  if (!found) throw invalid(`no public key for key ID ${keyID} in the configured keys (GPG: NO_PUBKEY)`);
  const { primary, signing } = found;

  let hashAlgorithm: number;
  if (entry.kind === 'v4') {
    hashAlgorithm = entry.packet.hashAlgorithm ?? 0;
    const refusal = dsaDigestLengthRefusal(openpgp, signing, hashAlgorithm, hashAlgorithmName(openpgp, hashAlgorithm));
    if (refusal) throw invalid(refusal);
    // gpg does not refuse a signature dated in the future (it checks the key at the present time, below), while
    // openpgp.js refuses one made after `date`: so a future-dated signature is verified as of its own date.
    const created = entry.packet.created;
    const date = created && created.getTime() > now.getTime() ? created : now;
    let verified: Promise<unknown>;
    if (isShortDigestEdDSA(openpgp, entry.packet)) {
      verified = verifyShortDigestEdDSA(openpgp, parts, entry.packet, primary, signing, date, config);
    } else {
      let result: Awaited<ReturnType<OpenPGPModule['verify']>>;
      try {
        result = await openpgp.verify({
          message: parts.message as never,
          verificationKeys: keyring.keys,
          date,
          format: (parts.cleartext ? 'utf8' : 'binary') as 'binary',
          config,
        });
      } catch (e) {
        throw new EvaluationError(`Error verifying the OpenPGP signature: ${(e as Error).message}`);
      }
      const v = result.signatures[0];
      if (!v) throw invalid(`signature by key ${keyID} is not a signature over data (type 0x${entry.packet.signatureType?.toString(16) ?? '?'})`);
      verified = v.verified;
    }
    try {
      await verified;
    } catch (e) {
      throw invalid(describeFailure(openpgp, e, keyID, entry));
    }
  } else {
    hashAlgorithm = entry.packet.hashAlgorithm;
    await verifyV3(openpgp, entry.packet, parts.content, primary, signing, config);
  }

  // gpg's present-time view of the key: revoked or expired (sub)keys fail even for old signatures.
  try {
    await primary.getSigningKey(signing.getKeyID(), now, undefined, config);
  } catch (e) {
    throw invalid(describeFailure(openpgp, e, keyID, entry));
  }

  const hashName = hashAlgorithmName(openpgp, hashAlgorithm);
  const weaknesses: string[] = [];
  if (hashName === 'SHA1' || hashName === 'RIPEMD160') weaknesses.push(`signature uses the weak ${hashName} hash algorithm`);
  const info = signing.getAlgorithmInfo();
  if (info.bits !== undefined && info.bits < WEAK_RSA_BITS) {
    weaknesses.push(`signing key ${signing.getFingerprint().toUpperCase()} is ${info.algorithm} with only ${info.bits} bits`);
  }
  return {
    content: parts.content,
    signingKeyFingerprint: signing.getFingerprint().toUpperCase(),
    primaryKeyFingerprint: primary.getFingerprint().toUpperCase(),
    hashAlgorithm: hashName,
    weaknesses,
  };
}

/**
 * gpg's packet-sequence rules (packet-structure.ts): the message openpgp.js should verify — the one-pass signed
 * sequence gpg verifies, when the input wraps it in packets gpg steps over, else the input itself — or gpg's refusal
 * worded as c/image reports it: GPGME's own errors (`No data`, `Bad data`) as they are, a run without any signature
 * status as the count c/image then finds (0), and a signature gpg could not check as an invalid signature.
 * A cleartext-signed message has no packets around its data to check.
 */
async function signedMessageAsGPGSeesIt(openpgp: OpenPGPModule, blob: Uint8Array): Promise<Uint8Array> {
  const head = Buffer.from(blob.subarray(0, 64)).toString('latin1').trimStart();
  if (head.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return blob;
  let bytes = blob;
  if (head.startsWith('-----BEGIN PGP MESSAGE-----')) {
    try {
      bytes = (await openpgp.unarmor(Buffer.from(blob).toString('utf8'))).data as Uint8Array;
    } catch {
      return blob; // readSignedMessage reports armour that does not decode
    }
  }
  const { refusal, signedMessage } = examinePacketStructure(bytes);
  if (!refusal) return signedMessage ?? blob;
  switch (refusal.kind) {
    case 'no-data':
      throw new EvaluationError('No data');
    case 'bad-data':
      throw new EvaluationError('Bad data');
    case 'no-signature-status':
      throw new InvalidSignatureError('Unexpected GPG signature count 0');
    case 'hash-not-announced': {
      const announced = refusal.announced.map((h: number) => hashAlgorithmName(openpgp, h)).join(', ');
      throw invalid(
        `the signature uses the ${hashAlgorithmName(openpgp, refusal.signatureHash)} hash algorithm but its one-pass signature packet announced ${announced} (gpg hashes the data only with the announced algorithms)`,
      );
    }
    case 'unsupported-compression':
      // gpg knows uncompressed, ZIP, ZLIB and BZIP2 (all checked here); GPGME reports anything else with this error.
      throw new EvaluationError('Unknown compression algorithm');
    case 'decompressed-too-large':
      throw new EvaluationError(`signature decompresses to more than ${refusal.limit} bytes, assuming that's unreasonable`);
  }
}

function invalid(description: string): InvalidSignatureError {
  return new InvalidSignatureError(`Invalid GPG signature: ${description}`);
}

/** The same lookup openpgp.js (and gpg) does: the first key that has a (sub)key with this key ID. */
function findSigningKey(keys: readonly PublicKey[], keyID: string): { primary: PublicKey; signing: PublicKey | Subkey } | undefined {
  for (const primary of keys) {
    for (const k of [primary, ...primary.subkeys]) {
      if (k.getKeyID().toHex().toUpperCase() === keyID) return { primary, signing: k };
    }
  }
  return undefined;
}

/** Turns openpgp.js's failure into a sentence a user can act on (pinned to openpgp 6.3.2's messages; tested). */
function describeFailure(openpgp: OpenPGPModule, e: unknown, keyID: string, entry: SignatureEntry): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/Signed digest did not match|Signature verification failed|digest prefix/i.test(message)) {
    return `BAD signature by key ${keyID}: the signed data or the signature has been modified`;
  }
  if (/Signature is expired/.test(message)) {
    const expiry = entry.kind === 'v4' ? entry.packet.getExpirationTime() : Infinity;
    const when = expiry instanceof Date ? ` on ${expiry.toISOString()}` : '';
    return `signature by key ${keyID} expired${when}`;
  }
  const reason = message.split(': ').pop();
  if (/revoked/i.test(message)) return `signing key ${keyID} or its primary key has been revoked (${reason})`;
  if (/expired/i.test(message)) return `signing key ${keyID} or its primary key has expired (${reason})`;
  const weakHash = /Insecure (?:message )?hash algorithm: (\w+)/.exec(message);
  if (weakHash) return `signature by key ${keyID} uses the ${weakHash[1]} hash algorithm, which is rejected as insecure`;
  if (/too weak|not supported|is not allowed/i.test(message)) return `key ${keyID} uses an algorithm or key size that is refused: ${message}`;
  if (/creation time is in the future/.test(message)) return `signature by key ${keyID} claims to be made in the future`;
  void openpgp;
  return `signature by key ${keyID} could not be verified: ${message}`;
}

function hashAlgorithmName(openpgp: OpenPGPModule, id: number): string {
  let name: string | undefined;
  try {
    name = openpgp.enums.read(openpgp.enums.hash, id) as string | undefined;
  } catch {
    // openpgp.js throws on an ID it does not know (a crafted one-pass packet can name any byte)
  }
  if (name === undefined) return `hash algorithm ${id}`;
  return name === 'ripemd' ? 'RIPEMD160' : name.toUpperCase();
}

/**
 * V3 signatures (RFC 4880 §5.2.2): hash(data ‖ type ‖ creation time), RSA PKCS#1 v1.5. openpgp.js 6 dropped them, but
 * gpg verifies them and c/image's fixtures include them, so we check them with node:crypto — only RSA, the only
 * algorithm such signatures were made with in practice — and then apply the same key checks as for V4.
 */
async function verifyV3(
  openpgp: OpenPGPModule,
  sig: V3Signature,
  content: Uint8Array,
  primary: PublicKey,
  signing: PublicKey | Subkey,
  config: Config,
): Promise<void> {
  const id = sig.issuerKeyID;
  if (sig.signatureType !== 0x00 && sig.signatureType !== 0x01) {
    throw invalid(`signature by key ${id} is not a signature over data (type 0x${sig.signatureType.toString(16)})`);
  }
  if (config.rejectHashAlgorithms.has(sig.hashAlgorithm)) {
    throw invalid(`signature by key ${id} uses the ${hashAlgorithmName(openpgp, sig.hashAlgorithm)} hash algorithm, which is rejected as insecure`);
  }
  const hash = NODE_HASH[sig.hashAlgorithm];
  const { rsaEncryptSign, rsaSign } = openpgp.enums.publicKey;
  const keyAlgorithm = signing.keyPacket.algorithm as number;
  if (hash === undefined || (sig.publicKeyAlgorithm !== rsaEncryptSign && sig.publicKeyAlgorithm !== rsaSign) || sig.mpis.length !== 1) {
    throw invalid(`signature by key ${id}: unsupported V3 signature (public-key algorithm ${sig.publicKeyAlgorithm}, hash ${sig.hashAlgorithm})`);
  }
  if (keyAlgorithm !== rsaEncryptSign && keyAlgorithm !== rsaSign) {
    throw invalid(`BAD signature by key ${id}: RSA signature made with a non-RSA key`);
  }
  const data = Buffer.concat([sig.signatureType === 0x01 ? canonicalLineEndings(content) : content, sig.hashedMaterial]);
  const digest = createHash(hash).update(data).digest();
  const params = signing.keyPacket.publicParams as { n: Uint8Array; e: Uint8Array };
  const key = createPublicKey({
    key: { kty: 'RSA', n: Buffer.from(params.n).toString('base64url'), e: Buffer.from(params.e).toString('base64url') },
    format: 'jwk',
  });
  // An MPI drops leading zero bytes; PKCS#1 verification wants the full modulus length.
  const s = Buffer.alloc(Math.max(params.n.length, sig.mpis[0]!.length));
  s.set(sig.mpis[0]!, s.length - sig.mpis[0]!.length);
  const ok =
    digest[0] === sig.signedHashPrefix[0] &&
    digest[1] === sig.signedHashPrefix[1] &&
    nodeVerify(hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, s);
  if (!ok) throw invalid(`BAD signature by key ${id}: the signed data or the signature has been modified`);
  if (signing.getCreationTime() > sig.created) throw invalid(`signature by key ${id} is older than the key (GPG: time conflict)`);
  // The key must have been valid (not revoked/expired, allowed to sign) when it signed, as openpgp.js checks for V4.
  try {
    await primary.getSigningKey(signing.getKeyID(), sig.created, undefined, config);
  } catch (e) {
    throw invalid(describeFailure(openpgp, e, id, { kind: 'v3', packet: sig }));
  }
}

function canonicalLineEndings(content: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(content).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
