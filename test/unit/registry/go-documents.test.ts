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
});
