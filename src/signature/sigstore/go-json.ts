/**
 * The slice of Go's `encoding/json` that leaks into c/image's sigstore messages.
 *
 * c/image parses every untrusted JSON document (the Rekor SET, its payload, the hashedrekord body, the signed
 * payload) with `json.Unmarshal`, which first validates the *whole* input with Go's scanner and only then decodes
 * it — either with the "paranoid" token-level object reader (duplicate keys, unknown keys and missing keys are
 * errors) or with ordinary lenient struct decoding (hashedrekord body: case-insensitive member names, unknown
 * members ignored, later duplicates win). `JSON.parse` can do neither (it keeps the last duplicate silently and its
 * error texts differ), so this module has its own small parser that keeps members in document order, and
 * decoders that report Go's texts (`invalid character 'h' in literal true (expecting 'r')`,
 * `json: cannot unmarshal number into Go value of type string`, `Duplicate key "x"`, …).
 */
import { goQuote } from '../../util/go-format.js';
import { goBase64Decode } from './go-base64.js';

export type JValue =
  | { readonly kind: 'object'; readonly entries: readonly { readonly key: string; readonly value: JValue }[] }
  | { readonly kind: 'array'; readonly items: readonly JValue[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** A Go `encoding/json` (or c/image JSONFormatError) failure; `message` is Go's text. */
export class GoJSONError extends Error {}

/** Go's scanner `quoteChar`. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const q = goQuote(c);
  return "'" + q.slice(1, -1) + "'";
}

const WS = new Set([' ', '\t', '\r', '\n']);

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private eof(): never {
    throw new GoJSONError('unexpected end of JSON input');
  }
  private bad(c: string, context: string): never {
    throw new GoJSONError(`invalid character ${quoteChar(c)} ${context}`);
  }
  private skipWS(): void {
    while (this.i < this.s.length && WS.has(this.s[this.i]!)) this.i++;
  }
  private peekChar(): string | undefined {
    if (this.i >= this.s.length) return undefined;
    return String.fromCodePoint(this.s.codePointAt(this.i)!);
  }

  parseDocument(): JValue {
    const v = this.parseValue();
    this.skipWS();
    const c = this.peekChar();
    if (c !== undefined) this.bad(c, 'after top-level value');
    return v;
  }

  private parseValue(): JValue {
    this.skipWS();
    const c = this.peekChar();
    if (c === undefined) this.eof();
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return { kind: 'string', value: this.parseString() };
      case 't':
        this.literal('true');
        return { kind: 'bool', value: true };
      case 'f':
        this.literal('false');
        return { kind: 'bool', value: false };
      case 'n':
        this.literal('null');
        return { kind: 'null' };
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return { kind: 'number', raw: this.parseNumber() };
        this.bad(c, 'looking for beginning of value');
    }
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      const c = this.peekChar();
      if (c === undefined) this.eof();
      if (c !== word[k]) this.bad(c, `in literal ${word} (expecting ${quoteChar(word[k]!)})`);
      this.i++;
    }
  }

  private parseNumber(): string {
    const start = this.i;
    const s = this.s;
    const digit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
    if (s[this.i] === '-') {
      this.i++;
      const c = this.peekChar();
      if (c === undefined) this.eof();
      if (!digit(c)) this.bad(c, 'in numeric literal');
    }
    if (s[this.i] === '0') this.i++;
    else while (digit(s[this.i])) this.i++;
    if (s[this.i] === '.') {
      this.i++;
      const c = this.peekChar();
      if (c === undefined) this.eof();
      if (!digit(c)) this.bad(c, 'after decimal point in numeric literal');
      while (digit(s[this.i])) this.i++;
    }
    if (s[this.i] === 'e' || s[this.i] === 'E') {
      this.i++;
      if (s[this.i] === '+' || s[this.i] === '-') this.i++;
      const c = this.peekChar();
      if (c === undefined) this.eof();
      if (!digit(c)) this.bad(c, 'in exponent of numeric literal');
      while (digit(s[this.i])) this.i++;
    }
    return s.slice(start, this.i);
  }

  private parseString(): string {
    this.i++; // opening quote
    let out = '';
    for (;;) {
      const c = this.peekChar();
      if (c === undefined) this.eof();
      this.i += c.length;
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.peekChar();
        if (e === undefined) this.eof();
        this.i += e.length;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            let hex = '';
            for (let k = 0; k < 4; k++) {
              const h = this.peekChar();
              if (h === undefined) this.eof();
              if (!/^[0-9a-fA-F]$/.test(h)) this.bad(h, 'in \\u hexadecimal character escape');
              hex += h;
              this.i++;
            }
            out += String.fromCharCode(parseInt(hex, 16));
            break;
          }
          default:
            this.bad(e, 'in string escape code');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.bad(c, 'in string literal');
      out += c;
    }
  }

  private parseObject(): JValue {
    this.i++;
    const entries: { key: string; value: JValue }[] = [];
    this.skipWS();
    let c = this.peekChar();
    if (c === undefined) this.eof();
    if (c === '}') {
      this.i++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipWS();
      c = this.peekChar();
      if (c === undefined) this.eof();
      if (c !== '"') this.bad(c, 'looking for beginning of object key string');
      const key = this.parseString();
      this.skipWS();
      c = this.peekChar();
      if (c === undefined) this.eof();
      if (c !== ':') this.bad(c, 'after object key');
      this.i++;
      const value = this.parseValue();
      entries.push({ key, value });
      this.skipWS();
      c = this.peekChar();
      if (c === undefined) this.eof();
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return { kind: 'object', entries };
      }
      this.bad(c, 'after object key:value pair');
    }
  }

  private parseArray(): JValue {
    this.i++;
    const items: JValue[] = [];
    this.skipWS();
    let c = this.peekChar();
    if (c === undefined) this.eof();
    if (c === ']') {
      this.i++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.parseValue());
      this.skipWS();
      c = this.peekChar();
      if (c === undefined) this.eof();
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return { kind: 'array', items };
      }
      this.bad(c, 'after array element');
    }
  }
}

/** `json.Unmarshal`'s first step: the whole input must be one valid JSON value (Go scanner messages). */
export function parseGoJSON(input: string | Uint8Array): JValue {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  return new Parser(text).parseDocument();
}

/** The JSON type word Go puts in UnmarshalTypeError. */
export function jsonTypeWord(v: JValue): string {
  switch (v.kind) {
    case 'object': return 'object';
    case 'array': return 'array';
    case 'string': return 'string';
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'null': return 'null';
  }
}

/** Go's `%v`/`%#v` of a float64 (strconv 'g' with the shortest digits; %e form when exp < -4 || exp >= 6, as fmt does it). */
export function goFloatV(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expStr] = n.toExponential().split('e') as [string, string];
  const exp = parseInt(expStr, 10);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  return String(n);
}

/** Go's `%#v` of the first token of a value, as in c/image's `JSON object expected, got %#v`. */
function firstTokenV(v: JValue): string {
  switch (v.kind) {
    case 'object': return '123';
    case 'array': return '91';
    case 'string': return goQuote(v.value);
    case 'number': return goFloatV(Number(v.raw));
    case 'bool': return String(v.value);
    case 'null': return '<nil>';
  }
}

/**
 * c/image `ParanoidUnmarshalJSONObject`: keys in document order; a repeated key → `Duplicate key %q`
 * (before the key is looked up), an unknown key → `Unknown key %q`; the value is decoded at once and the first
 * failure aborts with its own message.
 */
export function paranoidObject(v: JValue, resolve: (key: string) => ((value: JValue) => void) | undefined): void {
  if (v.kind !== 'object') throw new GoJSONError(`JSON object expected, got ${firstTokenV(v)}`);
  const seen = new Set<string>();
  for (const { key, value } of v.entries) {
    if (seen.has(key)) throw new GoJSONError(`Duplicate key ${goQuote(key)}`);
    seen.add(key);
    const decode = resolve(key);
    if (!decode) throw new GoJSONError(`Unknown key ${goQuote(key)}`);
    decode(value);
  }
}

/** c/image `ParanoidUnmarshalJSONObjectExactFields`: also every listed key must be present. */
export function paranoidExactFields(v: JValue, fields: Record<string, (value: JValue) => void>): void {
  const got = new Set<string>();
  paranoidObject(v, (key) => {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) return undefined;
    got.add(key);
    return fields[key];
  });
  for (const key of Object.keys(fields)) {
    if (!got.has(key)) throw new GoJSONError(`Key ${goQuote(key)} missing in a JSON object`);
  }
}

function typeError(v: JValue, goType: string): GoJSONError {
  return new GoJSONError(`json: cannot unmarshal ${jsonTypeWord(v)} into Go value of type ${goType}`);
}

/** Decoding into a Go `string`: `null` leaves it empty. */
export function decodeString(v: JValue): string {
  if (v.kind === 'null') return '';
  if (v.kind !== 'string') throw typeError(v, 'string');
  return v.value;
}

/** Decoding into a Go `[]byte`: a base64 string (Go's strict StdEncoding); `null` → nil (undefined). */
export function decodeBytes(v: JValue): Uint8Array | undefined {
  if (v.kind === 'null') return undefined;
  if (v.kind !== 'string') throw typeError(v, '[]uint8');
  try {
    return goBase64Decode(v.value);
  } catch (e) {
    throw new GoJSONError((e as Error).message);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Decoding into a Go `int64`: only a plain integer literal in range (`1e3` and `1.0` are rejected, as by Go). */
export function decodeInt64(v: JValue): bigint {
  if (v.kind === 'null') return 0n;
  if (v.kind !== 'number') throw typeError(v, 'int64');
  if (/^-?\d+$/.test(v.raw)) {
    const n = BigInt(v.raw);
    if (n >= INT64_MIN && n <= INT64_MAX) return n;
  }
  throw new GoJSONError(`json: cannot unmarshal number ${v.raw} into Go value of type int64`);
}

/** Decoding into a Go `float64`. */
export function decodeFloat64(v: JValue): number {
  if (v.kind === 'null') return 0;
  if (v.kind !== 'number') throw typeError(v, 'float64');
  const n = Number(v.raw);
  if (!Number.isFinite(n)) throw new GoJSONError(`json: cannot unmarshal number ${v.raw} into Go value of type float64`);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Lenient struct decoding (plain `json.Unmarshal` into a Go struct), used only for the hashedrekord body, exactly
// because c/image uses it there: member names match case-insensitively (an exact match preferred), unknown members
// are ignored, a repeated member is decoded again over the earlier value (objects merge, `null` resets a pointer),
// and a type mismatch is remembered while decoding continues — the *first* one is reported at the end.

export type LenientSchema =
  | { readonly t: 'string' }
  | { readonly t: 'ptrstring' }
  | { readonly t: 'bytes' }
  | { readonly t: 'raw' }
  | { readonly t: 'struct'; readonly goName: string; readonly goType: string; readonly fields: Readonly<Record<string, LenientSchema>> };

/** A decoded Go struct (a class, so that it can never be confused with a `raw` JValue member). */
export class LenientStruct {
  readonly fields: { [k: string]: LenientValue } = {};
}

export type LenientValue = string | Uint8Array | JValue | LenientStruct | undefined;

function foldEq(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function decodeLenient(v: JValue, schema: LenientSchema): { value: LenientValue; error?: GoJSONError } {
  const state: { error?: GoJSONError } = {};
  const value = decodeInto(v, schema, undefined, state, '', []);
  return { value, ...(state.error ? { error: state.error } : {}) };
}

function decodeInto(
  v: JValue,
  schema: LenientSchema,
  existing: LenientValue,
  state: { error?: GoJSONError },
  structName: string,
  path: string[],
): LenientValue {
  const save = (goType: string) => {
    if (!state.error) {
      const where = path.length > 0 || structName ? `Go struct field ${structName}.${path.join('.')}` : 'Go value';
      state.error = new GoJSONError(`json: cannot unmarshal ${jsonTypeWord(v)} into ${where} of type ${goType}`);
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
      if (v.kind !== 'string') return save('string');
      return v.value;
    case 'bytes':
      if (v.kind === 'null') return undefined;
      if (v.kind !== 'string') return save('[]uint8');
      try {
        return goBase64Decode(v.value);
      } catch (e) {
        if (!state.error) state.error = new GoJSONError((e as Error).message);
        return existing;
      }
    case 'struct': {
      if (v.kind === 'null') return undefined;
      if (v.kind !== 'object') return save(schema.goType);
      const target = existing instanceof LenientStruct ? existing : new LenientStruct();
      const names = Object.keys(schema.fields);
      for (const { key, value } of v.entries) {
        const field = names.find((n) => n === key) ?? names.find((n) => foldEq(n, key));
        if (field === undefined) continue;
        target.fields[field] = decodeInto(value, schema.fields[field]!, target.fields[field], state, schema.goName, [...path, field]);
      }
      return target;
    }
  }
}
