/**
 * The DER reader under certificates, keys and signatures must accept exactly what Go 1.24's cryptobyte accepts:
 * a certificate Go refuses must not verify here, and one Go accepts must not be refused. Each row is a DER
 * element and cryptobyte's answer for it (ReadASN1, ReadASN1ObjectIdentifier, ReadASN1Integer, ReadASN1Boolean,
 * ReadASN1BitString, ReadASN1UTCTime/GeneralizedTime).
 */
import { describe, expect, test } from '@jest/globals';
import {
  DERError,
  TAG,
  children,
  contents,
  decodeBitString,
  decodeBoolean,
  decodeInt64,
  decodeOID,
  decodeSignedBig,
  decodeTime,
  decodeZonedTime,
  encodeLength,
  encodeTLV,
  encodeUnsignedInteger,
  formatRFC3339,
  parseOne,
  readTLV,
  rightAlign,
} from '../../../src/go/encoding/asn1.js';

const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex');
const tlv = (tag: number, body: Uint8Array | string) => readTLV(encodeTLV(tag, typeof body === 'string' ? Buffer.from(body, 'latin1') : body), 0);
const refused = (f: () => unknown) => expect(f).toThrow(DERError);

describe('lengths and tags (cryptobyte ReadASN1)', () => {
  test.each([
    ['short form', '04 03 616263', 3],
    ['long form, one octet', `04 81 80 ${'00'.repeat(128)}`, 128],
    ['long form, two octets', `04 82 0100 ${'00'.repeat(256)}`, 256],
  ])('%s is read', (_name, der, length) => {
    const t = parseOne(hex(der));
    expect(t.end - t.contentStart).toBe(length);
  });
  test.each([
    ['indefinite length (BER)', '30 80 0000'],
    ['long form for a short length', '04 81 03 616263'],
    ['long form with a leading zero octet', `04 82 0080 ${'00'.repeat(128)}`],
    ['more than four length octets', '04 85 0000000001 00'],
    ['contents past the end', '04 05 616263'],
    ['a length octet missing', '04'],
    ['high-tag-number form', '1f 81 00 00'],
  ])('%s is refused', (_name, der) => refused(() => parseOne(hex(der))));
  test('trailing bytes after the one element are refused by parseOne', () => refused(() => parseOne(hex('0500 00'))));
  test('children walks a SEQUENCE and refuses a truncated member', () => {
    expect(children(parseOne(hex('3006 020101 020102'))).map((c) => contents(c)[0])).toEqual([1, 2]);
    refused(() => children(parseOne(hex('3004 020101 02'))));
  });
  test('encodeLength writes the minimal form', () => {
    expect([encodeLength(0x7f), encodeLength(0x80), encodeLength(0x100)]).toEqual([[0x7f], [0x81, 0x80], [0x82, 0x01, 0x00]]);
  });
});

describe('OBJECT IDENTIFIER (ReadASN1ObjectIdentifier)', () => {
  test.each([
    ['2a8648ce3d030107', '1.2.840.10045.3.1.7'],
    ['2b0601040183bf3001', '1.3.6.1.4.1.57264.1'],
    ['55', '2.5'],
    ['8837', '2.999'], // first component ≥ 80: 2.(v-80)
    ['87ffffff7f', '2.2147483567'], // five octets: 2^31-1, the largest component Go reads, minus 80
  ])('%s → %s', (body, oid) => expect(decodeOID(tlv(TAG.OID, hex(body)))).toBe(oid));
  test.each([
    ['empty', ''],
    ['a non-minimal component (leading 0x80)', '2a 8001'],
    ['a truncated component', '2a 86'],
    ['a component of six octets', '2a 818080808000'],
    ['a component of 2^31 or more', '2a 8880808000'],
  ])('%s is refused', (_name, body) => refused(() => decodeOID(tlv(TAG.OID, hex(body)))));
});

describe('INTEGER (minimal two’s complement)', () => {
  test.each([
    ['00', 0n],
    ['7f', 127n],
    ['0080', 128n],
    ['ff', -1n],
    ['ff7f', -129n],
    ['7fffffffffffffff', 2n ** 63n - 1n],
    ['8000000000000000', -(2n ** 63n)],
  ])('%s → %s (int64)', (body, v) => expect(decodeInt64(tlv(TAG.INTEGER, hex(body)))).toBe(v));
  test.each([
    ['empty', ''],
    ['a redundant leading 0x00', '007f'],
    ['a redundant leading 0xff', 'ff80'],
    ['nine octets into an int64', '008000000000000000'],
  ])('%s is refused', (_name, body) => refused(() => decodeInt64(tlv(TAG.INTEGER, hex(body)))));
  test('big integers have no size limit (*big.Int) but the same minimality rule', () => {
    expect(decodeSignedBig(hex('00ffffffffffffffffff'))).toBe(2n ** 72n - 1n);
    refused(() => decodeSignedBig(hex('0001')));
  });
  test('encodeUnsignedInteger strips leading zeros and adds one before a high bit', () => {
    expect(Buffer.from(encodeUnsignedInteger(hex('000001'))).toString('hex')).toBe('020101');
    expect(Buffer.from(encodeUnsignedInteger(hex('80'))).toString('hex')).toBe('02020080');
    expect(Buffer.from(encodeUnsignedInteger(hex(''))).toString('hex')).toBe('020100');
  });
});

describe('BOOLEAN (DER: 0x00 or 0xff only)', () => {
  test('0xff is true, 0x00 is false', () => {
    expect([decodeBoolean(tlv(TAG.BOOLEAN, hex('ff'))), decodeBoolean(tlv(TAG.BOOLEAN, hex('00')))]).toEqual([true, false]);
  });
  test.each([
    ['0x01 (BER true)', TAG.BOOLEAN, '01'],
    ['two octets', TAG.BOOLEAN, 'ffff'],
    ['empty', TAG.BOOLEAN, ''],
    ['an INTEGER', TAG.INTEGER, 'ff'],
  ])('%s is refused', (_name, tag, body) => refused(() => decodeBoolean(tlv(tag, hex(body)))));
});

describe('BIT STRING', () => {
  test.each([
    ['no padding', '00 a0', 8],
    ['five zero padding bits', '05 a0', 3],
    ['empty', '00', 0],
  ])('%s', (_name, body, bits) => expect(decodeBitString(tlv(TAG.BIT_STRING, hex(body))).bitLength).toBe(bits));
  test.each([
    ['padding of 8', '08 00'],
    ['non-zero padding bits', '01 01'],
    ['padding on an empty string', '01'],
    ['no padding octet at all', ''],
  ])('%s is refused', (_name, body) => refused(() => decodeBitString(tlv(TAG.BIT_STRING, hex(body)))));
  test('RightAlign moves the padding to the front (what Go parses keys from)', () => {
    expect(Buffer.from(rightAlign(decodeBitString(tlv(TAG.BIT_STRING, hex('04 abc0'))))).toString('hex')).toBe('0abc');
    expect(Buffer.from(rightAlign(decodeBitString(tlv(TAG.BIT_STRING, hex('00 abcd'))))).toString('hex')).toBe('abcd');
  });
});

describe('UTCTime and GeneralizedTime (cryptobyte: time.Parse, then the text must print back the same)', () => {
  test.each([
    [TAG.UTCTime, '240301120000Z', '2024-03-01T12:00:00.000Z'],
    [TAG.UTCTime, '491231235959Z', '2049-12-31T23:59:59.000Z'],
    [TAG.UTCTime, '500101000000Z', '1950-01-01T00:00:00.000Z'],
    [TAG.UTCTime, '2403011200Z', '2024-03-01T12:00:00.000Z'], // minute precision: Go's fallback
    [TAG.UTCTime, '240301120000+0130', '2024-03-01T10:30:00.000Z'],
    [TAG.UTCTime, '240229000000Z', '2024-02-29T00:00:00.000Z'],
    [TAG.GeneralizedTime, '20240301120000Z', '2024-03-01T12:00:00.000Z'],
    [TAG.GeneralizedTime, '20500101000000Z', '2050-01-01T00:00:00.000Z'],
    [TAG.GeneralizedTime, '20240301120000-0500', '2024-03-01T17:00:00.000Z'],
  ])('%i %s', (tag, text, iso) => expect(decodeTime(tlv(tag, text)).toISOString()).toBe(iso));
  test.each([
    [TAG.UTCTime, '240301120000+0000', 'a zero offset prints back as Z'],
    [TAG.UTCTime, '240301120000', 'no zone'],
    [TAG.UTCTime, '240301120060Z', 'second 60'],
    [TAG.UTCTime, '240230000000Z', 'February 30th'],
    [TAG.UTCTime, '230229000000Z', 'February 29th of a common year'],
    [TAG.UTCTime, '241301000000Z', 'month 13'],
    [TAG.UTCTime, '240301240000Z', 'hour 24'],
    [TAG.UTCTime, '20240301120000Z', 'a four-digit year'],
    [TAG.GeneralizedTime, '20240301120000.5Z', 'fractional seconds'],
    [TAG.GeneralizedTime, '202403011200Z', 'minute precision (UTCTime only)'],
    [TAG.GeneralizedTime, '20240301120000z', 'a lower-case z'],
    [TAG.OCTET_STRING, '20240301120000Z', 'another tag'],
  ])('%i %s is refused: %s', (tag, text, _why) => refused(() => decodeTime(tlv(tag, text))));
  test('RFC 3339 keeps the written offset (Go prints it in validity messages)', () => {
    expect(formatRFC3339(decodeZonedTime(tlv(TAG.UTCTime, '240301120000+0130')))).toBe('2024-03-01T12:00:00+01:30');
    expect(formatRFC3339(decodeZonedTime(tlv(TAG.UTCTime, '240301120000Z')))).toBe('2024-03-01T12:00:00Z');
    expect(formatRFC3339(decodeZonedTime(tlv(TAG.GeneralizedTime, '00010101000000Z')))).toBe('0001-01-01T00:00:00Z');
  });
});
