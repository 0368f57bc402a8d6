/**
 * Go encoding/json decoding rules, as containers/image inherits them, over the nodes of our JSON reader.
 *
 * c/image's policy parser is "paranoid" only at the object level (duplicate and unknown keys); field values go
 * through Go's ordinary decoder, so its quirks are part of the policy language: `null` leaves a string empty and a
 * slice nil, a base64 field also accepts an array of small integers, and type mismatches read
 * `json: cannot unmarshal <json kind> into Go value of type <go type>`. Mirroring them keeps our verdict on
 * "does this file parse" identical to CRI-O's, and our messages byte-identical.
 */
import { PolicyFormatError } from '../errors.js';
import { goQuote } from '../util/go-format.js';
import type { JsonLocation, JsonNode, JsonObject, JsonObjectEntry } from './json-reader.js';

/** Throws c/image's message with our position (path, line, column) of the offending value. */
export function fail(message: string, loc: JsonLocation): never {
  throw new PolicyFormatError(message, { path: loc.path, line: loc.line, column: loc.column });
}

/** The word Go's UnmarshalTypeError uses for a JSON value's kind. */
export function goJsonKind(node: JsonNode): string {
  switch (node.kind) {
    case 'bool':
      return 'bool';
    case 'null':
      return 'null';
    default:
      return node.kind; // object, array, string, number
  }
}

export function cannotUnmarshal(node: JsonNode, goType: string): never {
  fail(`json: cannot unmarshal ${goJsonKind(node)} into Go value of type ${goType}`, node.loc);
}

/**
 * `fmt.Sprintf("%#v", tok)` of the first token json.Decoder returns for a value: `[` is a json.Delim, printed as
 * its rune code (91); numbers are float64; null is a nil interface.
 */
export function goTokenRepr(node: JsonNode): string {
  switch (node.kind) {
    case 'array':
      return '91';
    case 'object':
      return '123';
    case 'null':
      return '<nil>';
    case 'bool':
      return String(node.value);
    case 'string':
      return goQuote(node.value);
    case 'number':
      return goFloatV(Number(node.raw));
  }
}

/** Go's `%v` of a float64: strconv 'g' with the shortest digits, exponent form from 1e+06 / below 1e-04. */
export function goFloatV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}${frac ? '.' + frac : ''}`;
}

/**
 * The json.Decoder of `ParanoidUnmarshalJSONObject` would fail on a top-level number too large for float64 when
 * reading the first token; the message is Go's.
 */
function checkTokenNumber(node: JsonNode): void {
  if (node.kind === 'number' && !Number.isFinite(Number(node.raw))) {
    fail(`json: cannot unmarshal number ${node.raw} into Go value of type float64`, node.loc);
  }
}

/**
 * c/image `ParanoidUnmarshalJSONObject`: keys in document order; a repeated key fails before anything else is
 * looked at, then an unaccepted key, then the value's own decoding (whose error propagates unchanged).
 * `resolve` returns the decoder for a key's value, or undefined for "not accepted here".
 */
export function paranoidObject(
  node: JsonNode,
  resolve: (key: string, entry: JsonObjectEntry) => ((value: JsonNode) => void) | undefined,
): JsonObject {
  if (node.kind !== 'object') {
    checkTokenNumber(node);
    fail(`JSON object expected, got ${goTokenRepr(node)}`, node.loc);
  }
  const seen = new Set<string>();
  for (const entry of node.entries) {
    if (seen.has(entry.key)) fail(`Duplicate key ${goQuote(entry.key)}`, entry.keyLoc);
    seen.add(entry.key);
    const decode = resolve(entry.key, entry);
    if (!decode) fail(`Unknown key ${goQuote(entry.key)}`, entry.keyLoc);
    decode(entry.value);
  }
  return node;
}

/**
 * c/image `ParanoidUnmarshalJSONObjectExactFields`: only the listed keys, each required. Upstream reports a
 * missing key in Go map order (unspecified); we report the first missing one in the order listed.
 */
export function paranoidObjectExactFields(node: JsonNode, fields: Record<string, (value: JsonNode) => void>): JsonObject {
  const seen = new Set<string>();
  const obj = paranoidObject(node, (key) => {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) return undefined;
    seen.add(key);
    return fields[key];
  });
  for (const key of Object.keys(fields)) {
    if (!seen.has(key)) fail(`Key ${goQuote(key)} missing in a JSON object`, obj.loc);
  }
  return obj;
}

/** Decoding into a Go `string` (or a named string type): `null` leaves the zero value "". */
export function decodeString(node: JsonNode, goType = 'string'): string {
  if (node.kind === 'string') return node.value;
  if (node.kind === 'null') return '';
  cannotUnmarshal(node, goType);
}

/** Decoding into `[]string`: `null` → nil (undefined); elements follow {@link decodeString}. */
export function decodeStringSlice(node: JsonNode): string[] | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'array') cannotUnmarshal(node, '[]string');
  return node.items.map((item) => decodeString(item));
}

/**
 * Decoding into `[]byte`: a string is standard base64 (padding required, CR/LF ignored); Go also accepts an array
 * of integers 0–255 (one byte each, `null` → 0). `null` → nil (undefined); `""` → present and empty.
 */
export function decodeBytes(node: JsonNode): Uint8Array | undefined {
  switch (node.kind) {
    case 'null':
      return undefined;
    case 'string': {
      const r = goBase64Decode(node.bytes);
      if (typeof r === 'number') fail(`illegal base64 data at input byte ${r}`, node.loc);
      return r;
    }
    case 'array':
      return Uint8Array.from(node.items.map(decodeUint8));
    default:
      cannotUnmarshal(node, '[]uint8');
  }
}

function decodeUint8(node: JsonNode): number {
  if (node.kind === 'null') return 0;
  if (node.kind !== 'number') cannotUnmarshal(node, 'uint8');
  // Go parses the literal with ParseUint: fractions, exponents, signs and overflow all fail, quoting the literal.
  if (!/^[0-9]+$/.test(node.raw) || Number(node.raw) > 255) {
    fail(`json: cannot unmarshal number ${node.raw} into Go value of type uint8`, node.loc);
  }
  return Number(node.raw);
}

/** Decoding into `[][]byte`: `null` → nil; a `null` element stays an (empty) entry, as upstream keeps a nil one. */
export function decodeBytesSlice(node: JsonNode): Uint8Array[] | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'array') cannotUnmarshal(node, '[][]uint8');
  return node.items.map((item) => decodeBytes(item) ?? new Uint8Array(0));
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_DECODE: Int16Array = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < B64_ALPHABET.length; i++) t[B64_ALPHABET.charCodeAt(i)] = i;
  return t;
})();

/**
 * Go `base64.StdEncoding.Decode`: returns the bytes, or the input byte offset that Go's CorruptInputError names.
 * Rules: standard alphabet, `=` padding required, `\r`/`\n` skipped anywhere, nothing after the padding but
 * newlines, non-zero trailing bits tolerated (StdEncoding is not Strict).
 */
export function goBase64Decode(src: Uint8Array): Uint8Array | number {
  const out: number[] = [];
  const isNL = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;
  let si = 0;
  for (;;) {
    // One quantum of up to four symbols.
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingGarbageAt = -1;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        // Padding is mandatory, so a short final quantum is always corrupt.
        return si - j;
      }
      const c = src[si]!;
      si++;
      const v = B64_DECODE[c]!;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNL(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d /* = */) return si - 1;
      // Padding reached.
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        // "==" expected; the first "=" is consumed already.
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== 0x3d) return si - 1;
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) trailingGarbageAt = si;
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
    if (trailingGarbageAt >= 0) return trailingGarbageAt;
    if (dlen < 4) return Uint8Array.from(out);
  }
}

/**
 * The lenient first pass of `newPolicyRequirementFromJSON` / `newPolicyReferenceMatchFromJSON`: Go's
 * json.Unmarshal into a struct with one field `type` — keys match case-insensitively, the last match wins,
 * other keys are ignored, `null` keeps "". Returns the effective `type` and the node it came from.
 */
export function lenientType(
  node: JsonNode,
  structName: string,
  typeName: string,
): { type: string; at: JsonLocation } {
  if (node.kind === 'null') return { type: '', at: node.loc };
  if (node.kind !== 'object') cannotUnmarshal(node, `signature.${structName}`);
  let type = '';
  let at = node.loc;
  let firstError: { message: string; loc: JsonLocation } | undefined;
  for (const { key, value } of node.entries) {
    // ASCII-only case folding is exact for "type": no non-ASCII rune folds to t, y, p or e.
    if (!/^type$/i.test(key)) continue;
    if (value.kind === 'string') {
      type = value.value;
      at = value.loc;
    } else if (value.kind !== 'null') {
      // Go records the first type error and keeps decoding; the error still wins over any later value.
      firstError ??= {
        message: `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ${structName}.type of type signature.${typeName}`,
        loc: value.loc,
      };
    }
  }
  if (firstError) fail(firstError.message, firstError.loc);
  return { type, at };
}
