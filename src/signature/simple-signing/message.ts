import type { CleartextMessage, Message, SignaturePacket } from 'openpgp';
import { EvaluationError } from '../../errors.js';
import type { OpenPGPModule } from './openpgp.js';

/**
 * Reading an OpenPGP "signed message" into its parts without checking anything — shared by verification and by
 * `inspect`. GPGME accepts binary, ASCII-armoured and cleartext-signed input, so we do too (the dir:/lookaside loader
 * only hands us binary blobs, but the typed `\x00simple-signing\n` format may carry armour).
 */

/** A V2/V3 signature packet (RFC 4880 §5.2.2). openpgp.js 6 no longer parses these, but gpg (and so c/image) verifies them. */
export interface V3Signature {
  readonly version: number;
  readonly signatureType: number;
  readonly created: Date;
  /** 16 upper-case hex digits. */
  readonly issuerKeyID: string;
  readonly publicKeyAlgorithm: number;
  readonly hashAlgorithm: number;
  readonly signedHashPrefix: Uint8Array;
  /** The algorithm-specific MPIs, without their length prefixes. */
  readonly mpis: readonly Uint8Array[];
  /** Bytes 2..6 of the packet: signature type + creation time — the "hashed material" appended to the data. */
  readonly hashedMaterial: Uint8Array;
}

export type SignatureEntry =
  | { readonly kind: 'v4'; readonly packet: SignaturePacket }
  | { readonly kind: 'v3'; readonly packet: V3Signature }
  | { readonly kind: 'unsupported'; readonly version: number | undefined };

export interface SignedMessageParts {
  /** The message object openpgp.verify accepts (for V4+ signatures). */
  readonly message: Message<Uint8Array> | CleartextMessage;
  readonly signatures: readonly SignatureEntry[];
  /** Issuer key IDs of one-pass signature packets, upper-case hex (what a reader sees before the data). */
  readonly onePassKeyIDs: readonly string[];
  /** The signed content (literal data, or the cleartext); undefined when the message has no single literal packet. */
  readonly content: Uint8Array | undefined;
  readonly literalCount: number;
  /** A cleartext-signed (`-----BEGIN PGP SIGNED MESSAGE-----`) message: openpgp.verify wants format 'utf8' for it. */
  readonly cleartext: boolean;
}

export async function readSignedMessage(openpgp: OpenPGPModule, blob: Uint8Array): Promise<SignedMessageParts> {
  const head = Buffer.from(blob.subarray(0, 64)).toString('latin1').trimStart();
  // Unsupported (V3) signature packets must survive parsing as raw packets so that we can verify them ourselves.
  const config = { ignoreUnsupportedPackets: true };
  try {
    if (head.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
      const message = await openpgp.readCleartextMessage({ cleartextMessage: Buffer.from(blob).toString('utf8'), config });
      // `signature` is not in openpgp's type declarations but is the documented field of a CleartextMessage.
      const packets = Array.from((message as unknown as { signature: { packets: Iterable<unknown> } }).signature.packets);
      return {
        message,
        signatures: packets.map((p) => classifySignature(openpgp, p)).filter((s): s is SignatureEntry => s !== null),
        onePassKeyIDs: [],
        content: new Uint8Array(Buffer.from(message.getText(), 'utf8')),
        literalCount: 1,
        cleartext: true,
      };
    }
    const message = head.startsWith('-----BEGIN PGP MESSAGE-----')
      ? await openpgp.readMessage({ armoredMessage: Buffer.from(blob).toString('utf8'), config })
      : await openpgp.readMessage({ binaryMessage: blob, config });
    // After a compressed packet, openpgp.js leaves the packets behind the literal data (the signatures of a one-pass
    // message) in a pending `stream`; drain it and rebuild a message that holds every packet, so that counting and
    // verification both see the signature packets.
    const unwrapped = message.unwrapCompressed();
    const packets = Array.from(unwrapped.packets) as unknown[];
    const pending = (unwrapped.packets as unknown as { stream?: { readToEnd?: (join: (x: unknown[]) => unknown[]) => Promise<unknown[]> } })
      .stream;
    if (pending && typeof pending.readToEnd === 'function') packets.push(...(await pending.readToEnd((x) => x)));
    const list = new openpgp.PacketList();
    list.push(...(packets as never[]));
    const inner = new openpgp.Message(list);
    const signatures: SignatureEntry[] = [];
    const onePassKeyIDs: string[] = [];
    const literals: Uint8Array[] = [];
    for (const p of packets) {
      const sig = classifySignature(openpgp, p);
      if (sig) signatures.push(sig);
      else if (p instanceof openpgp.OnePassSignaturePacket) {
        onePassKeyIDs.push((p as unknown as { issuerKeyID: { toHex(): string } }).issuerKeyID.toHex().toUpperCase());
      }
      else if (p instanceof openpgp.LiteralDataPacket) {
        // getBytes() is declared private in the typings; it is the packet's data for a non-streamed message.
        literals.push((p as unknown as { getBytes(): Uint8Array }).getBytes());
      }
    }
    return {
      message: inner as Message<Uint8Array>,
      signatures,
      onePassKeyIDs,
      content: literals.length === 1 ? literals[0] : undefined,
      literalCount: literals.length,
      cleartext: false,
    };
  } catch (e) {
    // GPGME fails such input with a plain error before any signature status exists; so do we.
    throw new EvaluationError(`Error reading the OpenPGP signature: ${(e as Error).message}`);
  }
}

function classifySignature(openpgp: OpenPGPModule, p: unknown): SignatureEntry | null {
  if (p instanceof openpgp.SignaturePacket) return { kind: 'v4', packet: p };
  if (p instanceof openpgp.UnparseablePacket && p.tag === openpgp.enums.packet.signature) {
    const raw = (p as unknown as { rawContent: Uint8Array }).rawContent;
    const version = raw instanceof Uint8Array ? raw[0] : undefined;
    if (raw instanceof Uint8Array && (version === 2 || version === 3)) {
      const parsed = parseV3Signature(raw);
      if (parsed) return { kind: 'v3', packet: parsed };
    }
    return { kind: 'unsupported', version };
  }
  return null;
}

/** RFC 4880 §5.2.2 layout; null when the packet is truncated or inconsistent. */
export function parseV3Signature(raw: Uint8Array): V3Signature | null {
  if (raw.length < 19 || raw[1] !== 5) return null;
  const view = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const mpis: Uint8Array[] = [];
  let i = 19;
  while (i < raw.length) {
    if (i + 2 > raw.length) return null;
    const bits = view.readUInt16BE(i);
    const len = Math.ceil(bits / 8);
    i += 2;
    if (i + len > raw.length) return null;
    mpis.push(raw.slice(i, i + len));
    i += len;
  }
  return {
    version: raw[0]!,
    signatureType: raw[2]!,
    created: new Date(view.readUInt32BE(3) * 1000),
    issuerKeyID: view.subarray(7, 15).toString('hex').toUpperCase(),
    publicKeyAlgorithm: raw[15]!,
    hashAlgorithm: raw[16]!,
    signedHashPrefix: raw.slice(17, 19),
    mpis,
    hashedMaterial: raw.slice(2, 7),
  };
}

export function signatureKeyID(entry: SignatureEntry): string | undefined {
  if (entry.kind === 'v4') return entry.packet.issuerKeyID.toHex().toUpperCase();
  if (entry.kind === 'v3') return entry.packet.issuerKeyID;
  return undefined;
}
