// policy-controller ClusterImagePolicy → containers-policy.json: the glob → scope table (policy-controller's
// GlobMatch rules: `**`, `*` within a segment, index.docker.io defaults) and the report of what cannot be expressed.
import { describe, expect, test } from '@jest/globals';
import { parseResources } from '../../../src/crd/documents.js';
import { renderResources } from '../../../src/crd/index.js';
import { globToScope, scopeContains } from '../../../src/crd/policy-controller/glob.js';

describe('globToScope', () => {
  test.each([
    ['**', '', 'equal'],
    ['ghcr.io/**', 'ghcr.io', 'equal'],
    ['ghcr.io/org/**', 'ghcr.io/org', 'wider'],
    ['ghcr.io/org/app:*', 'ghcr.io/org/app', 'wider'],
    ['ghcr.io/org/app:**', 'ghcr.io/org/app', 'wider'],
    ['ghcr.io/org/app*', 'ghcr.io/org', 'wider'],
    ['ghcr.io/*/app:**', 'ghcr.io', 'wider'],
    ['*.example.com/**', '*.example.com', 'equal'],
    ['*', 'docker.io/library', 'wider'],
    ['*/*', 'docker.io', 'wider'],
    ['index.docker.io/library/busybox:*', 'docker.io/library/busybox', 'wider'],
    ['ghcr.io/org/app:v1', 'ghcr.io/org/app:v1', 'equal'],
    ['ghcr.io/org/app', 'ghcr.io/org/app', 'matches-nothing'],
    ['regist*.io/**', '', 'wider'],
  ])('%s → scope %j (%s)', (glob, scope, relation) => {
    expect(globToScope(glob)).toMatchObject({ scope, relation });
  });
  test('refuses what policy-controller refuses', () => {
    expect(() => globToScope('ghcr.io/org/[ab]')).toThrow('invalid glob "ghcr.io/org/[ab]"');
    expect(() => globToScope('ghcr.io/org/app@**')).toThrow('invalid glob'); // '@' is not in its alphabet
  });
  test.each([
    ['', 'a.io/x', true],
    ['a.io/x', 'a.io/x/y', true],
    ['a.io/x', 'a.io/xy', false],
    ['a.io/x', 'a.io/x:v1', true],
    ['localhost', 'localhost:5000/x', false],
    ['*.example.com', 'a.example.com/x', true],
  ])('scope %j contains %j: %s', (outer, inner, want) => expect(scopeContains(outer, inner)).toBe(want));
});

const KEY1 = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqCdwje7TNVFaSGOZVqtADap1Q9P/\niomeozP6mQ7kopkw8Fb8BF9CJVH7S76r46eW5L8ZilYypRg0bqme1mQ1qA==\n-----END PUBLIC KEY-----\n';
const cip = (name: string, spec: object, apiVersion = 'policy.sigstore.dev/v1beta1') => ({ apiVersion, kind: 'ClusterImagePolicy', metadata: { name }, spec });
const convert = (objs: object[], opts = {}) => renderResources(parseResources(objs.map((o) => JSON.stringify(o)).join('\n---\n'), 't.yaml'), opts);
const policyOf = (r: ReturnType<typeof convert>) => JSON.parse(r.files.get('containers/policy.json')!);

describe('convertPolicyController', () => {
  test('key authorities OR → keyDatas; matching policies AND → the more specific scope carries both', () => {
    const r = convert([
      cip('outer', { images: [{ glob: 'ghcr.io/org/**' }], authorities: [{ key: { data: KEY1 } }] }),
      cip('inner', { images: [{ glob: 'ghcr.io/org/app:*' }], authorities: [{ key: { data: KEY1 } }, { key: { data: KEY1.replace('qCdw', 'qCdx') } }] }),
    ]);
    const p = policyOf(r);
    expect(p.default).toEqual([{ type: 'reject' }]);
    expect(p.transports.docker['ghcr.io/org']).toHaveLength(1);
    expect(p.transports.docker['ghcr.io/org/app']).toHaveLength(2);
    expect(p.transports.docker['ghcr.io/org/app'].map((q: { keyDatas?: unknown[] }) => q.keyDatas?.length ?? 1)).toEqual([2, 1]);
    expect(p.transports.docker['ghcr.io/org/app'][0].signedIdentity).toEqual({ type: 'matchRepository' });
    expect(r.files.get('containers/registries.d/sigstore-registries.yaml')).toContain('ghcr.io/org/app:\n    use-sigstore-attachments: true');
  });

  test('static pass/fail, the no-match default flag', () => {
    const r = convert([cip('p', { images: [{ glob: 'a.io/p/**' }], authorities: [{ static: { action: 'pass' } }] }), cip('f', { images: [{ glob: 'a.io/f/**' }], authorities: [{ static: { action: 'fail' } }] })], { noMatch: 'allow' });
    const p = policyOf(r);
    expect(p.default).toEqual([{ type: 'insecureAcceptAnything' }]);
    expect(p.transports.docker['a.io/p']).toEqual([{ type: 'insecureAcceptAnything' }]);
    expect(p.transports.docker['a.io/f']).toEqual([{ type: 'reject' }]);
  });

  test('static pass on a scope wider than its glob is reported as looser and dropped (so --strict fails)', () => {
    // regist*.io/** has no scope of its own: the acceptance lands on the whole docker transport, so every image —
    // not only those policy-controller's glob matches — is accepted without any check.
    const r = convert([cip('pass', { images: [{ glob: 'regist*.io/**' }], authorities: [{ static: { action: 'pass' } }] })]);
    expect(policyOf(r).transports.docker['']).toEqual([{ type: 'insecureAcceptAnything' }]);
    const line = r.report.find((l) => l.path === 'ClusterImagePolicy/pass spec.images[0].glob' && l.effect === 'looser');
    expect(line).toMatchObject({ dropped: true, images: 'regist*.io/**' });
    expect(line!.message).toContain('accepted without any check');
    // An exactly expressed glob adds no such line.
    const exact = convert([cip('pass', { images: [{ glob: 'ghcr.io/**' }], authorities: [{ static: { action: 'pass' } }] })]);
    expect(exact.report.filter((l) => l.effect === 'looser')).toEqual([]);
    // With --on-no-match allow, policy-controller allows those images anyway: nothing is looser.
    const allow = convert([cip('pass', { images: [{ glob: 'regist*.io/**' }], authorities: [{ static: { action: 'pass' } }] })], { noMatch: 'allow' });
    expect(allow.report.filter((l) => l.effect === 'looser')).toEqual([]);
  });

  test('what cannot be expressed is named with its path and never becomes an acceptance', () => {
    const r = convert([
      cip('warn', { mode: 'warn', images: [{ glob: 'a.io/w/**' }], authorities: [{ key: { data: KEY1 } }] }),
      cip('regexp', { images: [{ glob: 'a.io/r/**' }], authorities: [{ keyless: { identities: [{ issuer: 'https://i', subjectRegExp: '.*' }] } }] }),
      cip('uri', { images: [{ glob: 'a.io/u/**' }], authorities: [{ keyless: { identities: [{ issuer: 'https://i', subject: 'https://github.com/o/r/.github/workflows/x.yml@refs/heads/main' }] } }] }, 'policy.sigstore.dev/v1alpha1'),
      cip('attest', { images: [{ glob: 'a.io/a/**' }], authorities: [{ key: { data: KEY1 }, attestations: [{ name: 'sbom', predicateType: 'spdx' }] }] }),
      cip('kms', { images: [{ glob: 'a.io/k/**' }], authorities: [{ key: { kms: 'awskms:///x' } }] }),
      cip('rego', { images: [{ glob: 'a.io/g/**' }], authorities: [{ key: { data: KEY1 } }], policy: { type: 'rego', data: 'package sigstore' } }),
      cip('tsa', { images: [{ glob: 'a.io/t/**' }], authorities: [{ key: { data: KEY1 }, ctlog: { url: 'https://rekor.example' }, rfc3161timestamp: { trustRootRef: 'x' } }] }),
    ], { fulcioCA: 'CA PEM', rekorPublicKey: KEY1 });
    const lines = r.report.map((l) => `${l.effect} ${l.path}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'stricter ClusterImagePolicy/warn spec.mode',
        'stricter ClusterImagePolicy/regexp spec.authorities[0].keyless.identities[0].subjectRegExp',
        'stricter ClusterImagePolicy/uri spec.authorities[0].keyless.identities[0].subject',
        'looser ClusterImagePolicy/attest spec.authorities[0].attestations',
        'stricter ClusterImagePolicy/kms spec.authorities[0].key.kms',
        'looser ClusterImagePolicy/rego spec.policy (rego)',
        'note ClusterImagePolicy/tsa spec.authorities[0].ctlog.url',
        'stricter ClusterImagePolicy/tsa spec.authorities[0].rfc3161timestamp',
      ]),
    );
    const p = policyOf(r);
    // No authority left: reject, not accept.
    expect(p.transports.docker['a.io/r']).toEqual([{ type: 'reject' }]);
    expect(p.transports.docker['a.io/k']).toEqual([{ type: 'reject' }]);
    expect(r.report.find((l) => l.path.endsWith('attestations'))!.images).toBe('a.io/a/**');
  });

  test('keyless: Fulcio CA and Rekor key from a TrustRoot in the input; key from a Secret', () => {
    const pem = (s: string) => Buffer.from(s).toString('base64');
    const r = convert([
      { apiVersion: 'policy.sigstore.dev/v1alpha1', kind: 'TrustRoot', metadata: { name: 'tr' }, spec: { sigstoreKeys: { certificateAuthorities: [{ certChain: pem('CA PEM') }], tLogs: [{ publicKey: pem(KEY1) }] } } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: 'cosign-system' }, stringData: { 'cosign.pub': KEY1 } },
      cip('kl', { images: [{ glob: 'a.io/kl/**' }], authorities: [{ keyless: { trustRootRef: 'tr', identities: [{ issuer: 'https://i.example', subject: 'me@example.com' }] }, ctlog: { trustRootRef: 'tr' } }] }),
      cip('sec', { images: [{ glob: 'a.io/s/**' }], authorities: [{ key: { secretRef: { name: 'k' } } }] }),
    ]);
    const p = policyOf(r);
    expect(p.transports.docker['a.io/kl'][0]).toEqual({
      type: 'sigstoreSigned',
      fulcio: { caData: pem('CA PEM'), oidcIssuer: 'https://i.example', subjectEmail: 'me@example.com' },
      rekorPublicKeyData: pem(KEY1),
      signedIdentity: { type: 'matchRepository' },
    });
    expect(p.transports.docker['a.io/s'][0].keyData).toBe(pem(KEY1));
  });
});
