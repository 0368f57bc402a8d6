/**
 * Go's `mime.ParseMediaType` (Go 1.24), as c/image's `simplifyContentType` uses it on every manifest answer: the
 * media type a registry's Content-Type names decides whether c/image reads a manifest list or a single image, so
 * the parse must agree with Go's to the byte. It differs from a naive split in ways a hostile registry can use:
 *  - the header is Go `string` bytes, i.e. UTF-8, lower-cased rune by rune with Unicode simple folding
 *    (`applİcation/…` with U+0130 becomes `application/…`; U+212A KELVIN SIGN becomes `k`);
 *  - space is `unicode.IsSpace`, not JavaScript's `trim()` set (Go does not trim U+FEFF, does trim U+0085);
 *  - a type without a subtype (`text`) is valid; a malformed parameter is an error (which c/image turns into "").
 */

export class GoMimeError extends Error {}

/** `unicode.IsSpace`. */
export function goIsSpace(c: string): boolean {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case '\u0085':
    case '\u00a0':
    case '\u1680':
    case '\u2028':
    case '\u2029':
    case '\u202f':
    case '\u205f':
    case '\u3000':
      return true;
  }
  return c >= '\u2000' && c <= '\u200a';
}

function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length && goIsSpace(s[i]!)) i++;
  return s.slice(i);
}

/** `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  let end = s.length;
  while (end > 0 && goIsSpace(s[end - 1]!)) end--;
  return trimLeftSpace(s.slice(0, end));
}

/**
 * `strings.ToLower` on a string already decoded from UTF-8 (invalid bytes as U+FFFD, as Go's `strings.Map` writes
 * them): `unicode.ToLower` per rune, which is the simple mapping. JavaScript's `toLowerCase` applies the full
 * mapping, which turns U+0130 into two code points (`i̇`), so that rune is mapped by hand.
 */
export function goToLower(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '\u0130') {
      out += 'i';
      continue;
    }
    const l = ch.toLowerCase();
    out += [...l].length === 1 ? l : ch;
  }
  return out;
}

const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTSpecial(c: string): boolean {
  return TSPECIALS.includes(c);
}

/** RFC 1521 token character: US-ASCII, not a space, a control or a tspecial. */
function isTokenChar(c: string): boolean {
  const code = c.codePointAt(0)!;
  return code > 0x20 && code < 0x7f && !isTSpecial(c);
}

function consumeToken(v: string): [string, string] {
  let i = 0;
  while (i < v.length && isTokenChar(v[i]!)) i++;
  return [v.slice(0, i), v.slice(i)];
}

function consumeValue(v: string): [string, string] {
  if (v === '') return ['', ''];
  if (v[0] !== '"') return consumeToken(v);
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!;
    if (c === '"') return [out, v.slice(i + 1)];
    // Go keeps a backslash before a non-tspecial as a literal backslash (MSIE file paths).
    if (c === '\\' && i + 1 < v.length && isTSpecial(v[i + 1]!)) {
      out += v[i + 1];
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') return ['', v];
    out += c;
  }
  return ['', v];
}

function consumeMediaParam(v: string): [string, string, string] {
  let rest = trimLeftSpace(v);
  if (!rest.startsWith(';')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  let param: string;
  [param, rest] = consumeToken(rest);
  param = goToLower(param);
  if (param === '') return ['', '', v];
  rest = trimLeftSpace(rest);
  if (!rest.startsWith('=')) return ['', '', v];
  rest = trimLeftSpace(rest.slice(1));
  const [value, rest2] = consumeValue(rest);
  if (value === '' && rest2 === rest) return ['', '', v];
  return [param, value, rest2];
}

function checkMediaTypeDisposition(s: string): void {
  const [typ, rest] = consumeToken(s);
  if (typ === '') throw new GoMimeError('mime: no media type');
  if (rest === '') return;
  if (!rest.startsWith('/')) throw new GoMimeError('mime: expected slash after first token');
  const [subtype, rest2] = consumeToken(rest.slice(1));
  if (subtype === '') throw new GoMimeError('mime: expected token after slash');
  if (rest2 !== '') throw new GoMimeError('mime: unexpected content after media subtype');
}

/**
 * `mime.ParseMediaType(v)`: the lower-cased media type and its parameters, or a {@link GoMimeError} with Go's text.
 * RFC 2231 continuations are kept under their raw names: c/image never reads parameters, and their decoding never
 * fails in Go, so only the error/no-error outcome and the media type matter here.
 */
export function parseMediaType(v: string): { mediaType: string; params: Map<string, string> } {
  const semi = v.indexOf(';');
  const base = semi === -1 ? v : v.slice(0, semi);
  const mediaType = goTrimSpace(goToLower(base));
  checkMediaTypeDisposition(mediaType);
  const params = new Map<string, string>();
  const continuation = new Map<string, Map<string, string>>();
  let rest = v.slice(base.length);
  while (rest.length > 0) {
    rest = trimLeftSpace(rest);
    if (rest.length === 0) break;
    const [key, value, after] = consumeMediaParam(rest);
    if (key === '') {
      // A trailing semicolon is not an error.
      if (goTrimSpace(after) === ';') break;
      throw new GoMimeError('mime: invalid media parameter');
    }
    let pmap = params;
    const star = key.indexOf('*');
    if (star !== -1) {
      const baseName = key.slice(0, star);
      pmap = continuation.get(baseName) ?? new Map();
      continuation.set(baseName, pmap);
    }
    const existing = pmap.get(key);
    if (existing !== undefined && existing !== value) throw new GoMimeError('mime: duplicate parameter name');
    pmap.set(key, value);
    rest = after;
  }
  for (const [, m] of continuation) for (const [k, val] of m) if (!params.has(k)) params.set(k, val);
  return { mediaType, params };
}

/**
 * An HTTP header value as Go holds it: Node's parser hands each header byte over as one latin1 character, Go keeps
 * the bytes and treats them as UTF-8 wherever it looks at runes. Invalid sequences become U+FFFD, which no token
 * accepts, as in Go.
 */
export function headerBytesAsUTF8(latin1: string): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Buffer.from(latin1, 'latin1'));
}
