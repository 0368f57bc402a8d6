/**
 * The two registry answers c/image's docker client decodes with `json.Unmarshal` into its own structs: the bearer
 * token response and the X-Registry-Supports-Signatures list. Decoded with Go's rules (src/go/encoding/json) and
 * c/image's struct shapes, because a hostile registry can otherwise make the two tools read different values:
 * member names match case-insensitively (exact match preferred), the last occurrence wins, a type mismatch is
 * remembered and reported once decoding ends (the first one), and a `[]byte` is strict standard base64.
 */
import { goBase64Decode, GoBase64Error } from '../go/encoding/base64.js';
import { GoJSONError, lenientField } from '../go/encoding/json/decode.js';
import { readJson, type GoJsonValue } from '../go/encoding/json/scanner.js';

/**
 * Go's UnmarshalTypeError text: the innermost struct's type name, then the field path from the top
 * (`extensionSignature.signatures.schemaVersion`); an anonymous struct has the empty name (`.token`).
 */
function typeError(v: GoJsonValue, struct: string, field: string, goType: string): GoJSONError {
  // Go names the literal only for a number that does not fit an integer type; a wrong kind is just the kind.
  const what = v.kind === 'number' && (goType === 'int' || goType === 'uint8') ? `number ${v.raw}` : v.kind;
  return new GoJSONError(`json: cannot unmarshal ${what} into Go struct field ${struct}.${field} of type ${goType}`);
}

interface DecodeState {
  saved?: GoJSONError;
}

function save(state: DecodeState, e: GoJSONError): void {
  state.saved ??= e;
}

function decodeStringField(v: GoJsonValue, prev: string, struct: string, field: string, st: DecodeState): string {
  if (v.kind === 'null') return prev;
  if (v.kind === 'string') return v.value;
  save(st, typeError(v, struct, field, 'string'));
  return prev;
}

/** Go `int` (64-bit): an integer literal in range; `1.5`, `1e3` and overflow are type errors naming the literal. */
function decodeIntField(v: GoJsonValue, prev: number, struct: string, field: string, st: DecodeState): number {
  if (v.kind === 'null') return prev;
  if (v.kind === 'number' && /^-?\d+$/.test(v.raw)) {
    const n = BigInt(v.raw);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return Number(n);
  }
  save(st, typeError(v, struct, field, 'int'));
  return prev;
}

function decodeBytesField(v: GoJsonValue, prev: Uint8Array | undefined, struct: string, field: string, st: DecodeState): Uint8Array | undefined {
  if (v.kind === 'null') return undefined;
  if (v.kind === 'string') {
    try {
      return goBase64Decode(v.bytes ?? v.value);
    } catch (e) {
      if (!(e instanceof GoBase64Error)) throw e;
      save(st, new GoJSONError(e.message));
      return prev;
    }
  }
  if (v.kind === 'array') {
    const out: number[] = [];
    for (const item of v.items) {
      if (item.kind === 'null') out.push(0);
      else if (item.kind === 'number' && /^[0-9]+$/.test(item.raw) && Number(item.raw) <= 255) out.push(Number(item.raw));
      else {
        save(st, typeError(item, struct, field, 'uint8'));
        out.push(0);
      }
    }
    return Uint8Array.from(out);
  }
  save(st, typeError(v, struct, field, '[]uint8'));
  return prev;
}

function parse(bytes: Uint8Array): GoJsonValue {
  return readJson(bytes, { positions: false }).root;
}

export interface BearerTokenResponse {
  token: string;
  accessToken: string;
  expiresIn: number;
  /** Milliseconds since the epoch; undefined = zero time (c/image then uses "now"). */
  issuedAt: number | undefined;
}

const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** RFC 3339 as Go's time.Time.UnmarshalJSON accepts it (time.RFC3339, fractional seconds allowed). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function decodeTime(v: GoJsonValue, prev: number | undefined): number | undefined {
  if (v.kind === 'null') return prev;
  // time.Time implements json.Unmarshaler: its errors end decoding at once (they are not "saved" type errors).
  if (v.kind !== 'string') throw new GoJSONError('Time.UnmarshalJSON: input is not a JSON string');
  const m = RFC3339.exec(v.value);
  const t = m ? Date.parse(v.value) : NaN;
  if (!m || Number.isNaN(t)) throw new GoJSONError(`parsing time ${JSON.stringify(JSON.stringify(v.value))} as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse ${JSON.stringify(v.value)}`);
  // Go's zero time (year 1, UTC) counts as "not given".
  return t === GO_ZERO_TIME ? undefined : t;
}

/**
 * c/image newBearerTokenFromHTTPResponseBody: `json.Unmarshal` into `struct { Token string "token"; AccessToken
 * string "access_token"; ExpiresIn int "expires_in"; IssuedAt time.Time "issued_at" }` (an anonymous struct).
 */
export function decodeBearerToken(bytes: Uint8Array): BearerTokenResponse {
  const root = parse(bytes);
  const out: BearerTokenResponse = { token: '', accessToken: '', expiresIn: 0, issuedAt: undefined };
  if (root.kind === 'null') return out;
  if (root.kind !== 'object') {
    throw new GoJSONError(`json: cannot unmarshal ${root.kind} into Go value of type struct { Token string "json:\\"token\\""; AccessToken string "json:\\"access_token\\""; ExpiresIn int "json:\\"expires_in\\""; IssuedAt time.Time "json:\\"issued_at\\""; docker.expirationTime time.Time }`);
  }
  const st: DecodeState = {};
  const names = ['token', 'access_token', 'expires_in', 'issued_at'];
  for (const { key, value } of root.entries) {
    switch (lenientField(names, key)) {
      case 'token':
        out.token = decodeStringField(value, out.token, '', 'token', st);
        break;
      case 'access_token':
        out.accessToken = decodeStringField(value, out.accessToken, '', 'access_token', st);
        break;
      case 'expires_in':
        out.expiresIn = decodeIntField(value, out.expiresIn, '', 'expires_in', st);
        break;
      case 'issued_at':
        out.issuedAt = decodeTime(value, out.issuedAt);
        break;
    }
  }
  if (st.saved) throw st.saved;
  return out;
}

/** c/image extensionSignature: `{schemaVersion int; name, type string; content []byte}`. */
export interface ExtensionSignature {
  version: number;
  name: string;
  type: string;
  content: Uint8Array | undefined;
}

/**
 * c/image getExtensionsSignatures: `json.Unmarshal` into extensionSignatureList. One bad entry (an illegal base64
 * `content`, a string `schemaVersion`) fails the whole list, as in Go.
 */
export function decodeExtensionSignatureList(bytes: Uint8Array): ExtensionSignature[] {
  const root = parse(bytes);
  if (root.kind === 'null') return [];
  if (root.kind !== 'object') throw new GoJSONError(`json: cannot unmarshal ${root.kind} into Go value of type docker.extensionSignatureList`);
  const st: DecodeState = {};
  let list: ExtensionSignature[] = [];
  for (const { key, value } of root.entries) {
    if (lenientField(['signatures'], key) === undefined) continue;
    if (value.kind === 'null') {
      list = [];
      continue;
    }
    if (value.kind !== 'array') {
      save(st, typeError(value, 'extensionSignatureList', 'signatures', '[]docker.extensionSignature'));
      continue;
    }
    // A repeated array replaces the slice; Go reuses the backing elements, so a member absent from the later
    // element keeps its earlier value.
    const next: ExtensionSignature[] = [];
    value.items.forEach((item, i) => {
      const sig: ExtensionSignature = list[i] ? { ...list[i]! } : { version: 0, name: '', type: '', content: undefined };
      if (item.kind === 'object') {
        for (const e of item.entries) {
          switch (lenientField(['schemaVersion', 'name', 'type', 'content'], e.key)) {
            case 'schemaVersion':
              sig.version = decodeIntField(e.value, sig.version, 'extensionSignature', 'signatures.schemaVersion', st);
              break;
            case 'name':
              sig.name = decodeStringField(e.value, sig.name, 'extensionSignature', 'signatures.name', st);
              break;
            case 'type':
              sig.type = decodeStringField(e.value, sig.type, 'extensionSignature', 'signatures.type', st);
              break;
            case 'content':
              sig.content = decodeBytesField(e.value, sig.content, 'extensionSignature', 'signatures.content', st);
              break;
          }
        }
      } else if (item.kind !== 'null') {
        save(st, typeError(item, 'extensionSignatureList', 'signatures', 'docker.extensionSignature'));
      }
      next.push(sig);
    });
    list = next;
  }
  if (st.saved) throw st.saved;
  return list;
}
