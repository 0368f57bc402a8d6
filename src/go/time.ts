/**
 * Go's `time.Time` as encoding/json decodes it (Go 1.24 `Time.UnmarshalJSON`), for the documents c/image reads
 * with a time.Time field (the bearer token's `issued_at`).
 *
 * Why not Date.parse: Go accepts what JavaScript rejects and the other way round, and a registry chooses the text.
 * UnmarshalJSON hands the JSON literal over *without unescaping it* (`\u005a` is not `Z` there); RFC 3339 is tried
 * strictly first and then through `time.Parse(time.RFC3339, …)`, whose layout parser takes a one-digit hour, a
 * comma before the fraction and a zone offset up to ±24:60, and rejects 30 February with its own error text.
 */
import { GoJSONError, type GoJsonValue } from './encoding/json/scanner.js';
import type { GoUnmarshalerType } from './encoding/json/unmarshal.js';

/** An instant: seconds since the Unix epoch and nanoseconds (Go keeps the zone too; no caller here needs it). */
export class GoTime {
  constructor(
    readonly unixSec: number,
    readonly nsec: number,
  ) {}

  /** Go's zero Time (January 1, year 1, 00:00:00 UTC), the value of a field nothing was decoded into. */
  static readonly ZERO = new GoTime(-62135596800, 0);

  /** Time.IsZero: the instant, whatever zone it was written in. */
  isZero(): boolean {
    return this.unixSec === GoTime.ZERO.unixSec && this.nsec === 0;
  }

  /** Milliseconds since the epoch (nanoseconds truncated). */
  unixMilli(): number {
    return this.unixSec * 1000 + Math.floor(this.nsec / 1e6);
  }
}

const RFC3339 = '2006-01-02T15:04:05Z07:00';

/** time.ParseError's text. */
export class GoTimeParseError extends GoJSONError {}

/** The time package's own quote(): bytes outside printable ASCII as `\xNN`, `"` and `\` escaped. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c >= 0x80) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += (ch === '"' || ch === '\\' ? '\\' : '') + ch;
  }
  return out + '"';
}

function parseError(value: string, layoutElem: string, valueElem: string, message = ''): GoTimeParseError {
  const text = message === '' ? `parsing time ${timeQuote(value)} as ${timeQuote(RFC3339)}: cannot parse ${timeQuote(valueElem)} as ${timeQuote(layoutElem)}` : `parsing time ${timeQuote(value)}${message}`;
  return new GoTimeParseError(text);
}

const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (no Date.UTC: it maps years 0-99 to 1900-1999). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function instant(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, offset: number): GoTime {
  return new GoTime(daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - offset, nsec);
}

/** parseNanoseconds over `s[0:n]` (a `.` or `,` and digits): at most nine digits count, the rest are dropped. */
function nanoseconds(s: string, n: number): number {
  const digits = s.slice(1, Math.min(n, 10));
  return Number(digits) * 10 ** (9 - digits.length);
}

/** The strict RFC 3339 reader Go tries first (parseRFC3339): undefined when it does not apply. */
function parseRFC3339Strict(s: string): GoTime | undefined {
  if (s.length < 19) return undefined;
  let ok = true;
  const num = (part: string, min: number, max: number): number => {
    const n = Number(part);
    if (!/^[0-9]*$/.test(part) || n < min || n > max) {
      ok = false;
      return min;
    }
    return n;
  };
  const year = num(s.slice(0, 4), 0, 9999);
  const month = num(s.slice(5, 7), 1, 12);
  const day = num(s.slice(8, 10), 1, daysIn(month, year));
  const hour = num(s.slice(11, 13), 0, 23);
  const min = num(s.slice(14, 16), 0, 59);
  const sec = num(s.slice(17, 19), 0, 59);
  if (!ok || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  let rest = s.slice(19);
  let nsec = 0;
  if (rest.length >= 2 && rest[0] === '.' && isDigit(rest, 1)) {
    let n = 2;
    while (isDigit(rest, n)) n++;
    nsec = nanoseconds(rest, n);
    rest = rest.slice(n);
  }
  if (rest === 'Z') return instant(year, month, day, hour, min, sec, nsec, 0);
  if (rest.length !== 6) return undefined;
  const hr = num(rest.slice(1, 3), 0, 23);
  const mm = num(rest.slice(4, 6), 0, 59);
  if (!ok || !(rest[0] === '-' || rest[0] === '+') || rest[3] !== ':') return undefined;
  return instant(year, month, day, hour, min, sec, nsec, (rest[0] === '-' ? -1 : 1) * (hr * 60 + mm) * 60);
}

/** getnum: one or two digits (`fixed`: exactly two). */
function getnum(s: string, fixed: boolean): { n: number; rest: string } | undefined {
  if (!isDigit(s, 0)) return undefined;
  if (!isDigit(s, 1)) return fixed ? undefined : { n: s.charCodeAt(0) - 0x30, rest: s.slice(1) };
  return { n: Number(s.slice(0, 2)), rest: s.slice(2) };
}

/** `time.Parse(time.RFC3339, value)` past its fast path: Go's layout parser, element by element. */
function parseLayout(value: string): GoTime {
  let v = value;
  const expect = (prefix: string) => {
    if (!v.startsWith(prefix)) throw parseError(value, prefix, v);
    v = v.slice(prefix.length);
  };
  const bad = (elem: string, hold: string): never => {
    throw parseError(value, elem, hold);
  };
  const range = (what: string): never => {
    throw parseError(value, '', '', `: ${what} out of range`);
  };
  // 2006
  let hold = v;
  if (v.length < 4 || !/^[0-9]{4}/.test(v)) bad('2006', hold);
  const year = Number(v.slice(0, 4));
  v = v.slice(4);
  expect('-');
  // 01
  hold = v;
  const mo = getnum(v, true) ?? bad('01', hold);
  v = mo.rest;
  if (mo.n < 1 || mo.n > 12) range('month');
  expect('-');
  // 02 (checked against the month at the end)
  hold = v;
  const d = getnum(v, true) ?? bad('02', hold);
  v = d.rest;
  expect('T');
  // 15
  hold = v;
  const h = getnum(v, false) ?? bad('15', hold);
  v = h.rest;
  if (h.n >= 24) range('hour');
  expect(':');
  // 04
  hold = v;
  const mi = getnum(v, true) ?? bad('04', hold);
  v = mi.rest;
  if (mi.n >= 60) range('minute');
  expect(':');
  // 05, and a fraction the layout does not name
  hold = v;
  const se = getnum(v, true) ?? bad('05', hold);
  v = se.rest;
  if (se.n >= 60) range('second');
  let nsec = 0;
  if (v.length >= 2 && (v[0] === '.' || v[0] === ',') && isDigit(v, 1)) {
    let n = 2;
    while (isDigit(v, n)) n++;
    nsec = nanoseconds(v, n);
    v = v.slice(n);
  }
  // Z07:00
  hold = v;
  let offset = 0;
  if (v.startsWith('Z')) {
    v = v.slice(1);
  } else {
    if (v.length < 6 || v[3] !== ':') bad('Z07:00', hold);
    const hr = getnum(v.slice(1, 3), true);
    const mm = hr && getnum(v.slice(4, 6), true);
    const sign = v[0];
    v = v.slice(6);
    // Go compares with > here: offsets of 24 hours or 60 minutes are accepted.
    if ((hr?.n ?? 0) > 24) range('time zone offset hour');
    if ((mm?.n ?? 0) > 60) range('time zone offset minute');
    if (!hr || !mm || (sign !== '+' && sign !== '-')) bad('Z07:00', hold);
    offset = (sign === '-' ? -1 : 1) * (hr!.n * 60 + mm!.n) * 60;
  }
  if (v !== '') throw parseError(value, '', v, `: extra text: ${timeQuote(v)}`);
  if (d.n < 1 || d.n > daysIn(mo.n, year)) range('day');
  return instant(year, mo.n, d.n, h.n, mi.n, se.n, nsec, offset);
}

/** Bytes as a string of one char per byte, so indexes and the error texts work on bytes as Go's do. */
function byteString(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

/**
 * `(*time.Time).UnmarshalJSON`: `null` keeps the value; anything but a string literal is refused; the literal
 * between its quotes, escapes included, must be RFC 3339 as parseStrictRFC3339 reads it. Errors are returned to
 * json.Unmarshal as they are (no "json:" prefix), and end decoding.
 */
export function unmarshalTimeJSON(v: GoJsonValue, existing: GoTime): GoTime {
  if (v.kind === 'null') return existing;
  if (v.kind !== 'string') throw new GoJSONError('Time.UnmarshalJSON: input is not a JSON string');
  const s = byteString(v.raw ?? v.bytes ?? new TextEncoder().encode(v.value));
  return parseRFC3339Strict(s) ?? parseLayout(s);
}

/** time.Time as a field type for goUnmarshal. */
export const GO_TIME: GoUnmarshalerType = {
  k: 'unmarshaler',
  name: 'time.Time',
  zero: () => GoTime.ZERO,
  unmarshalJSON: (v, existing) => unmarshalTimeJSON(v, existing instanceof GoTime ? existing : GoTime.ZERO),
};
