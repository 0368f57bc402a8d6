/**
 * Go encoding/json decoding rules, as containers/image inherits them, over the values of the shared reader.
 *
 * c/image decodes every untrusted or configured JSON document (policy.json, signature payloads, the Rekor SET and
 * its hashedrekord body) either with its "paranoid" token-level object reader (duplicate, unknown and missing keys
 * are errors) or with Go's ordinary decoder (case-insensitive member names, unknown members ignored, later
 * duplicates win). The quirks of both are observable — `null` leaves a string empty and a slice nil, a `[]byte` also
 * accepts an array of small integers, type mismatches read `json: cannot unmarshal <json kind> into Go value of type
 * <go type>` — so mirroring them keeps our verdicts identical to CRI-O's and our messages byte-identical.
 *
 * Every failure is a {@link GoJSONError} carrying Go's text and, for values from the reader, where it happened;
 * each caller turns it into its own error type (PolicyFormatError with a position, InvalidSignatureError, …).
 */
import { GoBase64Error, goBase64Decode } from '../base64.js';
import { goQuote } from '../../fmt.js';
import { GoFieldNames } from './fold.js';
import { GoJSONError, readJson, type GoJsonEntry, type GoJsonValue } from './scanner.js';

export { GoJSONError };

export type { GoJsonEntry, GoJsonValue };

export type GoJsonObject = Extract<GoJsonValue, { kind: 'object' }>;

/** The word Go's UnmarshalTypeError uses for a JSON value's kind: object, array, string, number, bool, null. */
export function goJsonKind(v: GoJsonValue): string {
  return v.kind;
}

export function cannotUnmarshal(v: GoJsonValue, goType: string): never {
  throw new GoJSONError(`json: cannot unmarshal ${goJsonKind(v)} into Go value of type ${goType}`, v.loc);
}

/**
 * `fmt.Sprintf("%#v", tok)` of the first token json.Decoder returns for a value: `[` is a json.Delim, printed as
 * its rune code (91); numbers are float64; null is a nil interface.
 */
export function goTokenRepr(v: GoJsonValue): string {
  switch (v.kind) {
    case 'array':
      return '91';
    case 'object':
      return '123';
    case 'null':
      return '<nil>';
    case 'bool':
      return String(v.value);
    case 'string':
      return goQuote(v.value);
    case 'number':
      return goFloatV(Number(v.raw));
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

/** Go's strconv.ParseFloat verdict on a JSON number: out of float64 range is an UnmarshalTypeError quoting the literal. */
function parseGoFloat(v: Extract<GoJsonValue, { kind: 'number' }>): number {
  const n = Number(v.raw);
  if (!Number.isFinite(n)) throw new GoJSONError(`json: cannot unmarshal number ${v.raw} into Go value of type float64`, v.loc);
  return n;
}

/** Decodes a member's value; `entry` gives the key's position to decoders that report on the key. */
export type MemberResolver = (key: string, entry: GoJsonEntry) => ((value: GoJsonValue) => void) | undefined;

/**
 * c/image `ParanoidUnmarshalJSONObject`: keys in document order; a repeated key fails before anything else is
 * looked at, then an unaccepted key, then the value's own decoding (whose error propagates unchanged).
 * `resolve` returns the decoder for a key's value, or undefined for "not accepted here".
 */
export function paranoidObject(v: GoJsonValue, resolve: MemberResolver): GoJsonObject {
  if (v.kind !== 'object') {
    // The first json.Decoder.Token() already fails on a number too large for float64, with Go's message.
    if (v.kind === 'number') parseGoFloat(v);
    throw new GoJSONError(`JSON object expected, got ${goTokenRepr(v)}`, v.loc);
  }
  const seen = new Set<string>();
  for (const entry of v.entries) {
    if (seen.has(entry.key)) throw new GoJSONError(`Duplicate key ${goQuote(entry.key)}`, entry.keyLoc);
    seen.add(entry.key);
    const decode = resolve(entry.key, entry);
    if (!decode) throw new GoJSONError(`Unknown key ${goQuote(entry.key)}`, entry.keyLoc);
    decode(entry.value);
  }
  return v;
}

/**
 * c/image `ParanoidUnmarshalJSONObjectExactFields`: only the listed keys, each required. Upstream reports a
 * missing key in Go map order (unspecified); we report the first missing one in the order listed, which is one of
 * the messages Go can produce.
 */
export function paranoidObjectExactFields(v: GoJsonValue, fields: Readonly<Record<string, (value: GoJsonValue) => void>>): GoJsonObject {
  const seen = new Set<string>();
  const obj = paranoidObject(v, (key) => {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) return undefined;
    seen.add(key);
    return fields[key];
  });
  for (const key of Object.keys(fields)) {
    if (!seen.has(key)) throw new GoJSONError(`Key ${goQuote(key)} missing in a JSON object`, obj.loc);
  }
  return obj;
}

/** Decoding into a Go `string` (or a named string type): `null` leaves the zero value "". */
export function decodeString(v: GoJsonValue, goType = 'string'): string {
  if (v.kind === 'string') return v.value;
  if (v.kind === 'null') return '';
  cannotUnmarshal(v, goType);
}

/** Decoding into `[]string`: `null` → nil (undefined); elements follow {@link decodeString}. */
export function decodeStringSlice(v: GoJsonValue): string[] | undefined {
  if (v.kind === 'null') return undefined;
  if (v.kind !== 'array') cannotUnmarshal(v, '[]string');
  return v.items.map((item) => decodeString(item));
}

/**
 * Decoding into `[]byte`: a string is standard base64 (padding required, CR/LF ignored); Go also accepts an array
 * of integers 0–255 (one byte each, `null` → 0). `null` → nil (undefined); `""` → present and empty.
 */
export function decodeBytes(v: GoJsonValue): Uint8Array | undefined {
  switch (v.kind) {
    case 'null':
      return undefined;
    case 'string':
      return decodeBase64(v);
    case 'array':
      return Uint8Array.from(v.items.map(decodeUint8));
    default:
      cannotUnmarshal(v, '[]uint8');
  }
}

function decodeBase64(v: Extract<GoJsonValue, { kind: 'string' }>): Uint8Array {
  try {
    return goBase64Decode(v.bytes ?? v.value);
  } catch (e) {
    if (e instanceof GoBase64Error) throw new GoJSONError(e.message, v.loc);
    throw e;
  }
}

function decodeUint8(v: GoJsonValue): number {
  if (v.kind === 'null') return 0;
  if (v.kind !== 'number') cannotUnmarshal(v, 'uint8');
  // Go parses the literal with ParseUint: fractions, exponents, signs and overflow all fail, quoting the literal.
  if (!/^[0-9]+$/.test(v.raw) || Number(v.raw) > 255) {
    throw new GoJSONError(`json: cannot unmarshal number ${v.raw} into Go value of type uint8`, v.loc);
  }
  return Number(v.raw);
}

/** Decoding into `[][]byte`: `null` → nil; a `null` element stays an (empty) entry, as upstream keeps a nil one. */
export function decodeBytesSlice(v: GoJsonValue): Uint8Array[] | undefined {
  if (v.kind === 'null') return undefined;
  if (v.kind !== 'array') cannotUnmarshal(v, '[][]uint8');
  return v.items.map((item) => decodeBytes(item) ?? new Uint8Array(0));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Decoding into a Go `int64`: only a plain integer literal in range (`1e3` and `1.0` are rejected, as by Go). */
export function decodeInt64(v: GoJsonValue): bigint {
  if (v.kind === 'null') return 0n;
  if (v.kind !== 'number') cannotUnmarshal(v, 'int64');
  if (/^-?\d+$/.test(v.raw)) {
    const n = BigInt(v.raw);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  throw new GoJSONError(`json: cannot unmarshal number ${v.raw} into Go value of type int64`, v.loc);
}

/** Decoding into a Go `float64`: `null` leaves it 0; out-of-range numbers fail like strconv.ParseFloat. */
export function decodeFloat64(v: GoJsonValue): number {
  if (v.kind === 'null') return 0;
  if (v.kind !== 'number') cannotUnmarshal(v, 'float64');
  return parseGoFloat(v);
}

/**
 * Decoding into an `any` (and dropping it): only numbers can fail (float64 overflow), at any depth. Iterative,
 * because the reader accepts Go's 10,000 levels of nesting.
 */
export function decodeAny(v: GoJsonValue): void {
  const pending: GoJsonValue[] = [v];
  // Document order, so that the first overflowing number is the one reported.
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.kind === 'number') parseGoFloat(next);
    else if (next.kind === 'array') for (let i = next.items.length - 1; i >= 0; i--) pending.push(next.items[i]!);
    else if (next.kind === 'object') for (let i = next.entries.length - 1; i >= 0; i--) pending.push(next.entries[i]!.value);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lenient struct decoding (plain `json.Unmarshal` into a Go struct): member names match case-insensitively (an
// exact match preferred), unknown members are ignored, a repeated member is decoded again over the earlier value
// (objects merge, `null` resets a pointer), and a type mismatch is remembered while decoding continues — the
// *first* one is reported at the end. c/image uses it for the hashedrekord body and for the policy's first pass
// over a requirement's `type`.

export type LenientSchema =
  /** `goType`: the Go type named in a mismatch (a named string type such as `signature.prTypeIdentifier`). */
  | { readonly t: 'string'; readonly goType?: string }
  | { readonly t: 'ptrstring' }
  | { readonly t: 'bytes' }
  | { readonly t: 'raw' }
  | { readonly t: 'struct'; readonly goName: string; readonly goType: string; readonly fields: Readonly<Record<string, LenientSchema>> };

/** A decoded Go struct (a class, so that it can never be confused with a `raw` member's value). */
export class LenientStruct {
  readonly fields: { [k: string]: LenientValue } = {};
}

export type LenientValue = string | Uint8Array | GoJsonValue | LenientStruct | undefined;


export function decodeLenient(v: GoJsonValue, schema: LenientSchema): { value: LenientValue; error?: GoJSONError } {
  const state: { error?: GoJSONError } = {};
  const value = decodeInto(v, schema, undefined, state, '', []);
  return { value, ...(state.error ? { error: state.error } : {}) };
}

function decodeInto(
  v: GoJsonValue,
  schema: LenientSchema,
  existing: LenientValue,
  state: { error?: GoJSONError },
  structName: string,
  path: string[],
): LenientValue {
  const save = (goType: string) => {
    if (!state.error) {
      const where = path.length > 0 || structName ? `Go struct field ${structName}.${path.join('.')}` : 'Go value';
      state.error = new GoJSONError(`json: cannot unmarshal ${goJsonKind(v)} into ${where} of type ${goType}`, v.loc);
    }
    return existing;
  };
  switch (schema.t) {
    case 'raw':
      return v;
    case 'string':
    case 'ptrstring':
      // `null` leaves a string alone but resets a *string to nil.
      if (v.kind === 'null') return schema.t === 'string' ? existing : undefined;
      if (v.kind !== 'string') return save((schema.t === 'string' && schema.goType) || 'string');
      return v.value;
    case 'bytes':
      if (v.kind === 'null') return undefined;
      if (v.kind !== 'string') return save('[]uint8');
      try {
        return decodeBase64(v);
      } catch (e) {
        if (!(e instanceof GoJSONError)) throw e;
        state.error ??= e;
        return existing;
      }
    case 'struct': {
      if (v.kind === 'null') return undefined;
      if (v.kind !== 'object') return save(schema.goType);
      const target = existing instanceof LenientStruct ? existing : new LenientStruct();
      const names = new GoFieldNames(Object.keys(schema.fields));
      for (const { key, value } of v.entries) {
        const i = names.lookup(key);
        if (i === undefined) continue;
        const field = names.names[i]!;
        target.fields[field] = decodeInto(value, schema.fields[field]!, target.fields[field], state, schema.goName, [...path, field]);
      }
      return target;
    }
  }
}

/** `json.Unmarshal`'s first step: the whole input must be one valid JSON value (Go scanner messages). */
export function parseGoJSON(input: string | Uint8Array): GoJsonValue {
  return readJson(input, { positions: false }).root;
}
