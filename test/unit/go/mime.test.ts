/**
 * Go 1.24 mime.ParseMediaType as c/image's simplifyContentType sees it (issue 19 rows A, B, C and the `.sig` served
 * as `applİcation/…`). Expected values are Go's: a case-folded UTF-8 type, "" for any parse error.
 */
import { describe, test, expect } from '@jest/globals';
import { goToLower, headerBytesAsUTF8, parseMediaType } from '../../../src/go/mime.js';
import { simplifyContentType } from '../../../src/registry/index.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';

/** The header as Node's parser hands it over: one latin1 character per byte. */
const asNodeHeader = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

describe('simplifyContentType = Go mime.ParseMediaType, error → ""', () => {
  test.each([
    ['row A: U+0130 folds to i (Go unicode.ToLower)', asNodeHeader('applİcation/vnd.oci.image.index.v1+json'), INDEX],
    ['U+212A KELVIN SIGN folds to k', asNodeHeader('application/vnd.\u212Aey'), 'application/vnd.key'],
    ['row B: a parameter without a value is an error', `${INDEX}; x`, ''],
    ['row C: the same on a .sig manifest', 'application/vnd.oci.image.manifest.v1+json; x', ''],
    ['a trailing semicolon is fine', `${INDEX};`, INDEX],
    ['two trailing semicolons are not', `${INDEX}; ;`, ''],
    ['parameters are fine', `${INDEX}; charset=utf-8`, INDEX],
    ['quoted parameter', `${INDEX}; a="b;c"`, INDEX],
    ['unterminated quote', `${INDEX}; a="b`, ''],
    ['duplicate parameter, different values', `${INDEX}; a=1; A=2`, ''],
    ['duplicate parameter, same value', `${INDEX}; a=1; a=1`, INDEX],
    ['upper case and spaces', `  Application/VND.OCI.IMAGE.INDEX.V1+JSON  `, INDEX],
    ['no subtype is a valid media type in Go', 'text', 'text'],
    ['slash without subtype', 'text/', ''],
    ['content after the subtype', 'text/plain x', ''],
    ['a BOM is not space in Go', '\ufefftext/plain', ''],
    ['NEL (U+0085) is space in Go', asNodeHeader('\u0085text/plain'), 'text/plain'],
    ['invalid UTF-8 is U+FFFD, not a token', 'text/pl\xffain', ''],
    ['empty', '', ''],
  ])('%s', (_name, header, want) => {
    expect(simplifyContentType(headerBytesAsUTF8(header))).toBe(want);
  });

  test('Go errors are Go\'s words', () => {
    expect(() => parseMediaType('')).toThrow('mime: no media type');
    expect(() => parseMediaType('a b')).toThrow('mime: expected slash after first token');
    expect(() => parseMediaType('a/')).toThrow('mime: expected token after slash');
    expect(() => parseMediaType('a/b; x')).toThrow('mime: invalid media parameter');
    expect(() => parseMediaType('a/b; x=1; x=2')).toThrow('mime: duplicate parameter name');
  });

  test('rune-wise simple lower-casing, unlike String.prototype.toLowerCase', () => {
    expect('İ'.toLowerCase()).toHaveLength(2);
    expect(goToLower('İ')).toBe('i');
  });
});
