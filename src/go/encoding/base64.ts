/**
 * Go's `base64.StdEncoding.DecodeString`, byte for byte: standard alphabet, `=` padding required, `\r` and `\n`
 * skipped anywhere, nothing else tolerated. c/image decodes every base64 field this way (signature annotation, SET
 * fields, hashedrekord members, and the policy's `[]byte` fields such as keyData); the platform decoders are lenient
 * (Node's `Buffer.from(…, 'base64')` silently drops garbage), and a lenient decoder would accept signatures and
 * policies that CRI-O rejects. Error texts are Go's `illegal base64 data at input byte N`, with N computed as Go
 * computes it.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** base64.URLEncoding's alphabet (RFC 4648 §5): `-` and `_` instead of `+` and `/`. */
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const decodeMap = (alphabet: string): Int16Array => {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
};
const STD_DECODE_MAP = decodeMap(ALPHABET);
const URL_DECODE_MAP = decodeMap(URL_ALPHABET);
const PAD = 0x3d; // '='
const NL = 0x0a;
const CR = 0x0d;

export class GoBase64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

/**
 * Decodes Go-style; accepts a string (its UTF-8 bytes, as Go sees them) or bytes. `url`: base64.URLEncoding
 * (same rules, URL alphabet), which libtrust's joseBase64UrlDecode uses after re-adding the padding.
 */
export function goBase64Decode(input: string | Uint8Array, opts: { url?: boolean } = {}): Uint8Array {
  const DECODE_MAP = opts.url ? URL_DECODE_MAP : STD_DECODE_MAP;
  const src = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    // One quantum (port of Go's decodeQuantum): up to four symbols, newlines skipped.
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingError: number | undefined;
    let j = 0;
    for (; j < 4; j++) {
      if (src.length === si) {
        if (j === 0) return new Uint8Array(out);
        // Padded encoding: a partial quantum at the end is corrupt.
        throw new GoBase64Error(si - j);
      }
      const ch = src[si]!;
      si++;
      const v = DECODE_MAP[ch]!;
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (ch === NL || ch === CR) {
        j--;
        continue;
      }
      if (ch !== PAD) throw new GoBase64Error(si - 1);
      // Padding reached.
      if (j === 0 || j === 1) throw new GoBase64Error(si - 1);
      if (j === 2) {
        // "==" expected; the first '=' is consumed.
        while (si < src.length && (src[si] === NL || src[si] === CR)) si++;
        if (si === src.length) throw new GoBase64Error(src.length);
        if (src[si] !== PAD) throw new GoBase64Error(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === NL || src[si] === CR)) si++;
      if (si < src.length) trailingError = si;
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const b0 = (val >> 16) & 0xff;
    const b1 = (val >> 8) & 0xff;
    const b2 = val & 0xff;
    if (dlen >= 2) out.push(b0);
    if (dlen >= 3) out.push(b1);
    if (dlen >= 4) out.push(b2);
    if (trailingError !== undefined) throw new GoBase64Error(trailingError);
  }
  return new Uint8Array(out);
}
