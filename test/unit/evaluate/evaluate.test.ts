import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluationContext } from '../../../src/cli/context.js';
import { isRunningImageAllowed } from '../../../src/evaluate/index.js';
import { openDirImageSource } from '../../../src/image/index.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { parseImageReference } from '../../../src/reference/index.js';

/**
 * The whole evaluation path — policy parse, scope lookup, requirement order, signature combination, the real GPG
 * verifier, the manifest digest and identity checks — over the generated GPG `dir:` images. As in containers/image's
 * own tests, a `dir:` layout is read under a docker identity so that identity rules apply.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const gpg = join(root, 'fixtures/gpg');
const index = JSON.parse(readFileSync(join(gpg, 'index.json'), 'utf8')) as {
  cases: { name: string; image: string; key: string; reference: string; signedIdentity: unknown; expected: { allowed: boolean; class?: string; message?: string } }[];
};
const pe = { env: {}, homeDir: '/nonexistent', cwd: root, now: () => new Date() };

async function evaluate(policyDoc: unknown, image: string, reference = 'docker://example.com/imgpolicy/gpg:latest') {
  const policy = parsePolicy(JSON.stringify(policyDoc));
  const ctx = evaluationContext(pe);
  const source = openDirImageSource(parseImageReference(reference), join(gpg, image));
  return isRunningImageAllowed(policy, source, ctx);
}

const signedBy = (key: string, signedIdentity?: unknown) => ({
  type: 'signedBy',
  keyType: 'GPGKeys',
  keyPath: join(gpg, key),
  ...(signedIdentity ? { signedIdentity } : {}),
});

describe('signedBy over generated GPG images (index.json verdicts)', () => {
  test.each(index.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await evaluate({ default: [{ ...signedBy(c.key), signedIdentity: c.signedIdentity }] }, c.image, `docker://${c.reference}`);
    expect(r.allowed).toBe(c.expected.allowed);
    if (!c.expected.allowed) {
      expect(r.error?.message).toBe(c.expected.message);
      expect(r.error?.className).toBe(c.expected.class);
    } else {
      expect(r.manifestDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});

describe('policy-level rules', () => {
  const rows: [string, unknown, string, { allowed: boolean; message?: string }][] = [
    ['insecureAcceptAnything reads nothing', { default: [{ type: 'insecureAcceptAnything' }] }, 'images/does-not-exist', { allowed: true }],
    ['reject names the image in docker:// familiar form', { default: [{ type: 'reject' }] }, 'images/valid', { allowed: false, message: 'Running image docker://example.com/imgpolicy/gpg:latest is rejected by policy.' }],
    ['requirements are ANDed: signed then reject', { default: [signedBy('keys/a.asc'), { type: 'reject' }] }, 'images/valid', { allowed: false, message: 'Running image docker://example.com/imgpolicy/gpg:latest is rejected by policy.' }],
    ['first denial wins: reject before a broken key', { default: [{ type: 'reject' }, signedBy('keys/missing.asc')] }, 'images/valid', { allowed: false, message: 'Running image docker://example.com/imgpolicy/gpg:latest is rejected by policy.' }],
    ['two signedBy requirements may use the same signature', { default: [signedBy('keys/a.asc', { type: 'matchRepository' }), signedBy('keys/a.asc', { type: 'matchRepository' })] }, 'images/valid', { allowed: true }],
    ['signedBaseLayer always denies', { default: [{ type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchRepository' } }] }, 'images/valid', { allowed: false, message: 'signedBaseLayer not implemented yet!' }],
    ['a missing key file is only noticed when a signature exists', { default: [signedBy('keys/missing.asc')] }, 'images/unsigned', { allowed: false, message: 'A signature was required, but no signature exists' }],
    ['a missing key file rejects a signed image with the OS error', { default: [signedBy('keys/missing.asc')] }, 'images/valid', { allowed: false, message: `open ${join(gpg, 'keys/missing.asc')}: no such file or directory` }],
    ['keyData "" imports no keys', { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: '' }] }, 'images/valid', { allowed: false, message: 'No public keys imported' }],
    ['unimplemented keyType', { default: [{ type: 'signedBy', keyType: 'X509Certificates', keyPath: join(gpg, 'keys/a.asc') }] }, 'images/valid', { allowed: false, message: 'Unimplemented "keyType" value "X509Certificates"' }],
    ['sigstoreSigned counts GPG signatures as non-sigstore', { default: [{ type: 'sigstoreSigned', keyData: Buffer.from('x').toString('base64') }] }, 'images/valid', { allowed: false, message: 'A signature was required, but no signature exists (1 non-sigstore signatures, 0 sigstore non-signature attachments)' }],
    ['the most specific scope wins, not the default', { default: [{ type: 'reject' }], transports: { docker: { 'example.com/imgpolicy': [signedBy('keys/a.asc')] } } }, 'images/valid', { allowed: true }],
    ['an unmatched scope falls back to the transport ""', { default: [{ type: 'reject' }], transports: { docker: { 'example.com/other': [{ type: 'reject' }], '': [{ type: 'insecureAcceptAnything' }] } } }, 'images/valid', { allowed: true }],
    ['*.example.com does not match example.com', { default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { '*.example.com': [{ type: 'reject' }] } } }, 'images/valid', { allowed: true }],
    ['matchRepository still requires the same repository', { default: [signedBy('keys/a.asc', { type: 'matchRepository' })] }, 'images/wrong-identity', { allowed: false, message: 'Signature for identity "example.com/imgpolicy/other:latest" is not accepted' }],
  ];
  test.each(rows)('%s', async (_name, doc, image, expected) => {
    const r = await evaluate(doc, image);
    expect(r.allowed).toBe(expected.allowed);
    if (expected.message !== undefined) expect(r.error?.message).toBe(expected.message);
  });

  test('the trace is containers/image debug lines, in order', async () => {
    const r = await evaluate(
      { default: [{ type: 'reject' }], transports: { docker: { 'example.com/imgpolicy': [{ type: 'insecureAcceptAnything' }, signedBy('keys/a.asc'), { type: 'reject' }] } } },
      'images/valid',
    );
    expect(r.trace.map((t) => t.message)).toEqual([
      'IsRunningImageAllowed for image docker:example.com/imgpolicy/gpg:latest',
      ' Using transport "docker" specific policy section "example.com/imgpolicy"',
      ' Requirement 0: allowed',
      ' Requirement 1: allowed',
      'Requirement 2: denied, done',
    ]);
    expect(r.scope).toEqual({ transport: 'docker', scope: 'example.com/imgpolicy', kind: 'namespace' });
  });

  test('require-signature-verification denies a policy that verifies nothing', async () => {
    const policy = parsePolicy(JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const ctx = evaluationContext(pe, { requireSignatureVerification: true });
    const source = openDirImageSource(parseImageReference('docker://example.com/imgpolicy/gpg:latest'), join(gpg, 'images/valid'));
    const r = await isRunningImageAllowed(policy, source, ctx);
    expect(r.error?.message).toBe('No signature verification policy found for image docker:example.com/imgpolicy/gpg:latest');
  });

  test('a manifest read error during a signature check is a rejection, never an accept', async () => {
    const r = await evaluate({ default: [signedBy('keys/a.asc')] }, 'images/valid', 'docker://example.com/imgpolicy/gpg:latest');
    expect(r.allowed).toBe(true);
    const policy = parsePolicy(JSON.stringify({ default: [signedBy('keys/a.asc')] }));
    const ctx = evaluationContext(pe);
    const broken = openDirImageSource(parseImageReference('docker://example.com/imgpolicy/gpg:latest'), join(gpg, 'images/valid'));
    const withoutManifest = { ...broken, manifest: () => Promise.reject(new Error('open manifest.json: no such file or directory')) };
    const r2 = await isRunningImageAllowed(policy, withoutManifest, ctx);
    expect(r2.allowed).toBe(false);
    expect(r2.error?.message).toBe('open manifest.json: no such file or directory');
  });
});
