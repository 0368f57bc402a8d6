/**
 * The token answer and the X-Registry-Supports-Signatures list decoded as c/image's json.Unmarshal does (issue 19
 * rows D and K): case-insensitive names, last wins, type errors fail the whole document, strict base64.
 */
import { describe, test, expect } from '@jest/globals';
import { decodeBearerToken, decodeExtensionSignatureList } from '../../../src/registry/go-documents.js';

const b = (s: string) => new TextEncoder().encode(s);

describe('bearer token (c/image newBearerTokenFromHTTPResponseBody)', () => {
  test('row K: {"token": 5} is a type error', () => {
    expect(() => decodeBearerToken(b('{"token": 5, "access_token": "abc"}'))).toThrow('json: cannot unmarshal number into Go struct field .token of type string');
  });
  test('names match case-insensitively, the last one wins', () => {
    expect(decodeBearerToken(b('{"token": "a", "TOKEN": "b", "Expires_In": 300}'))).toMatchObject({ token: 'b', expiresIn: 300 });
  });
  test('expires_in must be an integer', () => {
    expect(() => decodeBearerToken(b('{"token": "a", "expires_in": 1.5}'))).toThrow('json: cannot unmarshal number 1.5 into Go struct field .expires_in of type int');
  });
  test('issued_at must be RFC 3339', () => {
    expect(() => decodeBearerToken(b('{"token": "a", "issued_at": 5}'))).toThrow('Time.UnmarshalJSON: input is not a JSON string');
    expect(decodeBearerToken(b('{"token": "a", "issued_at": "2024-01-02T03:04:05Z"}')).issuedAt).toBe(Date.parse('2024-01-02T03:04:05Z'));
  });
  test('null leaves values alone', () => {
    expect(decodeBearerToken(b('{"token": "a", "token": null}')).token).toBe('a');
  });
  test('a non-object answer names the anonymous struct type', () => {
    expect(() => decodeBearerToken(b('"x"'))).toThrow(
      'json: cannot unmarshal string into Go value of type struct { Token string "json:\\"token\\""; AccessToken string "json:\\"access_token\\""; ExpiresIn int "json:\\"expires_in\\""; IssuedAt time.Time "json:\\"issued_at\\""; docker.expirationTime time.Time }',
    );
  });
  // Time.UnmarshalJSON (Go >= 1.20): strict RFC 3339, then time.Parse with its texts, over the literal as written.
  test('issued_at that Go refuses: time.Parse texts, not the pre-1.20 ones', () => {
    expect(() => decodeBearerToken(b('{"token": "a", "issued_at": "x"}'))).toThrow('parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"');
    expect(() => decodeBearerToken(b('{"token": "a", "issued_at": "2024-02-30T03:04:05Z"}'))).toThrow('parsing time "2024-02-30T03:04:05Z": day out of range');
    expect(() => decodeBearerToken(b('{"token": "a", "issued_at": "2024-01-02T24:00:00Z"}'))).toThrow('parsing time "2024-01-02T24:00:00Z": hour out of range');
    expect(() => decodeBearerToken(b('{"token": "a", "issued_at": "2024-01-02T03:04:05\\u005a"}'))).toThrow('parsing time "2024-01-02T03:04:05\\\\u005a" as "2006-01-02T15:04:05Z07:00": cannot parse "\\\\u005a" as "Z07:00"');
  });
  test('issued_at that time.Parse accepts: a one-digit hour, a comma fraction, a 24-hour offset', () => {
    expect(decodeBearerToken(b('{"issued_at": "2024-01-02T3:04:05Z"}')).issuedAt).toBe(Date.parse('2024-01-02T03:04:05Z'));
    expect(decodeBearerToken(b('{"issued_at": "2024-01-02T03:04:05,5Z"}')).issuedAt).toBe(Date.parse('2024-01-02T03:04:05.5Z'));
    expect(decodeBearerToken(b('{"issued_at": "2024-01-02T03:04:05+24:00"}')).issuedAt).toBe(Date.parse('2024-01-01T03:04:05Z'));
  });
  test("a time.Time error ends decoding: it wins over an earlier type error", () => {
    expect(() => decodeBearerToken(b('{"token": 5, "issued_at": 1}'))).toThrow('Time.UnmarshalJSON: input is not a JSON string');
  });
});

describe('extension signature list (c/image getExtensionsSignatures)', () => {
  const good = Buffer.from('sig').toString('base64');
  test('row D: one bad base64 entry fails the whole list', () => {
    const doc = `{"signatures":[{"schemaVersion":2,"type":"atomic","content":"${good}"},{"schemaVersion":2,"type":"atomic","content":"!!!"}]}`;
    expect(() => decodeExtensionSignatureList(b(doc))).toThrow('illegal base64 data at input byte 0');
  });
  test('a string schemaVersion is a type error', () => {
    expect(() => decodeExtensionSignatureList(b('{"signatures":[{"schemaVersion":"2"}]}'))).toThrow(
      'json: cannot unmarshal string into Go struct field extensionSignature.signatures.schemaVersion of type int',
    );
  });
  test('base64 skips CR/LF as Go does; names fold', () => {
    const [s] = decodeExtensionSignatureList(b(`{"Signatures":[{"SchemaVersion":2,"TYPE":"atomic","content":"${good.slice(0, 2)}\\n${good.slice(2)}"}]}`));
    expect(Buffer.from(s!.content!).toString()).toBe('sig');
    expect(s).toMatchObject({ version: 2, type: 'atomic' });
  });
  test('a repeated array reuses the backing elements, also the stale ones past the shorter length', () => {
    const list = decodeExtensionSignatureList(b('{"signatures":[{"name":"a"},{"name":"b"},{"name":"c"}],"signatures":[{"type":"x"}],"signatures":[null,null,{}]}'));
    expect(list.map((s) => `${s.name}/${s.type}`)).toEqual(['a/x', 'b/', 'c/']);
  });
  test('content as an array decodes into the earlier bytes: null keeps a byte', () => {
    const [s] = decodeExtensionSignatureList(b('{"signatures":[{"content":"AQID","content":[null,9]}]}'));
    expect([...s!.content!]).toEqual([1, 9]);
    const [t] = decodeExtensionSignatureList(b('{"signatures":[{"content":[1,2,3],"content":[null],"content":[null,null,null]}]}'));
    expect([...t!.content!]).toEqual([1, 2, 3]);
  });
  test('type errors inside the list name the element and field types', () => {
    expect(() => decodeExtensionSignatureList(b('{"signatures":[5]}'))).toThrow('json: cannot unmarshal number into Go struct field extensionSignatureList.signatures of type docker.extensionSignature');
    expect(() => decodeExtensionSignatureList(b('{"signatures":[{"content":[256]}]}'))).toThrow('json: cannot unmarshal number 256 into Go struct field extensionSignature.signatures.content of type uint8');
    expect(() => decodeExtensionSignatureList(b('[]'))).toThrow('json: cannot unmarshal array into Go value of type docker.extensionSignatureList');
  });
});
