/**
 * The one token-level JSON reader for every document c/image reads with Go's encoding/json: policy.json, the
 * simple-signing / cosign signature payloads, the Rekor SET and its hashedrekord body.
 *
 * Why not `JSON.parse`: it silently keeps the last of two duplicate keys, and containers/image refuses duplicates
 * (`Duplicate key "x"`) — a policy that says `"default": [reject], "default": [insecureAcceptAnything]` must not
 * quietly become permissive, nor may a signature payload carry two identities. We also keep the line, column and
 * JSON path of every value so that policy `lint` can point at the problem, which c/image cannot do.
 *
 * The reader mirrors Go's encoding/json scanner (`checkValid`): it works on UTF-8 bytes, accepts exactly the same
 * documents, and words syntax errors the way Go does (`invalid character '}' looking for beginning of object key
 * string`, `unexpected end of JSON input`, …), because c/image checks the whole document before any semantic rule
 * runs. String values are unescaped the way Go does it too (invalid UTF-8 and lone surrogates become U+FFFD).
 *
 * The reader is iterative (an explicit stack) so that Go's 10000-level nesting limit is reachable without
 * overflowing the JavaScript call stack.
 */
import { isUtf8 } from 'node:buffer';
import { LIMITS } from '../../../limits.js';

/** Where a value (or key) stands in the document. `column` counts characters (code points), 1-based. */
export interface JsonLocation {
  /** JSON path such as `$.transports.docker["quay.io/x"][0].keyPath`. */
  readonly path: string;
  readonly line: number;
  readonly column: number;
  /** Byte offset into the UTF-8 document. */
  readonly offset: number;
}

interface NodeBase {
  readonly loc: JsonLocation;
}

export interface JsonObjectEntry {
  readonly key: string;
  /** Where the key string starts; its `path` is the path of the value it names. */
  readonly keyLoc: JsonLocation;
  readonly value: JsonNode;
}

export interface JsonObject extends NodeBase {
  readonly kind: 'object';
  /** In document order, duplicates kept: deciding what a duplicate means is the caller's job. */
  readonly entries: JsonObjectEntry[];
}
export interface JsonArray extends NodeBase {
  readonly kind: 'array';
  readonly items: JsonNode[];
}
export interface JsonString extends NodeBase {
  readonly kind: 'string';
  readonly value: string;
  /** The unescaped value as UTF-8 bytes, exactly as Go holds it (base64 offsets are byte offsets). */
  readonly bytes: Uint8Array;
  /** The literal between its quotes as written, when that differs from `bytes` (a json.Unmarshaler sees it). */
  readonly raw?: Uint8Array;
}
export interface JsonNumber extends NodeBase {
  readonly kind: 'number';
  /** The literal as written: Go decodes numbers from their text (`number 1.5`, `%#v` of the float). */
  readonly raw: string;
}
export interface JsonBool extends NodeBase {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface JsonNull extends NodeBase {
  readonly kind: 'null';
}

export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonBool | JsonNull;

/**
 * A JSON value as the decoders see it: a {@link JsonNode}, or the same without positions (read with
 * `positions: false`, or built by hand).
 */
export type GoJsonValue =
  | { readonly kind: 'object'; readonly entries: readonly GoJsonEntry[]; readonly loc?: JsonLocation }
  | { readonly kind: 'array'; readonly items: readonly GoJsonValue[]; readonly loc?: JsonLocation }
  /** `bytes`: the unescaped UTF-8 when the reader produced it (base64 offsets are byte offsets). */
  | { readonly kind: 'string'; readonly value: string; readonly bytes?: Uint8Array; readonly raw?: Uint8Array; readonly loc?: JsonLocation }
  | { readonly kind: 'number'; readonly raw: string; readonly loc?: JsonLocation }
  | { readonly kind: 'bool'; readonly value: boolean; readonly loc?: JsonLocation }
  | { readonly kind: 'null'; readonly loc?: JsonLocation };

export interface GoJsonEntry {
  readonly key: string;
  readonly keyLoc?: JsonLocation;
  readonly value: GoJsonValue;
}

/**
 * A Go `encoding/json` (or c/image JSONFormatError) failure; `message` is Go's text, `loc` where it happened when
 * the value came from this reader. Each caller wraps it in its own error type (policy, signature).
 */
export class GoJSONError extends Error {
  constructor(
    message: string,
    readonly loc?: JsonLocation,
  ) {
    super(message);
  }
}

/** A syntax error, worded as Go's encoding/json words it. */
export class JsonSyntaxError extends GoJSONError {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly location: JsonLocation,
  ) {
    super(message, location);
  }
}

/** Go's scanner refuses deeper nesting (encoding/json maxNestingDepth). */
export const MAX_NESTING_DEPTH = LIMITS.maxJSONNestingDepth;

const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of a member: `.name` when it reads as an identifier, else `["…"]` with JSON quoting. */
export function memberPath(parent: string, key: string): string {
  return IDENTIFIER_RE.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/**
 * Go's `quoteChar` for the byte a syntax error is about: the byte is taken as a code point (so a UTF-8 BOM's first
 * byte 0xEF reads `'ï'`) and quoted like `strconv.Quote` would, between single quotes.
 */
export function goQuoteByte(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };
  const n = named[c];
  if (n !== undefined) return `'${n}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Latin-1 code points that strconv.IsPrint rejects: C1 controls, NBSP (Zs other than ' '), soft hyphen (Cf).
  if ((c >= 0x80 && c < 0xa1) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCodePoint(c)}'`;
}

/** `\b \f \n \r \t \\ \/ \"` → the byte they stand for. */
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  0x62: 8,
  0x66: 12,
  0x6e: 10,
  0x72: 13,
  0x74: 9,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x22: 0x22,
};

const enum Ch {
  Tab = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Comma = 0x2c,
  Minus = 0x2d,
  Plus = 0x2b,
  Dot = 0x2e,
  Slash = 0x2f,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  LBracket = 0x5b,
  Backslash = 0x5c,
  RBracket = 0x5d,
  LBrace = 0x7b,
  RBrace = 0x7d,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

interface ObjectFrame {
  readonly node: JsonObject;
  /** Key read but value not yet: the next value belongs to it. */
  pendingKey?: { key: string; keyLoc: JsonLocation };
}
interface ArrayFrame {
  readonly node: JsonArray;
}
type Frame = ObjectFrame | ArrayFrame;

/** A parsed document: its root value, and its bytes for anyone who needs the raw text. */
export interface JsonDocument {
  readonly root: JsonNode;
  readonly bytes: Uint8Array;
}

export interface ReadOptions {
  /**
   * false: values carry no `loc` (and a syntax error's location has the path `$`). Computing a path for every
   * value dominates the cost of reading; only the policy parser reports positions, the signature code needs none.
   */
  readonly positions?: boolean;
}

/**
 * Reads one JSON document (exactly one top-level value, whitespace around it allowed), or throws
 * {@link JsonSyntaxError} with Go's message. A string input is encoded as UTF-8 first.
 */
export function readJson(input: string | Uint8Array, options?: { readonly positions?: true }): JsonDocument;
export function readJson(input: string | Uint8Array, options: ReadOptions): { readonly root: GoJsonValue; readonly bytes: Uint8Array };
export function readJson(input: string | Uint8Array, options: ReadOptions = {}): JsonDocument {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const positions = options.positions ?? true;
  if (positions || typeof input === 'string') return { root: new Reader(bytes, positions).read(), bytes };
  // One registry document is read several times (GuessMIMEType, the digest's schema-1 check, the ambiguity check,
  // the parse by type), each time from the same bytes: a 4 MiB index must not be scanned five times. The tree of
  // a given byte array is a pure function of it and is never modified, so it is kept while the bytes live.
  let root = TREES.get(bytes);
  if (root === undefined) {
    root = new Reader(bytes, false).read();
    TREES.set(bytes, root);
  }
  return { root, bytes };
}

/** Trees read without positions, by the byte array they were read from (collected with it). */
const TREES = new WeakMap<Uint8Array, JsonNode>();

/** The `loc` of values read without positions: absent in effect (nodes are typed as GoJsonValue for callers). */
const NO_LOC = undefined as unknown as JsonLocation;

class Reader {
  private i = 0;
  private line = 1;
  private column = 1;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly b: Uint8Array,
    private readonly positions: boolean,
  ) {}

  read(): JsonNode {
    // A small state machine: either a value is expected next, or a value was just completed.
    for (;;) {
      const done = this.readValueStart();
      if (done === undefined) continue; // an empty-able container was opened: a value (or its end) comes next
      let node: JsonNode = done;
      // Attach the completed value and handle what may follow it, closing containers as they end.
      for (;;) {
        const top = this.stack[this.stack.length - 1];
        if (top === undefined) {
          this.skipSpace();
          if (this.i < this.b.length) this.error('after top-level value');
          return node;
        }
        if ('items' in top.node) {
          top.node.items.push(node);
        } else {
          const f = top as ObjectFrame;
          f.node.entries.push({ key: f.pendingKey!.key, keyLoc: f.pendingKey!.keyLoc, value: node });
          f.pendingKey = undefined;
        }
        this.skipSpace();
        this.needMore();
        const c = this.b[this.i]!;
        if ('items' in top.node) {
          if (c === Ch.Comma) {
            this.advance();
            break; // next element: a value is expected (`[1,]` then fails "looking for beginning of value")
          }
          if (c === Ch.RBracket) {
            this.advance();
            this.stack.pop();
            node = top.node;
            continue;
          }
          this.error('after array element');
        } else {
          if (c === Ch.Comma) {
            this.advance();
            this.skipSpace();
            this.needMore();
            // After a comma a key is required: `{"a":1,}` fails here.
            if (this.b[this.i] !== Ch.Quote) this.error('looking for beginning of object key string');
            this.readKey(top as ObjectFrame);
            break;
          }
          if (c === Ch.RBrace) {
            this.advance();
            this.stack.pop();
            node = top.node;
            continue;
          }
          this.error('after object key:value pair');
        }
      }
    }
  }

  /** Path of the value that is about to be read. */
  private currentPath(): string {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined || !this.positions) return '$';
    if ('items' in top.node) return indexPath(top.node.loc.path, top.node.items.length);
    const f = top as ObjectFrame;
    return f.pendingKey ? memberPath(f.node.loc.path, f.pendingKey.key) : f.node.loc.path;
  }

  private loc(path = this.currentPath()): JsonLocation {
    return { path, line: this.line, column: this.column, offset: this.i };
  }

  private advance(): void {
    const c = this.b[this.i++]!;
    if (c === Ch.LF) {
      this.line++;
      this.column = 1;
    } else if ((c & 0xc0) !== 0x80) {
      // Count characters, not bytes: continuation bytes do not start a new column.
      this.column++;
    }
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.b[this.i];
      if (c === Ch.Space || c === Ch.Tab || c === Ch.LF || c === Ch.CR) this.advance();
      else return;
    }
  }

  /** Go reports running out of input the same way wherever it happens. */
  private needMore(): void {
    if (this.i >= this.b.length) {
      throw new JsonSyntaxError('unexpected end of JSON input', this.loc());
    }
  }

  private error(context: string): never {
    throw new JsonSyntaxError(`invalid character ${goQuoteByte(this.b[this.i]!)} ${context}`, this.loc());
  }

  private push(frame: Frame): void {
    this.stack.push(frame);
    if (this.stack.length > MAX_NESTING_DEPTH) {
      this.stack.pop();
      this.error('exceeded max depth');
    }
  }

  /**
   * Reads the start of a value. Scalars are read whole and returned; a container is pushed and `undefined` is
   * returned when its first element (or key) has been positioned for reading, or the closed empty container is
   * returned.
   */
  private readValueStart(): JsonNode | undefined {
    this.skipSpace();
    this.needMore();
    const c = this.b[this.i]!;
    const loc = this.positions ? this.loc() : NO_LOC;
    switch (c) {
      case Ch.LBrace: {
        const node: JsonObject = { kind: 'object', loc, entries: [] };
        const frame: ObjectFrame = { node };
        this.push(frame);
        this.advance();
        this.skipSpace();
        this.needMore();
        if (this.b[this.i] === Ch.RBrace) {
          this.advance();
          this.stack.pop();
          return node;
        }
        if (this.b[this.i] !== Ch.Quote) this.error('looking for beginning of object key string');
        this.readKey(frame);
        return undefined;
      }
      case Ch.LBracket: {
        const node: JsonArray = { kind: 'array', loc, items: [] };
        this.push({ node });
        this.advance();
        this.skipSpace();
        this.needMore();
        if (this.b[this.i] === Ch.RBracket) {
          this.advance();
          this.stack.pop();
          return node;
        }
        return undefined;
      }
      case Ch.Quote: {
        const start = this.i + 1;
        const bytes = this.readString();
        const value = decodeGoUtf8(bytes);
        // The fast path returns a view of the input: only a literal with escapes differs from its value.
        if (bytes.buffer === this.b.buffer) return { kind: 'string', loc, value, bytes };
        return { kind: 'string', loc, value, bytes, raw: this.b.subarray(start, this.i - 1) };
      }
      case 0x74: // t
        this.readLiteral('true');
        return { kind: 'bool', loc, value: true };
      case 0x66: // f
        this.readLiteral('false');
        return { kind: 'bool', loc, value: false };
      case 0x6e: // n
        this.readLiteral('null');
        return { kind: 'null', loc };
      default:
        if (c === Ch.Minus || isDigit(c)) return { kind: 'number', loc, raw: this.readNumber() };
        this.error('looking for beginning of value');
    }
  }

  private readKey(frame: ObjectFrame): void {
    const keyLoc0 = this.positions ? this.loc(frame.node.loc.path) : NO_LOC;
    const key = decodeGoUtf8(this.readString());
    this.skipSpace();
    this.needMore();
    if (this.b[this.i] !== Ch.Colon) this.error('after object key');
    this.advance();
    frame.pendingKey = { key, keyLoc: this.positions ? { ...keyLoc0, path: memberPath(frame.node.loc.path, key) } : NO_LOC };
  }

  private readLiteral(word: string): void {
    this.advance(); // first letter already identified
    for (let k = 1; k < word.length; k++) {
      this.needMore();
      if (this.b[this.i] !== word.charCodeAt(k)) this.error(`in literal ${word} (expecting '${word[k]}')`);
      this.advance();
    }
  }

  /** Go's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. What follows is the caller's. */
  private readNumber(): string {
    const start = this.i;
    if (this.b[this.i] === Ch.Minus) {
      this.advance();
      this.needMore();
      if (!isDigit(this.b[this.i]!)) this.error('in numeric literal');
    }
    if (this.b[this.i] === Ch.Zero) this.advance();
    else while (this.i < this.b.length && isDigit(this.b[this.i]!)) this.advance();
    if (this.b[this.i] === Ch.Dot) {
      this.advance();
      this.needMore();
      if (!isDigit(this.b[this.i]!)) this.error('after decimal point in numeric literal');
      while (this.i < this.b.length && isDigit(this.b[this.i]!)) this.advance();
    }
    if (this.b[this.i] === 0x65 || this.b[this.i] === 0x45) {
      this.advance();
      this.needMore();
      if (this.b[this.i] === Ch.Plus || this.b[this.i] === Ch.Minus) {
        this.advance();
        this.needMore();
      }
      if (!isDigit(this.b[this.i]!)) this.error('in exponent of numeric literal');
      while (this.i < this.b.length && isDigit(this.b[this.i]!)) this.advance();
    }
    return decodeGoUtf8(this.b.subarray(start, this.i));
  }

  /** Reads a string literal (at its opening quote) and returns its unescaped UTF-8 bytes. */
  private readString(): Uint8Array {
    this.advance();
    // Fast path for the common literal without escapes: copy it whole. Such a run holds no LF (control characters
    // end it), so only the column moves, by the characters (non-continuation bytes) in it.
    let end = this.i;
    let chars = 0;
    for (; end < this.b.length; end++) {
      const c = this.b[end]!;
      if (c === Ch.Quote || c === Ch.Backslash || c < 0x20) break;
      if ((c & 0xc0) !== 0x80) chars++;
    }
    if (this.b[end] === Ch.Quote) {
      // A view, not a copy: the input is never modified while (or after) it is read.
      const bytes = this.b.subarray(this.i, end);
      this.i = end + 1;
      this.column += chars + 1;
      return bytes;
    }
    // Escapes, a control character or the end of input: byte by byte, for Go's unescaping and error positions.
    const out: number[] = [];
    for (;;) {
      this.needMore();
      const c = this.b[this.i]!;
      if (c === Ch.Quote) {
        this.advance();
        return Uint8Array.from(out);
      }
      if (c < 0x20) this.error('in string literal');
      if (c !== Ch.Backslash) {
        out.push(c);
        this.advance();
        continue;
      }
      this.advance();
      this.needMore();
      const e = this.b[this.i]!;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out.push(simple);
        this.advance();
        continue;
      }
      if (e !== 0x75) this.error('in string escape code');
      this.advance();
      let cp = this.readHex4();
      if (cp >= 0xd800 && cp < 0xdc00) {
        // A high surrogate pairs with an immediately following `\uDC00-\uDFFF`; otherwise Go writes U+FFFD and
        // leaves the next escape to be read on its own.
        if (this.b[this.i] === Ch.Backslash && this.b[this.i + 1] === 0x75) {
          const save = { i: this.i, line: this.line, column: this.column };
          this.advance();
          this.advance();
          const lo = this.readHex4();
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else {
            this.i = save.i;
            this.line = save.line;
            this.column = save.column;
            cp = 0xfffd;
          }
        } else {
          cp = 0xfffd;
        }
      } else if (cp >= 0xdc00 && cp < 0xe000) {
        cp = 0xfffd;
      }
      for (const byte of new TextEncoder().encode(String.fromCodePoint(cp))) out.push(byte);
    }
  }

  private readHex4(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      this.needMore();
      const h = this.b[this.i]!;
      if (!isHex(h)) this.error('in \\u hexadecimal character escape');
      v = v * 16 + parseInt(String.fromCharCode(h), 16);
      this.advance();
    }
    return v;
  }
}

/**
 * UTF-8 → string the way Go's decoder treats a JSON string: each byte that does not start a valid sequence
 * (including overlong forms and encoded surrogates) becomes one U+FFFD, and decoding resumes at the next byte.
 * (WHATWG's TextDecoder would merge some of these, changing `%q` renderings of hostile keys.)
 */
export function decodeGoUtf8(b: Uint8Array): string {
  // Short ASCII strings (nearly every key and value of a registry document) without a Buffer per string: a
  // 15,000-entry index otherwise spends most of its decoding time allocating and collecting them.
  if (b.length <= 128) {
    let ascii = true;
    for (let k = 0; k < b.length; k++) {
      if (b[k]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
  }
  // Valid UTF-8 (no surrogates, no overlong forms) decodes the same either way, and natively much faster.
  if (isUtf8(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      // Fast path for ASCII runs.
      let j = i + 1;
      // Bounded runs keep the spread below engines' argument-count limits.
      while (j < b.length && b[j]! < 0x80 && j - i < 8192) j++;
      out += String.fromCharCode(...b.subarray(i, j));
      i = j;
      continue;
    }
    let size = 0;
    let cp = 0;
    if (c >= 0xc2 && c <= 0xdf && cont(1)) {
      size = 2;
      cp = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
    } else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      if (cont(1, lo, hi) && cont(2)) {
        size = 3;
        cp = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      if (cont(1, lo, hi) && cont(2) && cont(3)) {
        size = 4;
        cp = ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
      }
    }
    if (size === 0) {
      out += '\ufffd';
      i++;
    } else {
      out += String.fromCodePoint(cp);
      i += size;
    }
  }
  return out;
}
