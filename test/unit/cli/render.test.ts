// `imgpolicy render` and `verify --cluster-policies` through the command line: every option, as users meet them.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCLI } from './helpers/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY = readFileSync(join(root, 'fixtures/sigstore/keys/cosign-p256.pub'), 'utf8');
const KEY_B64 = Buffer.from(KEY).toString('base64');
let dir = '';

const ocp = (scopes: string[], extra: object = {}) =>
  JSON.stringify({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterImagePolicy', metadata: { name: 'c' }, spec: { scopes, policy: { rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData: KEY_B64 } } } }, ...extra });
const ipol = (name: string, scopes: string[], namespace?: string) =>
  JSON.stringify({ apiVersion: 'config.openshift.io/v1', kind: 'ImagePolicy', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { scopes, policy: { rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData: KEY_B64 } } } } });
const pcCip = (spec: object) => JSON.stringify({ apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', metadata: { name: 'p' }, spec });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imgpolicy-render-'));
  mkdirSync(join(dir, 'in/sub'), { recursive: true });
  writeFileSync(join(dir, 'in/cluster.yaml'), ocp(['quay.io/a']));
  // A List in a nested directory; an ImagePolicy without a namespace; a non-policy document.
  writeFileSync(join(dir, 'in/sub/list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [JSON.parse(ipol('nsless', ['quay.io/b'])), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }] }));
  writeFileSync(join(dir, 'key.pub'), KEY);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('imgpolicy render (OpenShift)', () => {
  test('directories, Lists, --namespace for ImagePolicies without one, --out writes the node files', async () => {
    const r = await runCLI(['render', '--out', 'node', '--namespace', 'team-x', 'in'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join(dir, 'node/containers/policy.json')}`);
    expect(r.stdout).toContain('1 resource(s) are not image policies and were not read');
    expect(JSON.parse(readFileSync(join(dir, 'node/crio/policies/team-x.json'), 'utf8')).transports.docker['quay.io/b']).toHaveLength(1);
    expect(readFileSync(join(dir, 'node/containers/registries.d/sigstore-registries.yaml'), 'utf8')).toBe('docker:\n  quay.io/a:\n    use-sigstore-attachments: true\n  quay.io/b:\n    use-sigstore-attachments: true\n');
  });

  test('"-" reads standard input; without --out the files are printed; --base-policy merges', async () => {
    writeFileSync(join(dir, 'base.json'), JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { 'old.io': [{ type: 'insecureAcceptAnything' }] } } }));
    const r = await runCLI(['render', '--base-policy', 'base.json', '-'], { cwd: dir, stdin: ocp(['quay.io/a']) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> /etc/containers/policy.json <==\n{\n  "default": [\n    {\n      "type": "reject"');
    expect(r.stdout).toContain('note: base.json: its docker scopes ["old.io"] are not in the rendered policy.json');
  });

  test('a refused resource: exit 3, the API message naming file#document, nothing written', async () => {
    writeFileSync(join(dir, 'bad.yaml'), `${ocp(['quay.io/a'])}\n---\n${ocp(['nodots/x'])}\n`);
    const r = await runCLI(['render', '--out', 'bad-out', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`imgpolicy: ${join(dir, 'bad.yaml')}#1: ClusterImagePolicy.config.openshift.io "c" is invalid: spec.scopes[0]: Invalid value: "string": invalid image scope format, scope must contain a fully qualified domain name or 'localhost'\n`);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
  });

  test('-o json lists the files and notes', async () => {
    const r = await runCLI(['render', '-o', 'json', 'in/cluster.yaml'], { cwd: dir });
    const j = JSON.parse(r.stdout);
    expect(j.source).toBe('openshift');
    expect(Object.keys(j.files)).toEqual(['containers/policy.json', 'containers/registries.d/sigstore-registries.yaml']);
  });
});

describe('imgpolicy render (policy-controller)', () => {
  test('--key-secret, --on-no-match, --fulcio-ca/--rekor-public-key, --strict', async () => {
    writeFileSync(join(dir, 'pc.yaml'), pcCip({ images: [{ glob: 'ghcr.io/o/**' }], authorities: [{ key: { secretRef: { name: 'k' } } }, { keyless: { identities: [{ issuer: 'https://i.example', subject: 'me@example.com' }] } }] }));
    const args = ['render', '-o', 'json', '--key-secret', 'k=key.pub', '--on-no-match', 'allow', '--fulcio-ca', join(root, 'fixtures/sigstore/ca/fulcio-root.pem'), '--rekor-public-key', join(root, 'fixtures/sigstore/keys/rekor.pub'), 'pc.yaml'];
    const r = await runCLI(args, { cwd: dir });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    const policy = JSON.parse(j.files['containers/policy.json']);
    expect(policy.default).toEqual([{ type: 'insecureAcceptAnything' }]);
    expect(policy.transports.docker['ghcr.io/o'][0].keyData).toBe(KEY_B64);
    // The keyless alternative cannot be ORed with the key: dropped, stricter; --strict fails on it.
    expect(j.report.some((l: { path: string; effect: string }) => l.path === 'ClusterImagePolicy/p spec.authorities[1].keyless.identities[0]' && l.effect === 'stricter')).toBe(true);
    expect((await runCLI([...args, '--strict'], { cwd: dir })).code).toBe(1);
    // Without the Secret, the key authority is dropped too: nothing left, so reject (never accept).
    const none = await runCLI(['render', '-o', 'json', 'pc.yaml'], { cwd: dir });
    expect(JSON.parse(JSON.parse(none.stdout).files['containers/policy.json']).transports.docker['ghcr.io/o']).toEqual([{ type: 'reject' }]);
  });

  test('--strict exits 1 when static: pass lands on a scope wider than its glob', async () => {
    writeFileSync(join(dir, 'pass.yaml'), pcCip({ images: [{ glob: 'ghcr.io/o/app-*' }], authorities: [{ static: { action: 'pass' } }] }));
    const r = await runCLI(['render', '--strict', 'pass.yaml'], { cwd: dir });
    expect(r.stdout).toContain('LOOSER   ClusterImagePolicy/p spec.images[0].glob');
    expect(r.code).toBe(1);
  });

  test('both sources at once are refused', async () => {
    writeFileSync(join(dir, 'mixed.yaml'), `${ocp(['quay.io/a'])}\n---\n${pcCip({ images: [{ glob: '**' }], authorities: [{ static: { action: 'pass' } }] })}\n`);
    const r = await runCLI(['render', 'mixed.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('render them separately');
  });
});

describe('verify --cluster-policies (no network: dir: images)', () => {
  test('refuses --policy beside it; a directory image under a docker-only policy gets the default', async () => {
    const both = await runCLI(['verify', '--cluster-policies', 'in', '--policy', 'x.json', 'dir:/nonexistent'], { cwd: dir });
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('do not combine it with --policy');
    const bad = await runCLI(['verify', '--cluster-policies', 'bad.yaml', 'dir:/nonexistent'], { cwd: dir });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('invalid image scope format');
  });
});
