/**
 * What a registry client scrubs from every trace line and error message: the password, the identity token, the Basic
 * header value (which a registry may echo back), and each bearer token once obtained.
 */
import { describe, test, expect } from '@jest/globals';
import { RegistryHTTPError } from '../../../src/registry/errors.js';
import { Secrets } from '../../../src/registry/secrets.js';
import { Trace } from '../../../src/trace.js';

const basic = Buffer.from('alice:s3cret-pw').toString('base64');

describe('Secrets', () => {
  test('password, identity token and the Basic header value are known from the start', () => {
    const s = new Secrets({ username: 'alice', password: 's3cret-pw', identityToken: 'refresh-tok' });
    expect(s.scrub(`pw s3cret-pw, id refresh-tok, header Basic ${basic}`)).toBe('pw REDACTED, id REDACTED, header Basic REDACTED');
  });
  test('a token learnt later is scrubbed from then on; strings shorter than 4 characters never are', () => {
    const s = new Secrets({ username: '', password: 'abc', identityToken: '' });
    expect(s.scrub('Bearer tok-123 abc')).toBe('Bearer tok-123 abc');
    s.add('tok-123');
    s.add('');
    expect(s.scrub('Bearer tok-123 abc')).toBe('Bearer REDACTED abc');
  });
  test('wrap prefixes a registry error, scrubs it, and keeps its classification', () => {
    const s = new Secrets({ username: 'u', password: 'hunter22', identityToken: '' });
    const e = s.wrap(new RegistryHTTPError('denied: hunter22', 403, 'DENIED', 'hunter22', false), 'reading manifest v1: ');
    expect([e.message, e.statusCode, e.errorCode, e.errorMessage, e.unparsedBody]).toEqual(['reading manifest v1: denied: REDACTED', 403, 'DENIED', 'hunter22', false]);
    expect(e).toBeInstanceOf(RegistryHTTPError);
  });
  test('debugTo scrubs the line, not the data', () => {
    const s = new Secrets({ username: 'u', password: 'hunter22', identityToken: '' });
    const t = new Trace();
    s.debugTo(t)('GET https://u:hunter22@h/', { n: 1 });
    expect(t.events.map((e) => [e.message, e.data])).toEqual([['GET https://u:REDACTED@h/', { n: 1 }]]);
  });
});
