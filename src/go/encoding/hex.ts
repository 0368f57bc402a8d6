/** Go's `encoding/hex` decoding, with its error texts (c/image puts them in SET messages). */

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
