import { describe, expect, test } from '@jest/globals';

import { parsePolicy } from '../../../src/policy/parse.js';
import { requirementsForImageRef, scopeCandidates } from '../../../src/policy/scope.js';
import { parseImageReference } from '../../../src/reference/index.js';
import { Trace } from '../../../src/trace.js';

/**
 * Each scope's single requirement is `signedBy` with keyPath = the scope's name, so the selected list tells which
 * scope won. The docker scopes are upstream's policy_eval_test.go table plus a few more.
 */
function scopes(names: string[]): Record<string, unknown[]> {
  return Object.fromEntries(names.map((n) => [n, [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: `scope:${n}` }]]));
}
const policy = parsePolicy(
  JSON.stringify({
    default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: 'global-default' }],
    transports: {
      docker: scopes([
        '',
        'unmatched',
        'deep.com',
        '*.very.deep.com',
        '*.deep.com',
        'deep.com/n1',
        'deep.com/n1/n2',
        'deep.com/n1/n2/n3',
        'deep.com/n1/n2/n3/repo',
        'deep.com/n1/n2/n3/repo:tag2',
        'docker.io/library/busybox:latest',
        'docker.io/library',
        'busybox',
        'docker.io/busybox',
        '*.example.com:5000',
        'localhost:5000',
        `quay.io/a/b@sha256:${'1'.repeat(64)}`,
        '192.168.1.1:5000',
        '*.1.1',
      ]),
      atomic: scopes(['unmatched']),
      dir: scopes(['/srv/images/prod', '/srv']),
      oci: scopes(['/data/oci/layout', '']),
      'docker-archive': scopes(['']),
      'containers-storage': scopes(['[overlay@/var/lib/containers/storage]docker.io/library', '[/var/lib/containers/storage]']),
      'docker-daemon': scopes(['docker.io/library/alpine']),
    },
  }),
);

interface Row {
  image: string;
  /** The winning scope, or null for the global default. */
  scope: string | null;
  kind: 'identity' | 'namespace' | 'transport-default' | 'default';
}

const q = (s: string): string => JSON.stringify(s);

const rows: Row[] = [
  // upstream's table
  { image: 'docker://deep.com/n1/n2/n3/repo:tag2', scope: 'deep.com/n1/n2/n3/repo:tag2', kind: 'identity' },
  { image: 'docker://deep.com/n1/n2/n3/repo:nottag2', scope: 'deep.com/n1/n2/n3/repo', kind: 'namespace' },
  { image: 'docker://deep.com/n1/n2/n3/notrepo:tag2', scope: 'deep.com/n1/n2/n3', kind: 'namespace' },
  { image: 'docker://deep.com/n1/n2/notn3/repo:tag2', scope: 'deep.com/n1/n2', kind: 'namespace' },
  { image: 'docker://deep.com/n1/notn2/n3/repo:tag2', scope: 'deep.com/n1', kind: 'namespace' },
  { image: 'docker://deep.com/notn1/n2/n3/repo:tag2', scope: 'deep.com', kind: 'namespace' },
  { image: 'docker://very.deep.com/n1/n2/n3/repo:tag2', scope: '*.deep.com', kind: 'namespace' },
  { image: 'docker://not.very.deep.com/n1/n2/n3/repo:tag2', scope: '*.very.deep.com', kind: 'namespace' },
  { image: 'docker://this.does-not/match:anything', scope: '', kind: 'transport-default' },
  { image: 'atomic:registry.example.com/ns/stream:tag', scope: null, kind: 'default' },
  { image: 'dir:/some/where', scope: null, kind: 'default' },
  // docker normalisation: scopes are compared to normalised names only
  { image: 'docker://busybox', scope: 'docker.io/library/busybox:latest', kind: 'identity' },
  { image: 'docker://busybox:latest', scope: 'docker.io/library/busybox:latest', kind: 'identity' },
  { image: 'docker://index.docker.io/library/busybox', scope: 'docker.io/library/busybox:latest', kind: 'identity' },
  { image: 'docker://busybox:1.36', scope: 'docker.io/library', kind: 'namespace' },
  { image: `docker://busybox@sha256:${'2'.repeat(64)}`, scope: 'docker.io/library', kind: 'namespace' },
  { image: 'docker://alpine', scope: 'docker.io/library', kind: 'namespace' },
  { image: 'docker://myhost/foo', scope: '', kind: 'transport-default' },
  { image: 'docker://registry.example.com:5000/x:y', scope: '', kind: 'transport-default' },
  { image: 'docker://localhost:5000/foo', scope: 'localhost:5000', kind: 'namespace' },
  { image: `docker://quay.io/a/b@sha256:${'1'.repeat(64)}`, scope: `quay.io/a/b@sha256:${'1'.repeat(64)}`, kind: 'identity' },
  { image: `docker://quay.io/a/b@sha256:${'3'.repeat(64)}`, scope: '', kind: 'transport-default' },
  { image: 'docker://192.168.1.1:5000/x/y', scope: '192.168.1.1:5000', kind: 'namespace' },
  { image: 'docker://10.1.1.1/x', scope: '*.1.1', kind: 'namespace' },
  { image: 'docker://deep.com/n1:tag', scope: 'deep.com/n1', kind: 'namespace' },
  // other transports
  { image: 'dir:/srv/images/prod', scope: '/srv/images/prod', kind: 'identity' },
  { image: 'dir:/srv/images/prod/', scope: '/srv/images/prod', kind: 'identity' },
  { image: 'dir:/srv/images/test', scope: '/srv', kind: 'namespace' },
  { image: 'dir:/srv/images/prod/sub', scope: '/srv/images/prod', kind: 'namespace' },
  { image: 'dir:/opt/x', scope: null, kind: 'default' },
  { image: 'oci:/data/oci/layout:myimage', scope: '/data/oci/layout', kind: 'identity' },
  { image: 'oci:/data/other', scope: '', kind: 'transport-default' },
  { image: 'docker-archive:/tmp/image.tar', scope: '', kind: 'identity' },
  { image: 'oci-archive:/data/oci/layout', scope: null, kind: 'default' },
  { image: 'containers-storage:[overlay@/var/lib/containers/storage]busybox', scope: '[overlay@/var/lib/containers/storage]docker.io/library', kind: 'namespace' },
  { image: 'containers-storage:[overlay@/var/lib/containers/storage]quay.io/x/y:z', scope: '[/var/lib/containers/storage]', kind: 'namespace' },
  { image: 'docker-daemon:alpine:3', scope: 'docker.io/library/alpine', kind: 'namespace' },
  { image: 'docker-daemon:busybox:latest', scope: null, kind: 'default' },
];

function debugLine(transport: string, { scope, kind }: Row): string {
  switch (kind) {
    case 'identity':
      return ` Using transport ${q(transport)} policy section ${q(scope!)}`;
    case 'namespace':
      return ` Using transport ${q(transport)} specific policy section ${q(scope!)}`;
    case 'transport-default':
      return ` Using transport ${q(transport)} policy section ""`;
    case 'default':
      return ' Using default policy section';
  }
}

describe('requirementsForImageRef: identity → namespaces → "" → default', () => {
  test.each(rows)('$image → $kind $scope', (row) => {
    const ref = parseImageReference(row.image, { resolveSymlinks: false });
    const trace = new Trace();
    const selected = requirementsForImageRef(policy, ref, trace);
    const expectedScope = row.kind === 'default' ? null : row.scope;
    expect({ scope: selected.scope, kind: selected.kind }).toEqual({ scope: expectedScope, kind: row.kind });
    expect(selected.transport).toBe(row.kind === 'default' ? null : ref.transport);
    const keyPath = (selected.requirements[0] as { keyPath?: string }).keyPath;
    expect(keyPath).toBe(row.kind === 'default' ? 'global-default' : `scope:${row.scope}`);
    expect(trace.events.map((e) => e.message)).toEqual([debugLine(ref.transport, row)]);
    expect(trace.events[0]!.level).toBe('debug');
  });
});

describe('scopeCandidates', () => {
  test('lists every candidate in lookup order; the first existing one is selected', () => {
    const ref = parseImageReference('docker://very.deep.com/n1/repo:t', { resolveSymlinks: false });
    const c = scopeCandidates(policy, ref);
    expect(c.map((x) => [x.kind, x.scope, x.exists])).toEqual([
      ['identity', 'very.deep.com/n1/repo:t', false],
      ['namespace', 'very.deep.com/n1/repo', false],
      ['namespace', 'very.deep.com/n1', false],
      ['namespace', 'very.deep.com', false],
      ['namespace', '*.deep.com', true],
      ['namespace', '*.com', false],
      ['transport-default', '', true],
      ['default', null, true],
    ]);
    const first = c.find((x) => x.exists)!;
    expect(first.scope).toBe(requirementsForImageRef(policy, ref, new Trace()).scope);
  });

  test('a transport without a section still lists its candidates, all absent', () => {
    const ref = parseImageReference('sif:/images/a.sif', { resolveSymlinks: false });
    expect(scopeCandidates(policy, ref).map((x) => [x.kind, x.scope, x.exists])).toEqual([
      ['identity', '/images/a.sif', false],
      ['namespace', '/images', false],
      ['transport-default', '', false],
      ['default', null, true],
    ]);
  });

  test('an identity of "" is the transport-default scope, listed once', () => {
    const ref = parseImageReference('docker-archive:/tmp/image.tar', { resolveSymlinks: false });
    expect(scopeCandidates(policy, ref).map((x) => [x.kind, x.scope, x.exists])).toEqual([
      ['identity', '', true],
      ['default', null, true],
    ]);
  });
});
