/**
 * A small DER walker. node:crypto parses certificates and keys, but it exposes neither arbitrary extensions (the
 * Fulcio OIDC issuer, name constraints), nor the raw subject/issuer bytes Go's path building compares, so those
 * are read here. Only definite, minimally encoded lengths are accepted (DER), as Go's cryptobyte parser does.
 */

export class DERError extends Error {}

export interface TLV {
  /** The identifier octet (class | constructed | tag number; high tag numbers are not needed here). */
  readonly tag: number;
  /** Start of the whole element, start of its contents, end of the element (exclusive), within `buf`. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  readonly buf: Uint8Array;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  NumericString: 0x12,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function readTLV(buf: Uint8Array, offset: number, limit: number = buf.length): TLV {
  if (offset + 2 > limit) throw new DERError('truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DERError('high-tag-number form is not supported');
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DERError('unsupported length encoding');
    if (p + n > limit) throw new DERError('truncated length');
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + buf[p + k]!;
    if (buf[p] === 0) throw new DERError('non-minimal length');
    if (len < 0x80) throw new DERError('non-minimal length');
    p += n;
  }
  if (p + len > limit) throw new DERError('truncated contents');
  return { tag, start: offset, contentStart: p, end: p + len, buf };
}

export function contents(t: TLV): Uint8Array {
  return t.buf.subarray(t.contentStart, t.end);
}
export function whole(t: TLV): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

/** The elements inside a constructed TLV. */
export function children(t: TLV): TLV[] {
  const out: TLV[] = [];
  let p = t.contentStart;
  while (p < t.end) {
    const c = readTLV(t.buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function expect(t: TLV, tag: number, what: string): TLV {
  if (t.tag !== tag) throw new DERError(`${what}: unexpected tag 0x${t.tag.toString(16)}`);
  return t;
}

/** Parses exactly one element spanning all of `buf`. */
export function parseOne(buf: Uint8Array): TLV {
  const t = readTLV(buf, 0);
  if (t.end !== buf.length) throw new DERError('trailing data');
  return t;
}

export function decodeOID(t: TLV): string {
  const b = contents(t);
  if (b.length === 0) throw new DERError('empty OID');
  const parts: number[] = [];
  let v = 0;
  let first = true;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      if (first) {
        const a = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(a, v - a * 40);
        first = false;
      } else parts.push(v);
      v = 0;
    } else if (i === b.length - 1) throw new DERError('truncated OID');
  }
  return parts.join('.');
}

export function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return [0x80 | bytes.length, ...bytes];
}

export function encodeTLV(tag: number, body: Uint8Array): Uint8Array {
  return new Uint8Array([tag, ...encodeLength(body.length), ...body]);
}

/** A minimal DER INTEGER for a non-negative big-endian magnitude. */
export function encodeUnsignedInteger(mag: Uint8Array): Uint8Array {
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  let m = mag.subarray(i);
  if (m.length === 0) m = new Uint8Array([0]);
  const body = m[0]! & 0x80 ? new Uint8Array([0, ...m]) : m;
  return encodeTLV(TAG.INTEGER, body);
}

/** Is this a valid, minimally encoded DER INTEGER body (Go's asn1 rules)? */
export function isValidInteger(body: Uint8Array): boolean {
  if (body.length === 0) return false;
  if (body.length > 1 && ((body[0] === 0 && !(body[1]! & 0x80)) || (body[0] === 0xff && body[1]! & 0x80))) return false;
  return true;
}

/** A UTCTime / GeneralizedTime (the forms RFC 5280 allows: `YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`). */
export function decodeTime(t: TLV): Date {
  const s = Buffer.from(contents(t)).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === TAG.UTCTime) {
    m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/);
    if (!m) throw new DERError('malformed UTCTime');
    const yy = parseInt(m[1]!, 10);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(Date.UTC(year, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  }
  if (t.tag === TAG.GeneralizedTime) {
    m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/);
    if (!m) throw new DERError('malformed GeneralizedTime');
    return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  }
  throw new DERError('unexpected time tag');
}
