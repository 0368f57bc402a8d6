import { inflateRawSync, inflateSync } from 'node:zlib';
import Bunzip from 'seek-bzip';
import { LIMITS } from '../../limits.js';

/**
 * The packet-sequence rules gpg (GnuPG 2.2, run by c/image through GPGME) applies to an opaque-signed message before
 * and around checking its signature, re-created on the raw bytes because openpgp.js is more lenient: it skips a
 * one-pass signature (OPS) packet it cannot parse, accepts an indeterminate length on any packet, and never compares
 * the OPS's hash algorithm with the signature's. Each rule below was observed against skopeo 1.18 (crafted GPG
 * cases, fixtures/generate-crafted-gpg-structure.ts):
 *  - a packet gpg cannot parse (a header without its high bit, a truncated body, a partial or indeterminate length on
 *    a packet that is not data, an OPS whose version is not 3 or whose body is shorter than 13 bytes) aborts the
 *    whole run before any signature is checked: GPGME says `No data`;
 *  - each compressed packet is its own packet sequence; the one that holds the literal data must be
 *    `OPS{n} literal signature{n}` (or the PGP 2 order `signature{n} literal`): a signature missing from it gives
 *    `No data`, a count mismatch or a signature in the wrong place gives no signature status at all (c/image:
 *    `Unexpected GPG signature count 0`); a second literal data packet, a key or a user ID is `Bad data`;
 *  - other packets are stepped over, or end the run (see IGNORED_TAGS);
 *  - gpg hashes the data only with the algorithms the OPS packets announce, so a signature over any other hash
 *    fails (an error status, which c/image reports as an invalid signature).
 * Nothing here accepts a signature: it refuses, or — where gpg steps over packets openpgp.js refuses (a trailing OPS,
 * a packet with tag 0, bytes after a compressed message) — hands openpgp.js the bare one-pass sequence gpg verifies
 * (`signedMessage`), whose signature openpgp.js then checks as always. Compressed packets are inflated within
 * LIMITS.maxDecompressedSignatureBytes in all (gpg has no bound; a bomb must not exhaust memory).
 */
export type StructureRefusal =
  | { readonly kind: 'no-data'; readonly reason: string }
  | { readonly kind: 'bad-data' }
  | { readonly kind: 'no-signature-status'; readonly reason: string }
  | { readonly kind: 'hash-not-announced'; readonly signatureHash: number; readonly announced: readonly number[] }
  | { readonly kind: 'unsupported-compression'; readonly algorithm: number }
  | { readonly kind: 'decompressed-too-large'; readonly limit: number };

const TAG = { signature: 2, onePass: 4, compressed: 8, literal: 11 } as const;
/** Packets gpg lets carry a partial or indeterminate length: compressed, encrypted (3 kinds) and literal data. */
const DATA_TAGS = new Set([8, 9, 11, 18, 20]);
const OPS_V3_LENGTH = 13;

interface Packet {
  readonly tag: number;
  readonly body: Uint8Array;
}

class Refused extends Error {
  constructor(readonly refusal: StructureRefusal) {
    super(refusal.kind);
  }
}

const noData = (reason: string) => new Refused({ kind: 'no-data', reason });
const decompressedTooLarge = () => new Refused({ kind: 'decompressed-too-large', limit: LIMITS.maxDecompressedSignatureBytes });

/**
 * RFC 4880 §4.2 headers (old and new format), with gpg's limits on partial and indeterminate lengths. A packet gpg
 * cannot parse ends the list: `error` says why, and the caller decides whether gpg had already reported by then.
 */
function readPackets(bytes: Uint8Array): { packets: Packet[]; error?: Refused } {
  const packets: Packet[] = [];
  try {
    readInto(bytes, packets);
    return { packets };
  } catch (e) {
    if (e instanceof Refused) return { packets, error: e };
    throw e;
  }
}

function readInto(bytes: Uint8Array, packets: Packet[]): void {
  let i = 0;
  const need = (n: number) => {
    if (i + n > bytes.length) throw noData(`packet truncated at offset ${i}`);
  };
  while (i < bytes.length) {
    const start = i;
    const header = bytes[i++]!;
    if ((header & 0x80) === 0) throw noData(`byte 0x${header.toString(16).padStart(2, '0')} at offset ${start} is not a packet header`);
    if (header & 0x40) {
      const tag = header & 0x3f;
      const chunks: Uint8Array[] = [];
      for (;;) {
        need(1);
        const o = bytes[i++]!;
        let len: number;
        let partial = false;
        if (o < 192) len = o;
        else if (o < 224) {
          need(1);
          len = ((o - 192) << 8) + bytes[i++]! + 192;
        } else if (o === 255) {
          need(4);
          len = Buffer.from(bytes.buffer, bytes.byteOffset + i, 4).readUInt32BE(0);
          i += 4;
        } else {
          if (!DATA_TAGS.has(tag)) throw noData(`packet with tag ${tag} at offset ${start} has a partial body length`);
          len = 1 << (o & 0x1f);
          partial = true;
        }
        need(len);
        chunks.push(bytes.subarray(i, i + len));
        i += len;
        if (!partial) break;
      }
      packets.push({ tag, body: chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks)) });
    } else {
      const tag = (header >> 2) & 0x0f;
      const lengthType = header & 0x03;
      let len: number;
      if (lengthType === 3) {
        if (!DATA_TAGS.has(tag)) throw noData(`packet with tag ${tag} at offset ${start} has an indeterminate length`);
        len = bytes.length - i;
      } else {
        const n = 1 << lengthType;
        need(n);
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + bytes[i++]!;
      }
      need(len);
      packets.push({ tag, body: bytes.subarray(i, i + len) });
      i += len;
    }
    const last = packets[packets.length - 1]!;
    if (last.tag === TAG.onePass && (last.body.length < OPS_V3_LENGTH || last.body[0] !== 3)) {
      packets.pop();
      throw noData(`one-pass signature packet at offset ${start} ${last.body.length < OPS_V3_LENGTH ? 'is too short' : `has version ${last.body[0]}`}`);
    }
  }
}

/** Bytes the compressed packets of one message may still expand to (LIMITS.maxDecompressedSignatureBytes in all). */
interface Budget {
  left: number;
}

function decompress(body: Uint8Array, budget: Budget): Uint8Array {
  const algorithm = body[0];
  const data = body.subarray(1);
  if (algorithm === 0) return data;
  if (algorithm === undefined || algorithm > 3) throw new Refused({ kind: 'unsupported-compression', algorithm: algorithm ?? -1 });
  let out: Uint8Array;
  try {
    out = algorithm === 3 ? bunzipBounded(data, budget.left) : (algorithm === 1 ? inflateRawSync : inflateSync)(data, { maxOutputLength: Math.max(1, budget.left) });
  } catch (e) {
    if (e instanceof Refused) throw e;
    // node:zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE.
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw decompressedTooLarge();
    throw noData(`compressed packet does not decompress: ${(e as Error).message}`);
  }
  if (out.length > budget.left) throw decompressedTooLarge();
  budget.left -= out.length;
  return out;
}

/** seek-bzip into an output that refuses to grow past `limit`, so a bomb stops as soon as it exceeds it. */
function bunzipBounded(data: Uint8Array, limit: number): Uint8Array {
  let buffer = Buffer.alloc(Math.min(limit, 64 * 1024));
  let pos = 0;
  const output = {
    writeByte(byte: number): void {
      if (pos >= buffer.length) {
        if (buffer.length >= limit) throw decompressedTooLarge();
        const grown = Buffer.alloc(Math.min(limit, buffer.length * 2));
        buffer.copy(grown);
        buffer = grown;
      }
      buffer[pos++] = byte;
    },
  };
  Bunzip.decode(Buffer.from(data), output);
  return buffer.subarray(0, pos);
}

interface Scope {
  readonly packets: readonly Packet[];
  /** The compressed packets of this sequence, read as sequences of their own. */
  readonly inner: readonly Scope[];
}

const holdsLiteral = (scope: Scope): boolean => scope.packets.some((p) => p.tag === TAG.literal) || scope.inner.some(holdsLiteral);

/**
 * A message's packet sequences: the given one, and every compressed packet's content, recursively. gpg checks the
 * signatures of a sequence when the sequence ends, so a parse error after a compressed packet that held the signed
 * data comes too late to change anything (skopeo accepts such a message); any other parse error is `No data`.
 */
function readScope(bytes: Uint8Array, budget: Budget): Scope {
  const { packets, error } = readPackets(bytes);
  const inner = packets.filter((p) => p.tag === TAG.compressed).map((p) => readScope(decompress(p.body, budget), budget));
  if (error && !inner.some(holdsLiteral)) throw error;
  return { packets, inner };
}

function allScopes(scope: Scope, out: Scope[] = []): Scope[] {
  out.push(scope);
  for (const s of scope.inner) allScopes(s, out);
  return out;
}

/** Hash algorithm ID of a raw signature packet body (V2/V3 and V4+ layouts); undefined if gpg would not parse it. */
function signatureHash(body: Uint8Array): number | undefined {
  if (body[0] === 2 || body[0] === 3) return body[16];
  if (body[0] !== undefined && body[0] >= 4) return body[3];
  return undefined;
}

/**
 * What gpg does with each other packet tag anywhere in a signed message (each observed against skopeo 1.18): steps
 * over it (tag 0, secret and public subkeys, marker, trust, padding, unassigned and experimental tags 15, 16, 22–63);
 * gives up with `Bad data` (secret or public key, user ID, user attribute — for keys only when gpg can parse the key,
 * which imgpolicy does not try: any key packet is refused); or, for encryption packets, ends without a signature
 * status (`No data`).
 */
const IGNORED_TAGS = new Set([0, 7, 10, 12, 14, 15, 16, 21, ...Array.from({ length: 42 }, (_, i) => 22 + i)]);
const BAD_DATA_TAGS = new Set([5, 6, 13, 17]);
const ENCRYPTION_TAGS = new Set([1, 3, 9, 18, 19, 20]);

export interface PacketStructure {
  /** Why gpg would not report a good signature for this message's structure. */
  readonly refusal?: StructureRefusal;
  /**
   * The one-pass signed message gpg verifies — `OPS{n} literal signature{n}` with the original packet bodies and plain
   * headers — when the input wraps it in things gpg steps over but openpgp.js refuses (compression inside
   * compression, ignored packets, a one-pass packet after the signature, bytes after the compressed message).
   * Undefined when the input is anything else; it then goes to openpgp.js as it is.
   */
  readonly signedMessage?: Uint8Array;
}

export function examinePacketStructure(bytes: Uint8Array): PacketStructure {
  let root: Scope;
  try {
    root = readScope(bytes, { left: LIMITS.maxDecompressedSignatureBytes });
  } catch (e) {
    if (e instanceof Refused) return { refusal: e.refusal };
    throw e;
  }
  const scopes = allScopes(root).map((s) => s.packets);
  const tags = new Set(scopes.flatMap((s) => s.map((p) => p.tag)));
  const withLiteral = scopes.filter((s) => s.some((p) => p.tag === TAG.literal));
  const literals = withLiteral.reduce((n, s) => n + s.filter((p) => p.tag === TAG.literal).length, 0);
  // A detached signature, or no data at all (an encrypted message, say): verify-gpg words those.
  if (literals === 0) return {};
  if ([...tags].some((t) => BAD_DATA_TAGS.has(t))) return { refusal: { kind: 'bad-data' } };
  const encryption = [...tags].find((t) => ENCRYPTION_TAGS.has(t));
  if (encryption !== undefined) return { refusal: { kind: 'no-data', reason: `packet with tag ${encryption} (encryption) in a signed message` } };
  if (literals > 1) return { refusal: { kind: 'bad-data' } };
  const scope = withLiteral[0]!;
  const seq = scope.filter((p) => p.tag === TAG.onePass || p.tag === TAG.literal || p.tag === TAG.signature);
  const at = seq.findIndex((p) => p.tag === TAG.literal);
  const before = seq.slice(0, at);
  const after = seq.slice(at + 1);
  const leadingSignatures = after.findIndex((p) => p.tag !== TAG.signature);
  const signatures = after.slice(0, leadingSignatures === -1 ? after.length : leadingSignatures);
  if (before.length > 0 && before.every((p) => p.tag === TAG.signature)) {
    // PGP 2 order (gpg enables every hash for it); the literal data must end the sequence.
    return after.length === 0 ? {} : { refusal: { kind: 'no-signature-status', reason: 'packets after the literal data of a PGP 2 style signed message' } };
  }
  if (before.length === 0) {
    return signatures.length === 0
      ? { refusal: { kind: 'no-data', reason: 'literal data without a signature' } }
      : { refusal: { kind: 'no-signature-status', reason: 'signature packets after literal data without one-pass signature packets' } };
  }
  if (!before.every((p) => p.tag === TAG.onePass)) {
    return { refusal: { kind: 'no-signature-status', reason: 'a signature packet before the literal data of a one-pass signed message' } };
  }
  if (signatures.length === 0) return { refusal: { kind: 'no-data', reason: 'one-pass signed literal data without its signature' } };
  if (signatures.length !== before.length) {
    return { refusal: { kind: 'no-signature-status', reason: `${before.length} one-pass signature packets but ${signatures.length} signature packets` } };
  }
  const signedMessage = plainMessage(root, scope, after.slice(signatures.length)) ? [...before, seq[at]!, ...signatures] : undefined;
  const normalized = signedMessage ? new Uint8Array(Buffer.concat(signedMessage.map((p) => newFormatPacket(p.tag, p.body)))) : undefined;
  // With more than one signature c/image refuses on the count before looking at any status.
  if (signatures.length === 1) {
    const announced = [...new Set(before.map((p) => p.body[2]!))];
    const hash = signatureHash(signatures[0]!.body);
    if (hash !== undefined && !announced.includes(hash)) return { refusal: { kind: 'hash-not-announced', signatureHash: hash, announced } };
  }
  return normalized ? { signedMessage: normalized } : {};
}

/**
 * Whether the signed sequence is all gpg looks at: every enclosing sequence holds only the one compressed packet on
 * the way to it (and ignored packets), the sequence itself nothing but the one-pass message and ignored packets, and
 * what follows its signatures only ignored or one-pass packets (gpg starts a new, empty, message with those).
 */
function plainMessage(root: Scope, signed: readonly Packet[], trailing: readonly Packet[]): boolean {
  if (!trailing.every((p) => p.tag === TAG.onePass)) return false;
  let scope = root;
  while (scope.packets !== signed) {
    const compressed = scope.packets.filter((p) => p.tag === TAG.compressed);
    if (compressed.length !== 1 || !scope.packets.every((p) => p.tag === TAG.compressed || IGNORED_TAGS.has(p.tag))) return false;
    scope = scope.inner[0]!;
  }
  return signed.every((p) => p.tag === TAG.onePass || p.tag === TAG.literal || p.tag === TAG.signature || IGNORED_TAGS.has(p.tag));
}

function newFormatPacket(tag: number, body: Uint8Array): Buffer {
  const header = Buffer.alloc(6);
  header[0] = 0xc0 | tag;
  header[1] = 0xff;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}
