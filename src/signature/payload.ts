import { InvalidSignatureError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { goQuote } from '../util/go-format.js';

/**
 * The strict parser for the JSON inside a signature: the simple-signing "atomic container signature" (GPG) and the
 * sigstore "cosign container image signature" payloads share it (c/image simple.go and internal/sigstore_payload.go
 * are the same code apart from the type string and the handling of `"optional": null`).
 *
 * Why not JSON.parse: c/image decodes with Go's encoding/json through a "paranoid" token-level reader, and several of
 * its observable decisions depend on that (duplicate members are an error, keys are compared after unescaping, `null`
 * for a string means "", numbers are float64, invalid UTF-8 becomes U+FFFD, error texts are Go's). A payload that
 * c/image rejects must be rejected here with the same message, and vice versa, so we re-implement exactly that much of
 * Go's decoder: a syntax check with Go's scanner messages, then a member tree that keeps duplicates and order.
 *
 * Every failure is an InvalidSignatureError carrying c/image's text (its JSONFormatError → InvalidSignatureError path).
 */

export type PayloadVariant = 'simple-signing' | 'sigstore';

/** Claims of a payload that passed the strict parse. Untrusted until the caller has checked the cryptography. */
export interface ParsedSignaturePayload {
  /** `critical.identity.docker-reference`, raw (validated only by the identity matcher; may be ""). */
  readonly dockerReference: string;
  /** `critical.image.docker-manifest-digest`, validated as a go-digest. */
  readonly manifestDigest: string;
  /** `optional.creator`, when present (JSON null decodes as "", as in Go). */
  readonly creator?: string;
  /** `optional.timestamp`, seconds since the epoch, when present (JSON null decodes as 0, as in Go). */
  readonly timestamp?: number;
}

const SIGNATURE_TYPES: Record<PayloadVariant, string> = {
  'simple-signing': 'atomic container signature',
  sigstore: 'cosign container image signature',
};

/**
 * Parses a signature payload the way c/image's `json.Unmarshal(payload, &untrustedSignature)` does.
 * `variant` picks the expected `critical.type` and whether `"optional": null` is allowed (sigstore only).
 */
export function parseSignaturePayload(bytes: Uint8Array, variant: PayloadVariant): ParsedSignaturePayload {
  // json.Unmarshal validates the whole input before calling the type's UnmarshalJSON.
  const syntaxError = goJSONSyntaxError(bytes);
  if (syntaxError !== null) throw new InvalidSignatureError(syntaxError);
  const root = new TreeReader(bytes).readDocument();

  let critical: JNode | undefined;
  let optional: JNode | undefined;
  paranoidExactFields(root, ['critical', 'optional'], (key, value) => {
    if (key === 'critical') critical = value;
    else optional = value;
  });

  let creator: string | undefined;
  let timestampFloat: number | undefined;
  // sigstore_payload.go skips the optional object when its raw bytes are exactly `null`; simple.go does not.
  if (!(variant === 'sigstore' && optional!.kind === 'null')) {
    paranoidObject(optional!, (key) => {
      switch (key) {
        case 'creator':
          return (value) => {
            creator = decodeString(value);
          };
        case 'timestamp':
          return (value) => {
            timestampFloat = decodeFloat64(value);
          };
        default:
          // Unknown optional members are decoded into an `any` and dropped — which still fails on out-of-range numbers.
          return (value) => decodeAny(value);
      }
    });
  }
  let timestamp: number | undefined;
  if (timestampFloat !== undefined) {
    // Go: int64(f) must round-trip to f. Values outside int64 do not (the conversion saturates/wraps on amd64).
    if (!Number.isInteger(timestampFloat) || timestampFloat < -(2 ** 63) || timestampFloat >= 2 ** 63) {
      throw new InvalidSignatureError('Field optional.timestamp is not an integer');
    }
    timestamp = timestampFloat === 0 ? 0 : timestampFloat; // no -0
  }

  let type = '';
  let image: JNode | undefined;
  let identity: JNode | undefined;
  paranoidExactFields(critical!, ['type', 'image', 'identity'], (key, value) => {
    if (key === 'type') type = decodeString(value);
    else if (key === 'image') image = value;
    else identity = value;
  });
  if (type !== SIGNATURE_TYPES[variant]) {
    throw new InvalidSignatureError(`Unrecognized signature type ${type}`);
  }

  let digest = '';
  paranoidExactFields(image!, ['docker-manifest-digest'], (_key, value) => {
    digest = decodeString(value);
  });
  const digestError = goDigestError(digest);
  if (digestError !== null) {
    throw new InvalidSignatureError(`invalid docker-manifest-digest value ${goQuote(digest)}: ${digestError}`);
  }

  let dockerReference = '';
  paranoidExactFields(identity!, ['docker-reference'], (_key, value) => {
    dockerReference = decodeString(value);
  });

  return {
    dockerReference,
    manifestDigest: digest,
    ...(creator !== undefined ? { creator } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// go-digest validation (digest.Parse → Digest.Validate), with its error texts.

const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_SYNTAX = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** null when `s` is a valid digest for go-digest (sha256/sha384/sha512 are the algorithms c/image links in). */
export function goDigestError(s: string): string | null {
  const i = s.indexOf(':');
  if (i <= 0 || i + 1 === s.length) return 'invalid checksum digest format';
  const algorithm = s.slice(0, i);
  const encoded = s.slice(i + 1);
  const hexLength = Object.hasOwn(DIGEST_HEX_LENGTH, algorithm) ? DIGEST_HEX_LENGTH[algorithm] : undefined;
  if (hexLength === undefined) {
    return DIGEST_SYNTAX.test(s) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  }
  if (Buffer.byteLength(encoded, 'utf8') !== hexLength) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? null : 'invalid checksum digest format';
}

// ---------------------------------------------------------------------------------------------------------------
// The paranoid object reader (c/image signature/internal/json.go), over an already syntax-checked tree.

type JNode =
  | { kind: 'object'; members: { key: string; value: JNode }[] }
  | { kind: 'array'; items: JNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; raw: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

type MemberDecoder = (value: JNode) => void;

/** ParanoidUnmarshalJSONObject: members in document order; duplicate → unknown → the member's own decoding. */
function paranoidObject(node: JNode, resolve: (key: string) => MemberDecoder | undefined): void {
  if (node.kind !== 'object') {
    throw new InvalidSignatureError(`JSON object expected, got ${goTokenSharpV(node)}`);
  }
  const seen = new Set<string>();
  for (const { key, value } of node.members) {
    if (seen.has(key)) throw new InvalidSignatureError(`Duplicate key ${goQuote(key)}`);
    seen.add(key);
    const decode = resolve(key);
    if (decode === undefined) throw new InvalidSignatureError(`Unknown key ${goQuote(key)}`);
    decode(value);
  }
}

/**
 * ParanoidUnmarshalJSONObjectExactFields. Go reports the first missing key in map order (random); we report the first
 * one in the order the fields are listed, which is one of the messages Go can produce.
 */
function paranoidExactFields(node: JNode, fields: readonly string[], store: (key: string, value: JNode) => void): void {
  const seen = new Set<string>();
  paranoidObject(node, (key) => {
    if (!fields.includes(key)) return undefined;
    return (value) => {
      seen.add(key);
      store(key, value);
    };
  });
  for (const f of fields) {
    if (!seen.has(f)) throw new InvalidSignatureError(`Key ${goQuote(f)} missing in a JSON object`);
  }
}

/** Go decoding into a `string`: null leaves it "" (no error); anything but a string is an UnmarshalTypeError. */
function decodeString(node: JNode): string {
  if (node.kind === 'null') return '';
  if (node.kind === 'string') return node.value;
  throw new InvalidSignatureError(`json: cannot unmarshal ${goJSONKind(node)} into Go value of type string`);
}

/** Go decoding into a `float64`: null leaves it 0; out-of-range numbers fail like strconv.ParseFloat. */
function decodeFloat64(node: JNode): number {
  if (node.kind === 'null') return 0;
  if (node.kind === 'number') return parseGoFloat(node.raw);
  throw new InvalidSignatureError(`json: cannot unmarshal ${goJSONKind(node)} into Go value of type float64`);
}

/** Go decoding into an `any`: only numbers can fail (float64 overflow), at any depth. */
function decodeAny(node: JNode): void {
  switch (node.kind) {
    case 'number':
      parseGoFloat(node.raw);
      return;
    case 'array':
      node.items.forEach(decodeAny);
      return;
    case 'object':
      node.members.forEach((m) => decodeAny(m.value));
      return;
    default:
      return;
  }
}

function parseGoFloat(raw: string): number {
  const v = Number(raw);
  if (!Number.isFinite(v)) {
    throw new InvalidSignatureError(`json: cannot unmarshal number ${raw} into Go value of type float64`);
  }
  return v;
}

function goJSONKind(node: JNode): string {
  return node.kind; // object, array, string, number, bool — Go's UnmarshalTypeError.Value words
}

/** `%#v` of the first token json.Decoder.Token() returns for this value (c/image: `JSON object expected, got %#v`). */
function goTokenSharpV(node: JNode): string {
  switch (node.kind) {
    case 'array':
      return '91'; // json.Delim('[') is a rune
    case 'object':
      return '123';
    case 'null':
      return '<nil>';
    case 'bool':
      return String(node.value);
    case 'string':
      return goQuote(node.value);
    case 'number':
      return goFormatFloat(Number(node.raw));
  }
}

/** Go's `%v` for a float64: strconv 'g' with the shortest digits, exponent form when the exponent is < -4 or >= 6. */
function goFormatFloat(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // JS toExponential() without an argument gives the shortest round-trip digits, as strconv does.
  const [mantissa, e] = v.toExponential().split('e') as [string, string];
  const exponent = Number(e);
  if (exponent < -4 || exponent >= 6) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Go's encoding/json scanner: syntax check with Go's error texts (scanner.go), over bytes.

const MAX_NESTING_DEPTH = LIMITS.maxJSONNestingDepth; // encoding/json's maxNestingDepth

function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const q = goQuote(String.fromCharCode(c)); // Go: strconv.Quote(string(rune(c))) with the quotes swapped
  return "'" + q.slice(1, -1) + "'";
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Returns Go's error message for invalid JSON (json.Unmarshal's checkValid), or null when the input is valid. */
export function goJSONSyntaxError(b: Uint8Array): string | null {
  let i = 0;
  const n = b.length;
  const err = (ctx: string) => `invalid character ${quoteChar(b[i]!)} ${ctx}`;
  const EOF = 'unexpected end of JSON input';
  // Parse stack: what closes the current container and whether we are at a key or value.
  const stack: ('object' | 'array')[] = [];

  const skipSpace = () => {
    while (i < n && isSpace(b[i]!)) i++;
  };

  // Scans one value starting at b[i] (whitespace already skipped). Returns an error or null; containers push state.
  const scanString = (): string | null => {
    i++; // opening quote
    for (;;) {
      if (i >= n) return EOF;
      const c = b[i]!;
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c === 0x5c) {
        i++;
        if (i >= n) return EOF;
        const e = b[i]!;
        if ([0x62, 0x66, 0x6e, 0x72, 0x74, 0x5c, 0x2f, 0x22].includes(e)) {
          i++;
          continue;
        }
        if (e === 0x75) {
          i++;
          for (let k = 0; k < 4; k++) {
            if (i >= n) return EOF;
            if (!isHex(b[i]!)) return err('in \\u hexadecimal character escape');
            i++;
          }
          continue;
        }
        return err('in string escape code');
      }
      if (c < 0x20) return err('in string literal');
      i++;
    }
  };

  const scanNumber = (): string | null => {
    if (b[i] === 0x2d) {
      i++;
      if (i >= n) return EOF;
      if (!isDigit(b[i]!)) return err('in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (i < n && isDigit(b[i]!)) i++;
    if (i < n && b[i] === 0x2e) {
      i++;
      if (i >= n) return EOF;
      if (!isDigit(b[i]!)) return err('after decimal point in numeric literal');
      while (i < n && isDigit(b[i]!)) i++;
    }
    if (i < n && (b[i] === 0x65 || b[i] === 0x45)) {
      i++;
      if (i >= n) return EOF;
      if (b[i] === 0x2b || b[i] === 0x2d) {
        i++;
        if (i >= n) return EOF;
      }
      if (!isDigit(b[i]!)) return err('in exponent of numeric literal');
      while (i < n && isDigit(b[i]!)) i++;
    }
    return null;
  };

  const scanLiteral = (word: string): string | null => {
    i++;
    for (let k = 1; k < word.length; k++) {
      if (i >= n) return EOF;
      if (b[i] !== word.charCodeAt(k)) return err(`in literal ${word} (expecting '${word[k]}')`);
      i++;
    }
    return null;
  };

  // Value position. Opening a container does not recurse: it returns WANT_KEY / WANT_VALUE and `scan` loops, so
  // 10,000 levels of nesting (Go's limit) cannot overflow the JavaScript stack (found by scripts/fuzz.ts).
  const WANT_VALUE = 1;
  const WANT_KEY = 2;
  type Step = string | null | typeof WANT_VALUE | typeof WANT_KEY;
  const scan = (first: Step): string | null => {
    let r = first;
    while (r === WANT_VALUE || r === WANT_KEY) r = r === WANT_VALUE ? beginValue() : beginKey();
    return r;
  };
  const beginValue = (): Step => {
    skipSpace();
    if (i >= n) return EOF;
    const c = b[i]!;
    switch (c) {
      case 0x7b:
        if (stack.length >= MAX_NESTING_DEPTH) return err('exceeded max depth');
        i++;
        stack.push('object');
        skipSpace();
        if (i >= n) return EOF;
        if (b[i] === 0x7d) {
          i++;
          stack.pop();
          return null;
        }
        return WANT_KEY;
      case 0x5b:
        if (stack.length >= MAX_NESTING_DEPTH) return err('exceeded max depth');
        i++;
        stack.push('array');
        skipSpace();
        if (i >= n) return EOF;
        if (b[i] === 0x5d) {
          i++;
          stack.pop();
          return null;
        }
        return WANT_VALUE;
      case 0x22:
        return scanString();
      case 0x2d:
        return scanNumber();
      case 0x74:
        return scanLiteral('true');
      case 0x66:
        return scanLiteral('false');
      case 0x6e:
        return scanLiteral('null');
      default:
        if (isDigit(c)) return scanNumber();
        return err('looking for beginning of value');
    }
  };

  const beginKey = (): Step => {
    skipSpace();
    if (i >= n) return EOF;
    if (b[i] !== 0x22) return err('looking for beginning of object key string');
    const e = scanString();
    if (e !== null) return e;
    skipSpace();
    if (i >= n) return EOF;
    if (b[i] !== 0x3a) return err('after object key');
    i++;
    return WANT_VALUE;
  };

  let e = scan(WANT_VALUE);
  while (e === null) {
    // After a complete value: close containers or continue them.
    skipSpace();
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (i < n) return err('after top-level value');
      return null;
    }
    if (i >= n) return EOF;
    const c = b[i]!;
    if (top === 'object') {
      if (c === 0x2c) {
        i++;
        e = scan(WANT_KEY);
      } else if (c === 0x7d) {
        i++;
        stack.pop();
      } else return err('after object key:value pair');
    } else {
      if (c === 0x2c) {
        i++;
        e = scan(WANT_VALUE);
      } else if (c === 0x5d) {
        i++;
        stack.pop();
      } else return err('after array element');
    }
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Tree reader for input that passed goJSONSyntaxError; decodes strings the way Go does.

class TreeReader {
  private i = 0;
  constructor(private readonly b: Uint8Array) {}

  readDocument(): JNode {
    return this.value();
  }

  private skip(): void {
    while (this.i < this.b.length && isSpace(this.b[this.i]!)) this.i++;
  }

  /**
   * One value. Containers are built with an explicit stack, not recursion: the syntax check allows 10,000 levels
   * (Go's limit), which recursion here would not survive (RangeError, found by scripts/fuzz.ts).
   */
  private value(): JNode {
    type Open = { node: { kind: 'object'; members: { key: string; value: JNode }[] }; key: string } | { node: { kind: 'array'; items: JNode[] } };
    const stack: Open[] = [];
    for (;;) {
      // Read one value; an opened non-empty container is pushed and its first element is read next.
      this.skip();
      const c = this.b[this.i]!;
      let done: JNode | undefined;
      if (c === 0x7b) {
        this.i++;
        this.skip();
        const node = { kind: 'object' as const, members: [] as { key: string; value: JNode }[] };
        if (this.b[this.i] === 0x7d) {
          this.i++;
          done = node;
        } else {
          stack.push({ node, key: this.memberKey() });
          continue;
        }
      } else if (c === 0x5b) {
        this.i++;
        this.skip();
        const node = { kind: 'array' as const, items: [] as JNode[] };
        if (this.b[this.i] === 0x5d) {
          this.i++;
          done = node;
        } else {
          stack.push({ node });
          continue;
        }
      } else {
        done = this.scalar(c);
      }
      // Attach the finished value to its container; close containers that end here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return done;
        if (top.node.kind === 'object') top.node.members.push({ key: (top as { key: string }).key, value: done });
        else top.node.items.push(done);
        this.skip();
        const close = this.b[this.i++];
        if (close === 0x7d || close === 0x5d) {
          stack.pop();
          done = top.node;
          continue;
        }
        // ',' — the next element (after the key, for an object)
        if (top.node.kind === 'object') (top as { key: string }).key = this.memberKey();
        break;
      }
    }
  }

  /** `"key" :` — positioned at the key (after optional whitespace); leaves the reader at the value. */
  private memberKey(): string {
    this.skip();
    const key = this.string();
    this.skip();
    this.i++; // ':'
    return key;
  }

  private scalar(c: number): JNode {
    if (c === 0x22) return { kind: 'string', value: this.string() };
    if (c === 0x74) {
      this.i += 4;
      return { kind: 'bool', value: true };
    }
    if (c === 0x66) {
      this.i += 5;
      return { kind: 'bool', value: false };
    }
    if (c === 0x6e) {
      this.i += 4;
      return { kind: 'null' };
    }
    const start = this.i;
    while (this.i < this.b.length && /[-+.eE0-9]/.test(String.fromCharCode(this.b[this.i]!))) this.i++;
    return { kind: 'number', raw: Buffer.from(this.b.subarray(start, this.i)).toString('latin1') };
  }

  /** Go's unquote: escapes, lone surrogates → U+FFFD, each invalid UTF-8 byte → U+FFFD. */
  private string(): string {
    const b = this.b;
    this.i++; // opening quote
    let out = '';
    for (;;) {
      const c = b[this.i]!;
      if (c === 0x22) {
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        const e = b[this.i + 1]!;
        this.i += 2;
        switch (e) {
          case 0x62: out += '\b'; break;
          case 0x66: out += '\f'; break;
          case 0x6e: out += '\n'; break;
          case 0x72: out += '\r'; break;
          case 0x74: out += '\t'; break;
          case 0x75: {
            let r = this.hex4(this.i);
            this.i += 4;
            if (r >= 0xd800 && r <= 0xdfff) {
              // A valid pair only when a high surrogate is followed by `\u` + a low surrogate.
              if (r < 0xdc00 && b[this.i] === 0x5c && b[this.i + 1] === 0x75) {
                const r2 = this.hex4(this.i + 2);
                if (r2 >= 0xdc00 && r2 <= 0xdfff) {
                  this.i += 6;
                  out += String.fromCodePoint(0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00));
                  break;
                }
              }
              r = 0xfffd;
            }
            out += String.fromCharCode(r);
            break;
          }
          default:
            out += String.fromCharCode(e); // \\ \/ \"
        }
        continue;
      }
      if (c < 0x80) {
        out += String.fromCharCode(c);
        this.i++;
        continue;
      }
      const [cp, size] = decodeRuneGo(b, this.i);
      out += String.fromCodePoint(cp);
      this.i += size;
    }
  }

  private hex4(at: number): number {
    return parseInt(Buffer.from(this.b.subarray(at, at + 4)).toString('latin1'), 16);
  }
}

/** utf8.DecodeRune: a valid sequence, or (U+FFFD, 1) for any invalid byte. */
function decodeRuneGo(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const c = b[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf && cont(1)) return [((c0 & 0x1f) << 6) | (b[i + 1]! & 0x3f), 2];
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const lo = c0 === 0xe0 ? 0xa0 : 0x80;
    const hi = c0 === 0xed ? 0x9f : 0xbf; // no surrogates
    if (cont(1, lo, hi) && cont(2)) return [((c0 & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f), 3];
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const lo = c0 === 0xf0 ? 0x90 : 0x80;
    const hi = c0 === 0xf4 ? 0x8f : 0xbf;
    if (cont(1, lo, hi) && cont(2) && cont(3)) {
      return [((c0 & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f), 4];
    }
  }
  return [0xfffd, 1];
}
