/**
 * Go 1.24 `(*time.Time).UnmarshalJSON`, row by row: strict RFC 3339 first, then `time.Parse(time.RFC3339, …)` with
 * its own error texts, over the literal as written (escapes are not undone). The malicious-registry suite's
 * `K-issued-at-*` rows check the same against skopeo 1.18 through a token server's `issued_at`.
 */
import { describe, expect, test } from '@jest/globals';
import { GoTime, unmarshalTimeJSON } from '../../../src/go/time.js';
import { readJson } from '../../../src/go/encoding/json/scanner.js';

const parse = (json: string): GoTime => unmarshalTimeJSON(readJson(json, { positions: false }).root, GoTime.ZERO);
const ms = (json: string) => parse(json).unixMilli();
const err = (json: string) => {
  try {
    parse(json);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('accepted', () => {
  test.each([
    ['strict RFC 3339', '"2024-01-02T03:04:05Z"', '2024-01-02T03:04:05Z'],
    ['an offset', '"2024-01-02T03:04:05-07:30"', '2024-01-02T10:34:05Z'],
    ['a fraction, nanoseconds truncated', '"2024-01-02T03:04:05.123999999999Z"', '2024-01-02T03:04:05.123Z'],
    ['a one-digit hour (time.Parse)', '"2024-01-02T3:04:05Z"', '2024-01-02T03:04:05Z'],
    ['a comma before the fraction (time.Parse)', '"2024-01-02T03:04:05,5Z"', '2024-01-02T03:04:05.5Z'],
    ['an offset of 24 hours (time.Parse)', '"2024-01-02T03:04:05+24:00"', '2024-01-01T03:04:05Z'],
    ['29 February of a leap year', '"2024-02-29T00:00:00Z"', '2024-02-29T00:00:00Z'],
  ])('%s', (_name, json, iso) => {
    expect(ms(json)).toBe(Date.parse(iso));
  });

  test('years below 100 are not 19xx; year 1 in any zone is the zero time', () => {
    expect(new Date(ms('"0050-06-01T00:00:00Z"')).getUTCFullYear()).toBe(50);
    expect(parse('"0001-01-01T01:00:00+01:00"').isZero()).toBe(true);
    expect(parse('null').isZero()).toBe(true);
  });
});

describe("refused, with Go's text", () => {
  test.each([
    ['5', 'Time.UnmarshalJSON: input is not a JSON string'],
    ['{}', 'Time.UnmarshalJSON: input is not a JSON string'],
    ['"x"', 'parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"'],
    ['"2024-02-30T03:04:05Z"', 'parsing time "2024-02-30T03:04:05Z": day out of range'],
    ['"2023-02-29T03:04:05Z"', 'parsing time "2023-02-29T03:04:05Z": day out of range'],
    ['"2024-13-02T03:04:05Z"', 'parsing time "2024-13-02T03:04:05Z": month out of range'],
    ['"2024-01-02T24:00:00Z"', 'parsing time "2024-01-02T24:00:00Z": hour out of range'],
    ['"2024-01-02T03:60:00Z"', 'parsing time "2024-01-02T03:60:00Z": minute out of range'],
    ['"2024-01-02T03:04:60Z"', 'parsing time "2024-01-02T03:04:60Z": second out of range'],
    ['"2024-01-02T03:04:05+25:00"', 'parsing time "2024-01-02T03:04:05+25:00": time zone offset hour out of range'],
    ['"2024-01-02T03:04:05Zx"', 'parsing time "2024-01-02T03:04:05Zx": extra text: "x"'],
    ['"2024-01-02T03:04:05"', 'parsing time "2024-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
    ['"2024-01-02T03:04:05+0100"', 'parsing time "2024-01-02T03:04:05+0100" as "2006-01-02T15:04:05Z07:00": cannot parse "+0100" as "Z07:00"'],
    ['"2024-01-02 03:04:05Z"', 'parsing time "2024-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T"'],
    ['"2024-01-02T03:04:05\\u005a"', 'parsing time "2024-01-02T03:04:05\\\\u005a" as "2006-01-02T15:04:05Z07:00": cannot parse "\\\\u005a" as "Z07:00"'],
    ['"é"', 'parsing time "\\xc3\\xa9" as "2006-01-02T15:04:05Z07:00": cannot parse "\\xc3\\xa9" as "2006"'],
  ])('%s', (json, message) => {
    expect(err(json)).toBe(message);
  });
});
