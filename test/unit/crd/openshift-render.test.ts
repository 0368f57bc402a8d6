// The MCO's rendering of ClusterImagePolicy/ImagePolicy, table-driven after machine-config-operator's own tests
// (pkg/controller/container-runtime-config/helpers_test.go: TestGeneratePolicyJSON, TestGetValidScopePolicies,
// TestUpdateNamespacedPolicyJSONs, TestUpdatePolicyJSON, TestGenerateSigstoreRegistriesConfig) and the API's
// validation rules (openshift/api config/v1 types_image_policy.go). The MCO's test resources use remap prefixes such
// as "test-remap-prefix", which its unit tests can use but the API server refuses (no FQDN); here they carry
// ".example.com" so the same resources pass admission.
import { describe, expect, test } from '@jest/globals';
import { parse as parseYAML } from 'yaml';
import { parseResources } from '../../../src/crd/documents.js';
import { renderResources, CrdError } from '../../../src/crd/index.js';
import { MCO_TEMPLATE_POLICY, scopeIsNestedInsideScope } from '../../../src/crd/openshift/render.js';

const CA = 'dGVzdC1jYS1kYXRhLWRhdGE=';
const REKOR = 'dGVzdC1yZWtvci1rZXktZGF0YQ==';
const KEY = 'dGVzdC1rZXktZGF0YQ==';
const CERTS = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJBVEE9Ci0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0=';
const REMAP = { matchPolicy: 'RemapIdentity', remapIdentity: { prefix: 'test-remap-prefix.example.com', signedPrefix: 'test-remap-signed-prefix.example.com' } };

const cip = (name: string, scopes: string[], policy: object) => ({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterImagePolicy', metadata: { name }, spec: { scopes, policy } });
const ip = (name: string, namespace: string, scopes: string[], policy: object) => ({ apiVersion: 'config.openshift.io/v1', kind: 'ImagePolicy', metadata: { name, namespace }, spec: { scopes, policy } });
const CR0 = { rootOfTrust: { policyType: 'FulcioCAWithRekor', fulcioCAWithRekor: { fulcioCAData: CA, rekorKeyData: REKOR, fulcioSubject: { oidcIssuer: 'https://OIDC.example.com', signedEmail: 'test-user@example.com' } } }, signedIdentity: REMAP };
const CR1 = { rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData: KEY, rekorKeyData: REKOR } }, signedIdentity: REMAP };
const CR3 = { rootOfTrust: { policyType: 'PKI', pki: { caRootsData: CERTS, caIntermediatesData: CERTS, pkiCertificateSubject: { email: 'test-user@example.com', hostname: 'my-host.example.com' } } } };
const IPKEY = { rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData: KEY } } };

// The requirements as the MCO's expected JSON spells them.
const remapJSON = { type: 'remapIdentity', prefix: 'test-remap-prefix.example.com', signedPrefix: 'test-remap-signed-prefix.example.com' };
const R0 = { type: 'sigstoreSigned', fulcio: { caData: CA, oidcIssuer: 'https://OIDC.example.com', subjectEmail: 'test-user@example.com' }, rekorPublicKeyData: REKOR, signedIdentity: remapJSON };
const R1 = { type: 'sigstoreSigned', keyData: KEY, rekorPublicKeyData: REKOR, signedIdentity: remapJSON };
const R3 = { type: 'sigstoreSigned', pki: { caRootsData: CERTS, caIntermediatesData: CERTS, subjectEmail: 'test-user@example.com', subjectHostname: 'my-host.example.com' }, signedIdentity: { type: 'matchRepoDigestOrExact' } };
const RIP = { type: 'sigstoreSigned', keyData: KEY, signedIdentity: { type: 'matchRepoDigestOrExact' } };
const DAEMON = { '': [{ type: 'insecureAcceptAnything' }] };

function render(objects: object[], opts: Parameters<typeof renderResources>[1] = {}) {
  const yaml = objects.map((o) => JSON.stringify(o)).join('\n---\n');
  return renderResources(parseResources(yaml, 'test.yaml'), opts);
}
const json = (r: ReturnType<typeof render>, path: string) => JSON.parse(r.files.get(path)!);

describe('MCO rendering (facts from machine-config-operator helpers_test.go)', () => {
  test('TestGeneratePolicyJSON: FulcioCAWithRekor + RemapIdentity and PKI with the default identity, into the template', () => {
    const r = render([cip('test-cr0', ['test0.com'], CR0), cip('test-cr3', ['test3.com/ns/repo'], CR3)]);
    expect(json(r, 'containers/policy.json')).toEqual({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: { atomic: { 'test0.com': [R0], 'test3.com/ns/repo': [R3] }, docker: { 'test0.com': [R0], 'test3.com/ns/repo': [R3] }, 'docker-daemon': DAEMON },
    });
    // Go's MarshalIndent: two spaces, sorted map keys, fields in c/image's order.
    expect(r.files.get('containers/policy.json')).toContain('{\n  "default": [\n    {\n      "type": "insecureAcceptAnything"');
    expect(Object.keys(json(r, 'containers/policy.json').transports.docker['test0.com'][0])).toEqual(['type', 'fulcio', 'rekorPublicKeyData', 'signedIdentity']);
  });

  test('TestGetValidScopePolicies/TestUpdateNamespacedPolicyJSONs: same scope in two cluster policies is ANDed; a namespace scope under a cluster scope is skipped', () => {
    const r = render([
      cip('test-cr0', ['test0.com'], CR0),
      cip('test-cr1', ['test0.com', 'test1.com'], CR1),
      ip('test-cr0', 'testnamespace', ['test0.com', 'test2.com'], IPKEY),
      ip('test-cr3', 'test-1-namespace', ['test3.com'], IPKEY),
      ip('test-cr4', 'testnamespace', ['test4.com/ns-policy/repo'], CR3),
    ]);
    const clusterScopes = { 'test0.com': [R0, R1], 'test1.com': [R1] };
    expect(json(r, 'containers/policy.json').transports).toEqual({ atomic: clusterScopes, docker: clusterScopes, 'docker-daemon': DAEMON });
    const ns = { ...clusterScopes, 'test2.com': [RIP], 'test4.com/ns-policy/repo': [R3] };
    expect(json(r, 'crio/policies/testnamespace.json').transports).toEqual({ atomic: ns, docker: ns, 'docker-daemon': DAEMON });
    const ns1 = { ...clusterScopes, 'test3.com': [RIP] };
    expect(json(r, 'crio/policies/test-1-namespace.json').transports).toEqual({ atomic: ns1, docker: ns1, 'docker-daemon': DAEMON });
    expect(r.notes).toEqual([
      'ImagePolicy/testnamespace/test-cr0: Pending (ConflictScopes): has conflicting scope(s) ["test0.com"] that equal to or nest inside existing clusterimagepolicy, only policy from clusterimagepolicy scope(s) will be applied',
    ]);
    expect(r.origins.get('crio/policies/testnamespace.json')!.get('test0.com')).toEqual(['ClusterImagePolicy/test-cr0', 'ClusterImagePolicy/test-cr1']);
    expect(r.origins.get('crio/policies/testnamespace.json')!.get('test2.com')).toEqual(['ImagePolicy/testnamespace/test-cr0']);
  });

  test('TestUpdatePolicyJSON "unchanged": with namespace policies only, policy.json is the base, byte for byte', () => {
    const r = render([ip('p', 'ns1', ['quay.io/a'], IPKEY)]);
    expect(r.files.get('containers/policy.json')).toBe(MCO_TEMPLATE_POLICY);
    expect(json(r, 'crio/policies/ns1.json').transports.docker).toEqual({ 'quay.io/a': [RIP] });
  });

  test('atomic gets the scopes with fewer than three slashes ("atomic does not allow deep namespaces")', () => {
    const r = render([cip('deep', ['allow.io/namespace1/namespace2', 'allowed-example.com/namespace1/namespace2/namespace3'], IPKEY)]);
    const t = json(r, 'containers/policy.json').transports;
    expect(Object.keys(t.docker)).toEqual(['allow.io/namespace1/namespace2', 'allowed-example.com/namespace1/namespace2/namespace3']);
    expect(Object.keys(t.atomic)).toEqual(['allow.io/namespace1/namespace2']);
  });

  test('TestGenerateSigstoreRegistriesConfig "cip objects exist": every scope, wildcard and digest scopes included', () => {
    const scopes = ['a.com/a1/a2', 'a.com/a1/a2@sha256:0000000000000000000000000000000000000000000000000000000000000000', '*.example.com', 'policy.scope', 'foo.example.com/ns/repo'];
    const r = render([cip('test-cr2', scopes, CR1)]);
    expect(Object.keys(parseYAML(r.files.get('containers/registries.d/sigstore-registries.yaml')!).docker).sort()).toEqual([...scopes].sort());
    expect(parseYAML(r.files.get('containers/registries.d/sigstore-registries.yaml')!).docker['*.example.com']).toEqual({ 'use-sigstore-attachments': true });
  });

  test('a base policy: default and other transports kept, its docker scopes replaced by the cluster scopes', () => {
    const base = JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { 'old.example.com': [{ type: 'insecureAcceptAnything' }] }, 'docker-daemon': DAEMON } });
    const r = render([cip('c', ['test0.com'], IPKEY)], { basePolicy: { text: base, path: 'base.json' } });
    expect(json(r, 'containers/policy.json')).toEqual({ default: [{ type: 'reject' }], transports: { atomic: { 'test0.com': [RIP] }, docker: { 'test0.com': [RIP] }, 'docker-daemon': DAEMON } });
    expect(r.notes[0]).toContain('its docker scopes ["old.example.com"] are not in the rendered policy.json');
  });

  test('sigstore-registries.yaml is written when a policy exists', () => {
    expect(render([cip('c', ['test0.com'], IPKEY)]).files.has('containers/registries.d/sigstore-registries.yaml')).toBe(true);
  });
});

describe('refused by the API server (openshift/api CEL rules), with its message', () => {
  const refused: [string, object, string][] = [
    ['scope without a FQDN', cip('a', ['example/app'], IPKEY), "spec.scopes[0]: Invalid value: \"string\": invalid image scope format, scope must contain a fully qualified domain name or 'localhost'"],
    ['wildcard in the path', cip('a', ['quay.io/*'], IPKEY), 'invalid image scope with wildcard, a wildcard can only be at the start of the domain'],
    ['wildcard inside the host', cip('a', ['example*.*.com'], IPKEY), 'invalid image scope with wildcard'],
    ['upper case repository', cip('a', ['quay.io/Org/app'], IPKEY), 'invalid repository namespace or image specification in the image scope'],
    ['duplicate scope', cip('a', ['quay.io/a', 'quay.io/a'], IPKEY), 'spec.scopes[1]: Duplicate value: "quay.io/a"'],
    ['publicKey missing', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'PublicKey' } }), 'publicKey is required when policyType is PublicKey, and forbidden otherwise'],
    ['unknown policyType', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'GPG' } }), 'Unsupported value: "GPG"'],
    ['fulcio email', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'FulcioCAWithRekor', fulcioCAWithRekor: { fulcioCAData: CA, rekorKeyData: REKOR, fulcioSubject: { oidcIssuer: 'https://i.example.com', signedEmail: 'nobody' } } } }), 'invalid email address'],
    ['PKI without subject', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'PKI', pki: { caRootsData: CERTS, pkiCertificateSubject: {} } } }), 'at least one of email or hostname must be set in pkiCertificateSubject'],
    ['PKI data not PEM', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'PKI', pki: { caRootsData: KEY, pkiCertificateSubject: { email: 'a@b.c' } } } }), "the caRootsData must start with base64 encoding of '-----BEGIN CERTIFICATE-----'."],
    ['ExactRepository with a tag', cip('a', ['quay.io/a'], { ...IPKEY, signedIdentity: { matchPolicy: 'ExactRepository', exactRepository: { repository: 'quay.io/a:v1' } } }), 'should not include the tag or digest'],
    ['RemapIdentity without remapIdentity', cip('a', ['quay.io/a'], { ...IPKEY, signedIdentity: { matchPolicy: 'RemapIdentity' } }), 'remapIdentity is required when matchPolicy is RemapIdentity, and forbidden otherwise'],
    ['keyData not base64', cip('a', ['quay.io/a'], { rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData: 'not base64!' } } }), 'illegal base64 data at input byte 3'],
  ];
  test.each(refused)('%s', (_name, resource, message) => {
    expect(() => render([resource])).toThrow(CrdError);
    expect(() => render([resource])).toThrow(message);
  });
  test('localhost and ports are accepted scopes', () => {
    expect(() => render([cip('a', ['localhost:5000/a', '127.0.0.1:5000/h/a', 'quay.io/a:v1', '*.example.com'], IPKEY)])).not.toThrow();
  });
});

describe('runtime-utils ScopeIsNestedInsideScope (which ImagePolicy scopes the MCO skips)', () => {
  test.each([
    ['quay.io/a', 'quay.io/a', true],
    ['quay.io/a/b', 'quay.io/a', true],
    ['quay.io/ab', 'quay.io/a', false],
    ['foo.example.com/x', '*.example.com', true],
    ['*.foo.example.com', '*.example.com', true],
    ['quay.io/bar.example.com', '*.example.com', false],
    ['foo.example.com:5000/x', '*.example.com', true],
  ])('%s inside %s: %s', (sub, sup, want) => expect(scopeIsNestedInsideScope(sub, sup)).toBe(want));
});
