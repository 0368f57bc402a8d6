/**
 * WWW-Authenticate as c/image reads it: the challenges of a ping, and the scope a Bearer `insufficient_scope`
 * answer asks for (which the client then adds to its token request, once).
 */
import { describe, test, expect } from '@jest/globals';
import { insufficientScope, parseAuthHeader } from '../../../src/registry/www-authenticate.js';

describe('parseAuthHeader', () => {
  test('one challenge per header line, scheme lower-cased, quoted values unescaped', () => {
    const cs = parseAuthHeader(['Bearer realm="https://auth.example/token",service="reg"', 'Basic realm="x\\"y"']);
    expect(cs.map((c) => [c.scheme, Object.fromEntries(c.parameters)])).toEqual([
      ['bearer', { realm: 'https://auth.example/token', service: 'reg' }],
      ['basic', { realm: 'x"y' }],
    ]);
  });
  test('parsing stops at the first malformed piece, keeping what was read', () => {
    expect(Object.fromEntries(parseAuthHeader('Bearer realm="r",broken,service="s"')[0]!.parameters)).toEqual({ realm: 'r' });
  });
});

const rows: { name: string; header: string | string[] | undefined; want: ReturnType<typeof insufficientScope> }[] = [
  {
    name: 'a bearer insufficient_scope challenge names the scope',
    header: 'Bearer realm="r",error="insufficient_scope",scope="repository:other/repo:pull"',
    want: { resourceType: 'repository', remoteName: 'other/repo', actions: 'pull' },
  },
  { name: 'no header', header: undefined, want: undefined },
  { name: 'another error', header: 'Bearer realm="r",error="invalid_token",scope="repository:a:pull"', want: undefined },
  { name: 'not bearer', header: 'Basic error="insufficient_scope",scope="repository:a:pull"', want: undefined },
  { name: 'no scope', header: 'Bearer realm="r",error="insufficient_scope"', want: undefined },
  { name: 'a scope without three parts', header: 'Bearer error="insufficient_scope",scope="repository:a"', want: undefined },
  { name: 'a scope with four parts (a port in the name)', header: 'Bearer error="insufficient_scope",scope="repository:h:5000/a:pull"', want: undefined },
  {
    name: 'the first usable challenge of several header lines',
    header: ['Bearer error="insufficient_scope"', 'Bearer error="insufficient_scope",scope="repository:b:pull,push"'],
    want: { resourceType: 'repository', remoteName: 'b', actions: 'pull,push' },
  },
];

describe('insufficientScope (c/image needsRetryWithUpdatedScope)', () => {
  test.each(rows)('$name', ({ header, want }) => {
    expect(insufficientScope({ 'www-authenticate': header })).toEqual(want);
  });
});
