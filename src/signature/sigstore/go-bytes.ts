/**
 * Go renderings of raw bytes that c/image puts into messages: `%#v`/`%q` of `string(bytes)` (invalid UTF-8 as
 * `\xNN`), and `encoding/hex` decoding with its error texts.
 */
import { goQuote } from '../../go/fmt.js';

/** Go `%q` of `string(b)`: valid UTF-8 sequences quoted as by strconv.Quote, invalid bytes as `\xNN`. */
export function goQuoteBytes(b: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let len = 0;
    let cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    let ok = len > 0 && i + len <= b.length;
    for (let k = 1; ok && k < len; k++) {
      const cc = b[i + k]!;
      if ((cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && len === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok && len === 4 && (cp < 0x10000 || cp > 0x10ffff)) ok = false;
    if (!ok) {
      out += '\\x' + c.toString(16).padStart(2, '0');
      i++;
      continue;
    }
    out += goQuote(String.fromCodePoint(cp)).slice(1, -1);
    i += len;
  }
  return out + '"';
}

function fromHexChar(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function invalidByte(c: number): Error {
  const u = 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
  const printable = c >= 0x20 && c !== 0x7f && !(c >= 0x80 && c < 0xa0) && c !== 0xad;
  return new Error(`encoding/hex: invalid byte: ${u}${printable ? ` '${String.fromCharCode(c)}'` : ''}`);
}

/** Go `hex.DecodeString` (upper and lower case; an invalid character is reported before an odd length). */
export function goHexDecode(s: string): Uint8Array {
  const src = Buffer.from(s, 'utf8');
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = fromHexChar(src[j - 1]!);
    if (a < 0) throw invalidByte(src[j - 1]!);
    const b = fromHexChar(src[j]!);
    if (b < 0) throw invalidByte(src[j]!);
    out[(j - 1) >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    if (fromHexChar(src[j - 1]!) < 0) throw invalidByte(src[j - 1]!);
    throw new Error('encoding/hex: odd length hex string');
  }
  return out;
}
