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

/**
 * An OBJECT IDENTIFIER as cryptobyte's ReadASN1ObjectIdentifier reads it (Go 1.24): not empty, every component
 * minimally encoded (no leading 0x80 octet), at most 5 octets and below 2^31 per component, none truncated.
 */
export function decodeOID(t: TLV): string {
  const b = contents(t);
  if (b.length === 0) throw new DERError('empty OID');
  const parts: number[] = [];
  let p = 0;
  const component = (): number => {
    let ret = 0;
    for (let i = 0; p < b.length; i++) {
      if (i === 5) throw new DERError('OID component too long');
      if (ret >= 1 << 24) throw new DERError('OID component overflows');
      const octet = b[p++]!;
      if (i === 0 && octet === 0x80) throw new DERError('non-minimal OID component');
      ret = ret * 128 + (octet & 0x7f);
      if (!(octet & 0x80)) return ret;
    }
    throw new DERError('truncated OID');
  };
  const first = component();
  if (first < 80) parts.push(Math.floor(first / 40), first % 40);
  else parts.push(2, first - 80);
  while (p < b.length) parts.push(component());
  return parts.join('.');
}

/** cryptobyte ReadASN1Boolean: one octet, 0x00 or 0xFF only (DER). */
export function decodeBoolean(t: TLV): boolean {
  const b = contents(t);
  if (t.tag !== TAG.BOOLEAN || b.length !== 1 || (b[0] !== 0 && b[0] !== 0xff)) throw new DERError('invalid BOOLEAN');
  return b[0] === 0xff;
}

/** cryptobyte ReadASN1Integer into a Go int64 (minimal two's complement, at most 8 octets). */
export function decodeInt64(t: TLV): bigint {
  const b = contents(t);
  if (!isValidInteger(b) || b.length > 8) throw new DERError('invalid INTEGER');
  return decodeSignedBig(b);
}

/** A minimal two's-complement INTEGER body as a bigint (no size limit: Go's *big.Int). */
export function decodeSignedBig(b: Uint8Array): bigint {
  if (!isValidInteger(b)) throw new DERError('invalid INTEGER');
  let v = BigInt('0x' + Buffer.from(b).toString('hex'));
  if (b[0]! & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** cryptobyte ReadASN1BitString: padding count < 8, zero padding bits, no padding on an empty string. */
export function decodeBitString(t: TLV): { bytes: Uint8Array; bitLength: number } {
  const b = contents(t);
  if (t.tag !== TAG.BIT_STRING || b.length === 0) throw new DERError('invalid BIT STRING');
  const padding = b[0]!;
  const bytes = b.subarray(1);
  if (padding > 7 || (bytes.length === 0 && padding !== 0) || (bytes.length > 0 && (bytes[bytes.length - 1]! & ((1 << padding) - 1)) !== 0)) {
    throw new DERError('invalid BIT STRING');
  }
  return { bytes, bitLength: bytes.length * 8 - padding };
}

/** Go asn1.BitString.RightAlign: the bits shifted so that the padding is at the front. */
export function rightAlign(bs: { bytes: Uint8Array; bitLength: number }): Uint8Array {
  const shift = 8 - (bs.bitLength % 8);
  if (shift === 8 || bs.bytes.length === 0) return bs.bytes;
  const a = new Uint8Array(bs.bytes.length);
  a[0] = bs.bytes[0]! >> shift;
  for (let i = 1; i < bs.bytes.length; i++) a[i] = ((bs.bytes[i - 1]! << (8 - shift)) | (bs.bytes[i]! >> shift)) & 0xff;
  return a;
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

/**
 * A UTCTime / GeneralizedTime as cryptobyte reads it (Go 1.24): Go's time.Parse with `060102150405Z0700` (falling
 * back to minute precision `0601021504Z0700` for UTCTime) or `20060102150405Z0700`, and the text must be exactly
 * what time.Format prints back. So a zone is `Z` or a non-zero `±hhmm` offset (`+0000` prints as `Z` and is refused),
 * fractions and out-of-range fields are refused, and UTCTime years 50–99 are 1950–1999.
 */
export function decodeTime(t: TLV): Date {
  return decodeZonedTime(t).date;
}

/** A time with the zone offset it was written with (Go keeps it and prints it in RFC 3339 messages). */
export interface ZonedTime {
  readonly date: Date;
  readonly offsetMinutes: number;
}

export function decodeZonedTime(t: TLV): ZonedTime {
  const s = Buffer.from(contents(t)).toString('latin1');
  if (t.tag === TAG.UTCTime) {
    const d = parseGoTime(s, 2, true) ?? parseGoTime(s, 2, false);
    if (!d) throw new DERError('malformed UTCTime');
    return d;
  }
  if (t.tag === TAG.GeneralizedTime) {
    const d = parseGoTime(s, 4, true);
    if (!d) throw new DERError('malformed GeneralizedTime');
    return d;
  }
  throw new DERError('unsupported time format');
}

/** Go's time.Format(time.RFC3339) of an instant in a fixed zone. */
export function formatRFC3339(t: ZonedTime): string {
  const local = new Date(t.date.getTime() + t.offsetMinutes * 60_000);
  const base = local.toISOString().replace(/\.\d{3}Z$/, '');
  const y = local.getUTCFullYear();
  const head = y >= 0 && y <= 9999 ? base.replace(/^[+-]?\d+/, String(y).padStart(4, '0')) : base;
  if (t.offsetMinutes === 0) return head + 'Z';
  const a = Math.abs(t.offsetMinutes);
  return `${head}${t.offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function parseGoTime(s: string, yearDigits: 2 | 4, withSeconds: boolean): ZonedTime | undefined {
  const re = new RegExp(`^(\\d{${yearDigits}})(\\d\\d)(\\d\\d)(\\d\\d)(\\d\\d)${withSeconds ? '(\\d\\d)' : '()'}(Z|[+-]\\d{4})$`);
  const m = re.exec(s);
  if (!m) return undefined;
  let year = +m[1]!;
  if (yearDigits === 2) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, min] = [+m[2]!, +m[3]!, +m[4]!, +m[5]!];
  const sec = withSeconds ? +m[6]! : 0;
  const daysIn = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // leap-year aware below
  const monthDays = month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : daysIn;
  if (month < 1 || month > 12 || day < 1 || day > monthDays || hour > 23 || min > 59 || sec > 59) return undefined;
  let offsetMinutes = 0;
  if (m[7] !== 'Z') {
    const oh = +m[7]!.slice(1, 3);
    const om = +m[7]!.slice(3, 5);
    // time.Parse refuses hours > 24 and minutes > 59 in a numeric zone; a zero offset is formatted back as "Z".
    if (oh > 24 || om > 59 || (oh === 0 && om === 0)) return undefined;
    offsetMinutes = (m[7]![0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, 0);
  return { date: new Date(d.getTime() - offsetMinutes * 60_000), offsetMinutes };
}
