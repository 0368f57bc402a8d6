/**
 * libtrust's ParsePrettySignature, as c/image's manifest.Digest runs it on a signed Docker schema-1 manifest: the
 * digest is over the JWS payload (`content[:formatLength] + formatTail`), so every rule that decides *which* bytes
 * are digested, or whether there is a digest at all, must be libtrust's (github.com/containers/libtrust):
 *  - the signatures member is found by its exact name in a `map[string]json.RawMessage` (last occurrence wins);
 *  - the blocks are Go structs (`jsParsedSignature`: case-insensitive members, merges, type errors);
 *  - `protected`, `formatTail` and the JWK coordinates are strict base64url (joseBase64UrlDecode: padding re-added by
 *    length, `len % 4 == 1` refused, URL alphabet only — Node's 'base64url' decoder accepts `+` and `/`);
 *  - each JWK is parsed (UnmarshalPublicKeyJWK) and its coordinates checked for length, though nothing is verified.
 * Error texts are libtrust's. Two inputs crash c/image (a block without `header`, a negative formatLength, both Go
 * panics): we refuse them with an error.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { GoBase64Error, goBase64Decode } from '../go/encoding/base64.js';
import { goQuote } from '../go/fmt.js';
import { GoJSONError, readJson, type GoJsonValue } from '../go/encoding/json/scanner.js';
import { GoSlice, GoStruct, goUnmarshalValue, str, type GoValue } from '../go/encoding/json/unmarshal.js';
import { EvaluationError } from '../errors.js';
import { JS_PARSED_SIGNATURE } from './shapes.js';

/** A libtrust failure, with libtrust's text (c/image passes it up unchanged). */
export class Schema1SignatureError extends EvaluationError {}

/** libtrust joseBase64UrlDecode. */
export function joseBase64UrlDecode(s: string): Uint8Array {
  const bytes = Buffer.from(s, 'utf8');
  let padded: Buffer;
  switch (bytes.length % 4) {
    case 0:
      padded = bytes;
      break;
    case 2:
      padded = Buffer.concat([bytes, Buffer.from('==')]);
      break;
    case 3:
      padded = Buffer.concat([bytes, Buffer.from('=')]);
      break;
    default:
      throw new Schema1SignatureError('illegal base64url string');
  }
  try {
    return goBase64Decode(padded, { url: true });
  } catch (e) {
    if (e instanceof GoBase64Error) throw new Schema1SignatureError(e.message);
    throw e;
  }
}

/** A Go `map[string]interface{}` read from JSON: exact keys, the last occurrence wins. */
function goMap(v: GoJsonValue): Map<string, GoJsonValue> {
  const m = new Map<string, GoJsonValue>();
  if (v.kind === 'object') for (const e of v.entries) m.set(e.key, e.value);
  return m;
}

/** json.Unmarshal into `map[string]interface{}`: a non-object (other than null) is a type error; numbers are float64. */
function unmarshalAnyMap(bytes: Uint8Array): Map<string, GoJsonValue> {
  const root = readJson(bytes, { positions: false }).root; // GoJSONError with Go's syntax text
  if (root.kind !== 'object' && root.kind !== 'null') {
    throw new GoJSONError(`json: cannot unmarshal ${root.kind} into Go value of type map[string]interface {}`);
  }
  assertFloats(root);
  return goMap(root);
}

function assertFloats(v: GoJsonValue): void {
  const pending: GoJsonValue[] = [v];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.kind === 'number' && !Number.isFinite(Number(next.raw))) {
      throw new GoJSONError(`json: cannot unmarshal number ${next.raw} into Go value of type float64`);
    }
    if (next.kind === 'array') pending.push(...next.items);
    if (next.kind === 'object') pending.push(...next.entries.map((e) => e.value));
  }
}

/** libtrust readIntFromMap: a float64 member converted with Go's int(v) (truncation toward zero). */
function readInt(m: Map<string, GoJsonValue>, key: string): number | undefined {
  const v = m.get(key);
  if (v?.kind !== 'number') return undefined;
  const f = Number(v.raw);
  // int(float64) beyond int64 is the minimum int64 on amd64; any such length is "invalid format length" below.
  return Math.abs(f) >= 2 ** 63 ? Number.MIN_SAFE_INTEGER : Math.trunc(f);
}

function stringFromMap(m: Map<string, GoJsonValue>, key: string): string {
  const v = m.get(key);
  if (v === undefined) throw new Schema1SignatureError(`${goQuote(key)} value not specified`);
  if (v.kind !== 'string') throw new Schema1SignatureError(`${goQuote(key)} value must be a string`);
  return v.value;
}

const CURVES: Record<string, { bytes: number; oid: string }> = {
  'P-256': { bytes: 32, oid: 'prime256v1' },
  'P-384': { bytes: 48, oid: 'secp384r1' },
  'P-521': { bytes: 66, oid: 'secp521r1' },
};

function parseECCoordinate(b64: string, curveBytes: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = joseBase64UrlDecode(b64);
  } catch (e) {
    throw new Schema1SignatureError(`invalid base64 URL encoding: ${(e as Error).message}`);
  }
  if (bytes.length !== curveBytes) throw new Schema1SignatureError(`invalid number of octets: got ${bytes.length}, should be ${curveBytes}`);
  return bytes;
}

/** libtrust keyIDEncode of SHA-256(PKIX DER)[:30]; "" when Go cannot marshal the key (a point off the curve). */
function ecKeyID(crv: string, x: Uint8Array, y: Uint8Array): string {
  let der: Buffer;
  try {
    const jwk = { kty: 'EC', crv, x: Buffer.from(x).toString('base64url'), y: Buffer.from(y).toString('base64url') };
    der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch {
    return '';
  }
  return libtrustKeyID(der);
}

/** libtrust KeyID of a PKIX (SPKI DER) public key: base32 of SHA-256[:30], unpadded, in groups of four. */
export function libtrustKeyID(spkiDER: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of createHash('sha256').update(spkiDER).digest().subarray(0, 30)) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(':');
}

/** libtrust UnmarshalPublicKeyJWK (public keys only; the result is not used for verification by c/image). */
function unmarshalPublicKeyJWK(raw: GoJsonValue): void {
  if (raw.kind !== 'object' && raw.kind !== 'null') {
    throw new Schema1SignatureError(`decoding JWK Public Key JSON data: json: cannot unmarshal ${raw.kind} into Go value of type map[string]interface {}\n`);
  }
  try {
    assertFloats(raw);
  } catch (e) {
    throw new Schema1SignatureError(`decoding JWK Public Key JSON data: ${(e as Error).message}\n`);
  }
  const jwk = goMap(raw);
  let kty: string;
  try {
    kty = stringFromMap(jwk, 'kty');
  } catch (e) {
    throw new Schema1SignatureError(`JWK Public Key type: ${(e as Error).message}`);
  }
  if (kty === 'RSA') {
    // Not reproduced: libtrust's RSA path (exponent parsing can panic, KeyID over Go's PKIX encoding). Refused.
    throw new Schema1SignatureError('RSA JWK in a schema-1 signature: parity with containers/image is not established, refusing it');
  }
  if (kty !== 'EC') throw new Schema1SignatureError(`JWK Public Key type not supported: ${goQuote(kty)}\n`);
  const field = (what: string, f: () => string): string => {
    try {
      return f();
    } catch (e) {
      throw new Schema1SignatureError(`JWK EC Public Key ${what}: ${(e as Error).message}`);
    }
  };
  const crv = field('curve identifier', () => stringFromMap(jwk, 'crv'));
  const curve = CURVES[crv];
  if (!curve) throw new Schema1SignatureError(`JWK EC Public Key curve identifier not supported: ${goQuote(crv)}\n`);
  const coordinate = (name: 'x' | 'y'): Uint8Array => {
    const what = `${name}-coordinate`;
    const b64 = field(what, () => stringFromMap(jwk, name));
    try {
      return parseECCoordinate(b64, curve.bytes);
    } catch (e) {
      throw new Schema1SignatureError(`JWK EC Public Key ${what}: ${(e as Error).message}`);
    }
  };
  const x = coordinate('x');
  const y = coordinate('y');
  if (jwk.has('kid')) {
    const kid = field('ID', () => stringFromMap(jwk, 'kid'));
    if (kid !== ecKeyID(crv, x, y)) throw new Schema1SignatureError(`JWK EC Public Key ID does not match: ${kid}`);
  }
}

/**
 * The payload c/image digests for a signed schema-1 manifest (libtrust ParsePrettySignature + Payload), or a
 * {@link Schema1SignatureError} with libtrust's text.
 */
export function schema1SignedPayload(content: Uint8Array): Uint8Array {
  // map[string]json.RawMessage: cannot fail on a document GuessMIMEType decoded as an object.
  const top = goMap(readJson(content, { positions: false }).root);
  const sigMessage = top.get('signatures');
  if (sigMessage === undefined) throw new Schema1SignatureError('missing signature key');
  const decoded = goUnmarshalValue(sigMessage, { k: 'slice', elem: JS_PARSED_SIGNATURE });
  if (decoded.error) throw new Schema1SignatureError(`error unmarshalling signatures: ${decoded.error.message}`);
  const blocks: GoValue[] = decoded.value instanceof GoSlice ? decoded.value.items : [];
  let formatLength = 0;
  let formatTail: Uint8Array = new Uint8Array(0);
  for (const block of blocks) {
    let protectedBytes: Uint8Array;
    try {
      protectedBytes = joseBase64UrlDecode(str(block, 'protected'));
    } catch (e) {
      throw new Schema1SignatureError(`base64 decode error: ${(e as Error).message}`);
    }
    let header: Map<string, GoJsonValue>;
    try {
      header = unmarshalAnyMap(protectedBytes);
    } catch (e) {
      throw new Schema1SignatureError(`error unmarshalling protected header: ${(e as Error).message}`);
    }
    const length = readInt(header, 'formatLength');
    if (length === undefined) throw new Schema1SignatureError('missing formatted length');
    const encodedTail = header.get('formatTail');
    if (encodedTail?.kind !== 'string') throw new Schema1SignatureError('missing formatted tail');
    let tail: Uint8Array;
    try {
      tail = joseBase64UrlDecode(encodedTail.value);
    } catch (e) {
      throw new Schema1SignatureError(`base64 decode error on tail: ${(e as Error).message}`);
    }
    if (formatLength === 0) formatLength = length;
    else if (formatLength !== length) throw new Schema1SignatureError('conflicting format length');
    if (formatTail.length === 0) formatTail = tail;
    else if (Buffer.compare(formatTail, tail) !== 0) throw new Schema1SignatureError('conflicting format tail');
    const h = (block as GoStruct).f['header'];
    if (!(h instanceof GoStruct)) {
      throw new Schema1SignatureError('schema-1 signature block without a header: containers/image crashes on this manifest (nil pointer dereference)');
    }
    const jwk = h.f['jwk'] as GoJsonValue | undefined;
    if (jwk !== undefined) {
      try {
        unmarshalPublicKeyJWK(jwk);
      } catch (e) {
        throw new Schema1SignatureError(`error unmarshalling public key: ${(e as Error).message}`);
      }
    }
  }
  if (formatLength > content.length) throw new Schema1SignatureError('invalid format length');
  if (formatLength < 0) {
    throw new Schema1SignatureError('negative format length: containers/image crashes on this manifest (slice bounds out of range)');
  }
  return new Uint8Array(Buffer.concat([content.subarray(0, formatLength), formatTail]));
}
