/**
 * Public keys as sigstore's `cryptoutils.UnmarshalPEMToPublicKey` + Go's `x509.ParsePKIXPublicKey` see them, and
 * the payload verifiers of sigstore's `signature.LoadVerifier(key, SHA-256)`.
 *
 * Which keys are accepted is a security decision mirrored from c/image, not from OpenSSL: OpenSSL would happily
 * load secp256k1, Ed448, RSA-PSS-only keys or compressed EC points that Go refuses, and a policy that CRI-O treats
 * as broken must not verify here. DSA and X25519 keys parse (as in Go) but cannot verify ("unsupported public
 * key type"); c/image builds every verifier before trying any, so one such key fails the signature even when
 * another key would verify — that is deliberate upstream ("fix fallback keys before you need them").
 */
import { createHash, createPublicKey, verify as nodeVerify, constants, type KeyObject } from 'node:crypto';
import { DERError, TAG, children, contents, decodeBitString, decodeOID, decodeSignedBig, encodeTLV, encodeUnsignedInteger, expect, isValidInteger, readTLV, rightAlign, whole, type TLV } from '../encoding/asn1.js';
import { pemDecode } from '../encoding/pem.js';

export type KeyKind = 'rsa' | 'ecdsa' | 'ed25519' | 'dsa' | 'x25519';

export interface PublicKey {
  readonly kind: KeyKind;
  /** Canonical PKIX DER (what Go's MarshalPKIXPublicKey would produce). */
  readonly spki: Uint8Array;
  /** For verifying kinds. */
  readonly keyObject?: KeyObject;
  /** ECDSA curve name (Go's name, e.g. `P-256`). */
  readonly curve?: string;
  /**
   * An RSA key Go parses but crypto/rsa refuses to verify with (checkPublicKey): its text. Every signature check
   * with this key fails with it, as in Go — the key itself loads, so other keys of the requirement are still tried.
   */
  readonly unusable?: string;
}

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';
const OID_X25519 = '1.3.101.110';
const OID_DSA = '1.2.840.10040.4.1';
const CURVES: Record<string, { name: string; bytes: number }> = {
  '1.3.132.0.33': { name: 'P-224', bytes: 28 },
  '1.2.840.10045.3.1.7': { name: 'P-256', bytes: 32 },
  '1.3.132.0.34': { name: 'P-384', bytes: 48 },
  '1.3.132.0.35': { name: 'P-521', bytes: 66 },
};

/** A failure Go would report while parsing a key (its text is the Go text, shape-mirrored). */
export class KeyParseError extends Error {}

/** sigstore cryptoutils.UnmarshalPEMToPublicKey: only the first PEM block counts. */
export function unmarshalPEMToPublicKey(pemBytes: Uint8Array): PublicKey {
  const { block } = pemDecode(pemBytes);
  if (!block) throw new KeyParseError('PEM decoding failed');
  switch (block.type) {
    case 'PUBLIC KEY':
      return parsePKIXPublicKey(block.bytes);
    case 'RSA PUBLIC KEY':
      return parsePKCS1PublicKey(block.bytes);
    default:
      throw new KeyParseError(`unknown Public key PEM file type: ${block.type}. Are you passing the correct public key?`);
  }
}

/**
 * Go's x509.ParsePKCS1PublicKey: encoding/asn1 into {N *big.Int, E int} (members after E ignored), then its own
 * checks and texts, which are not ParsePKIXPublicKey's.
 */
function parsePKCS1PublicKey(der: Uint8Array): PublicKey {
  let n: Uint8Array, e: Uint8Array, top: TLV;
  try {
    top = expect(readTLV(der, 0), TAG.SEQUENCE, 'pkcs1');
    const [nT, eT] = children(top);
    if (!nT || !eT || nT.tag !== TAG.INTEGER || eT.tag !== TAG.INTEGER) throw new DERError('pkcs1');
    n = contents(nT);
    e = contents(eT);
  } catch {
    if (looksLikePKIX(der)) throw new KeyParseError('x509: failed to parse public key (use ParsePKIXPublicKey instead for this key format)');
    throw new KeyParseError('x509: malformed PKCS#1 public key');
  }
  if (!isValidInteger(n) || !isValidInteger(e)) throw new KeyParseError('asn1: structure error: integer not minimally-encoded');
  if (e.length > 8) throw new KeyParseError('asn1: structure error: integer too large');
  if (top.end !== der.length) throw new KeyParseError('asn1: syntax error: trailing data');
  const N = decodeSignedBig(n);
  const E = decodeSignedBig(e);
  if (N <= 0n || E <= 0n) throw new KeyParseError('x509: public key contains zero or negative value');
  if (E > 2n ** 31n - 1n) throw new KeyParseError('x509: public key contains large public exponent');
  return rsaKey(n, e, 'x509: malformed PKCS#1 public key');
}

const RSA_ALGORITHM_IDENTIFIER = Buffer.from('300d06092a864886f70d0101010500', 'hex');

/**
 * An RSA key from its modulus and exponent (minimal INTEGER bodies, both positive), re-encoded canonically so that
 * what Go ignores around them (members after E, bytes after the SEQUENCE) is ignored here too.
 */
function rsaKey(n: Uint8Array, e: Uint8Array, malformed: string): PublicKey {
  const pkcs1 = encodeTLV(TAG.SEQUENCE, new Uint8Array([...encodeTLV(TAG.INTEGER, n), ...encodeTLV(TAG.INTEGER, e)]));
  const spki = encodeTLV(TAG.SEQUENCE, new Uint8Array([...RSA_ALGORITHM_IDENTIFIER, ...encodeTLV(TAG.BIT_STRING, new Uint8Array([0, ...pkcs1]))]));
  const unusable = rsaUnusable(decodeSignedBig(n), decodeSignedBig(e));
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return { kind: 'rsa', keyObject: key, spki, ...(unusable !== undefined ? { unusable } : {}) };
  } catch {
    // OpenSSL refuses some keys Go loads and then cannot verify with; those fail as Go fails. Others: fail closed.
    if (unusable !== undefined) return { kind: 'rsa', spki, unusable };
    throw new KeyParseError(malformed);
  }
}

/** Go 1.24 crypto/rsa (bigmod.NewModulus, checkPublicKey): why VerifyPKCS1v15 refuses this key, if it does. */
function rsaUnusable(n: bigint, e: bigint): string | undefined {
  if (n <= 1n) return 'modulus must be > 1';
  if (n % 2n === 0n) return 'crypto/rsa: public modulus is even';
  if (e < 2n) return 'crypto/rsa: public exponent too small or negative';
  if (e % 2n === 0n) return 'crypto/rsa: public exponent is even';
  if (e > 2n ** 31n - 1n) return 'crypto/rsa: public exponent too large';
  return undefined;
}

/** Would Go's `asn1.Unmarshal(der, &publicKeyInfo{})` succeed (SEQUENCE { SEQUENCE { OID, … }, BIT STRING })? */
function looksLikePKIX(der: Uint8Array): boolean {
  try {
    const [alg, bits] = children(expect(readTLV(der, 0), TAG.SEQUENCE, 'spki'));
    decodeOID(expect(children(expect(alg!, TAG.SEQUENCE, 'alg'))[0]!, TAG.OID, 'oid'));
    decodeBitString(bits!);
    return true;
  } catch {
    return false;
  }
}

/** Go's x509.ParsePKIXPublicKey, restricted to what Go accepts. */
export function parsePKIXPublicKey(der: Uint8Array): PublicKey {
  let algOID: string;
  let params: ReturnType<typeof readTLV> | undefined;
  let keyBits: Uint8Array;
  let canonical: Uint8Array;
  try {
    const top = readTLV(der, 0);
    expect(top, TAG.SEQUENCE, 'spki');
    if (top.end !== der.length) throw new KeyParseError('x509: trailing data after ASN.1 of public-key');
    const [alg, bits] = children(top);
    if (!alg || !bits) throw new DERError('spki');
    expect(alg, TAG.SEQUENCE, 'alg');
    const algParts = children(alg);
    algOID = decodeOID(expect(algParts[0]!, TAG.OID, 'oid'));
    params = algParts[1];
    // encoding/asn1 accepts a BIT STRING with zero-valued padding bits; Go then parses the key from RightAlign().
    keyBits = rightAlign(decodeBitString(bits));
    canonical = encodeTLV(TAG.SEQUENCE, new Uint8Array([...whole(alg), ...encodeTLV(TAG.BIT_STRING, new Uint8Array([0, ...keyBits]))]));
  } catch (e) {
    if (e instanceof KeyParseError) throw e;
    if (looksLikePKCS1PublicKey(der)) throw new KeyParseError('x509: failed to parse public key (use ParsePKCS1PublicKey instead for this key format)');
    throw new KeyParseError('x509: malformed public key');
  }
  switch (algOID) {
    case OID_RSA: {
      if (!params || params.tag !== TAG.NULL || params.end !== params.contentStart) {
        throw new KeyParseError('x509: RSA key missing NULL parameters');
      }
      // cryptobyte: the SEQUENCE's first two members are N and E; bytes after E or after the SEQUENCE are not read.
      let seq: TLV;
      try {
        seq = expect(readTLV(keyBits, 0), TAG.SEQUENCE, 'rsa');
      } catch {
        throw new KeyParseError('x509: invalid RSA public key');
      }
      const member = (at: number): TLV | undefined => {
        try {
          const t = readTLV(keyBits, at, seq.end);
          return t.tag === TAG.INTEGER && isValidInteger(contents(t)) ? t : undefined;
        } catch {
          return undefined;
        }
      };
      const nT = member(seq.contentStart);
      if (!nT) throw new KeyParseError('x509: invalid RSA modulus');
      const eT = member(nT.end);
      if (!eT || contents(eT).length > 8) throw new KeyParseError('x509: invalid RSA public exponent');
      if (decodeSignedBig(contents(nT)) <= 0n) throw new KeyParseError('x509: RSA modulus is not a positive number');
      if (decodeSignedBig(contents(eT)) <= 0n) throw new KeyParseError('x509: RSA public exponent is not a positive number');
      return rsaKey(contents(nT), contents(eT), 'x509: malformed public key');
    }
    case OID_EC: {
      let curveOID: string;
      try {
        if (!params || params.tag !== TAG.OID) throw new DERError('params');
        curveOID = decodeOID(params);
      } catch {
        throw new KeyParseError('x509: invalid ECDSA parameters');
      }
      const curve = CURVES[curveOID];
      if (!curve) throw new KeyParseError('x509: unsupported elliptic curve');
      if (keyBits.length !== 1 + 2 * curve.bytes || keyBits[0] !== 0x04) {
        throw new KeyParseError('x509: failed to unmarshal elliptic curve point');
      }
      let key: KeyObject;
      try {
        key = createPublicKey({ key: Buffer.from(canonical), format: 'der', type: 'spki' });
      } catch {
        throw new KeyParseError('x509: failed to unmarshal elliptic curve point');
      }
      return { kind: 'ecdsa', curve: curve.name, keyObject: key, spki: new Uint8Array(key.export({ type: 'spki', format: 'der' })) };
    }
    case OID_ED25519:
    case OID_X25519: {
      if (params) throw new KeyParseError(`x509: ${algOID === OID_ED25519 ? 'Ed25519' : 'X25519'} key encoded with illegal parameters`);
      if (keyBits.length !== 32) throw new KeyParseError(`x509: wrong ${algOID === OID_ED25519 ? 'Ed25519' : 'X25519'} public key size`);
      if (algOID === OID_X25519) return { kind: 'x25519', spki: canonical };
      const key = createKey(canonical);
      return { kind: 'ed25519', keyObject: key, spki: new Uint8Array(key.export({ type: 'spki', format: 'der' })) };
    }
    case OID_DSA:
      return { kind: 'dsa', spki: canonical };
    default:
      throw new KeyParseError('x509: unknown public key algorithm');
  }
}

/** Would Go's `asn1.Unmarshal(der, &pkcs1PublicKey{})` succeed (SEQUENCE of two INTEGERs, E an int; trailing bytes ignored)? */
function looksLikePKCS1PublicKey(der: Uint8Array): boolean {
  try {
    const c = children(expect(readTLV(der, 0), TAG.SEQUENCE, 'pkcs1'));
    return c.length === 2 && c.every((t) => t.tag === TAG.INTEGER && isValidInteger(contents(t))) && contents(c[1]!).length <= 8;
  } catch {
    return false;
  }
}

function createKey(der: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    throw new KeyParseError('x509: malformed public key');
  }
}

/** Hex SHA-256 of the canonical SPKI DER — the key fingerprint shown in explanations. */
export function keyFingerprint(k: PublicKey): string {
  return createHash('sha256').update(k.spki).digest('hex');
}

/** Go cryptoutils.MarshalPublicKeyToPEM (what c/image matches against the SET's publicKey). */
export function marshalPublicKeyToPEM(k: PublicKey): string {
  const b64 = Buffer.from(k.spki).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

export interface Verifier {
  verify(payload: Uint8Array, sig: Uint8Array): string | undefined; // undefined = verified; else Go failure text
}

/** sigstore signature.LoadVerifier(key, crypto.SHA256). */
export function loadVerifier(k: PublicKey): Verifier {
  switch (k.kind) {
    case 'rsa':
      return {
        verify(payload, sig) {
          if (k.unusable !== undefined) return k.unusable;
          const ok = safeVerify(() =>
            nodeVerify('sha256', payload, { key: k.keyObject!, padding: constants.RSA_PKCS1_PADDING }, sig),
          );
          return ok ? undefined : 'crypto/rsa: verification error';
        },
      };
    case 'ecdsa':
      return { verify: (payload, sig) => verifyECDSA(k, payload, sig) };
    case 'ed25519':
      return {
        verify(payload, sig) {
          const ok = sig.length === 64 && safeVerify(() => nodeVerify(null, payload, k.keyObject!, sig));
          return ok ? undefined : 'failed to verify signature';
        },
      };
    default:
      throw new KeyParseError('unsupported public key type');
  }
}

function safeVerify(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

/**
 * Does `sig` begin with something Go's `asn1.Unmarshal(sig, &struct{R, S *big.Int}{})` accepts? (A SEQUENCE whose
 * first two members are valid INTEGERs; Go ignores extra members and trailing bytes at this step.)
 */
function looksLikeASN1Signature(sig: Uint8Array): boolean {
  try {
    const seq = readTLV(sig, 0);
    if (seq.tag !== TAG.SEQUENCE) return false;
    const r = readTLV(sig, seq.contentStart, seq.end);
    const s = readTLV(sig, r.end, seq.end);
    return r.tag === TAG.INTEGER && s.tag === TAG.INTEGER && isValidInteger(contents(r)) && isValidInteger(contents(s));
  } catch {
    return false;
  }
}

/**
 * sigstore's ECDSAVerifier: DER if the bytes parse as an ASN.1 (r, s) pair — then strictly (`ecdsa.VerifyASN1`,
 * which OpenSSL's DER check matches: exact encoding, no trailing bytes) — otherwise IEEE-P1363 r‖s of any even
 * length up to 132 bytes (cosign's raw form), re-encoded here as DER so that shorter/longer halves behave as Go's
 * big-integer arithmetic does.
 */
function verifyECDSA(k: PublicKey, payload: Uint8Array, sig: Uint8Array): string | undefined {
  if (looksLikeASN1Signature(sig)) {
    const ok = safeVerify(() => nodeVerify('sha256', payload, { key: k.keyObject!, dsaEncoding: 'der' }, sig));
    return ok ? undefined : 'invalid signature when validating ASN.1 encoded signature';
  }
  if (sig.length === 0 || sig.length > 132 || sig.length % 2 !== 0) return 'ecdsa: Invalid IEEE_P1363 encoded bytes';
  const half = sig.length / 2;
  const der = encodeTLV(TAG.SEQUENCE, new Uint8Array([...encodeUnsignedInteger(sig.subarray(0, half)), ...encodeUnsignedInteger(sig.subarray(half))]));
  const ok = safeVerify(() => nodeVerify('sha256', payload, { key: k.keyObject!, dsaEncoding: 'der' }, der));
  return ok ? undefined : 'invalid signature when validating IEEE_P1363 encoded signature';
}

/** Go's `ecdsa.VerifyASN1(pk, hash, sig)` over a precomputed SHA-256 (the Rekor SET check). */
export function verifyECDSAASN1Digest(k: PublicKey, data: Uint8Array, sig: Uint8Array): boolean {
  return safeVerify(() => nodeVerify('sha256', data, { key: k.keyObject!, dsaEncoding: 'der' }, sig));
}

