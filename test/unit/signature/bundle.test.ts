/**
 * Sigstore bundles (opt-in, beyond containers/image) over the generated cosign-v3-layout fixtures
 * (fixtures/generate-bundles.ts): one table row per case with the expected verdict and message, then the same
 * bundles through the whole evaluation (on: accepted; off: c/image's rejection plus the "bundle present" hint),
 * and the regular-expression trap that made us keep identity strings away from @sigstore/verify.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluationContext } from '../../../src/cli/context.js';
import { ImgpolicyError } from '../../../src/errors.js';
import { isRunningImageAllowed } from '../../../src/evaluate/index.js';
import type { BundleAttachment, ImageSource } from '../../../src/image/index.js';
import { parsePolicy } from '../../../src/policy/index.js';
import { parseImageReference } from '../../../src/reference/index.js';
import { verifySigstoreBundle } from '../../../src/signature/bundle/index.js';
import { loadRequirement, testContext } from './sigstore-helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/bundles');
interface Case {
  name: string;
  bundle: string;
  requirement: Record<string, unknown>;
  verdict: 'allowed' | 'rejected';
  message?: string;
  messagePrefix?: string;
}
const index = JSON.parse(readFileSync(join(ROOT, 'index.json'), 'utf8')) as {
  imageDigest: string;
  trap: { policyEmail: string; certificateEmail: string; issuer: string };
  cases: Case[];
};
const manifest = new Uint8Array(readFileSync(join(ROOT, 'image/manifest.json')));
const bundleBytes = (name: string) => new Uint8Array(readFileSync(join(ROOT, `${name}.sigstore.json`)));
const IMAGE = 'docker://127.0.0.1:5000/bundle/fixture:v1';

function expectVerdict(c: Case, allowed: boolean, message: string | undefined): void {
  expect(allowed ? 'allowed' : 'rejected').toBe(c.verdict);
  if (c.message !== undefined) expect(message).toBe(c.message);
  if (c.messagePrefix !== undefined) expect(message?.startsWith(c.messagePrefix)).toBe(true);
}

describe('verifySigstoreBundle over fixtures/bundles (index.json)', () => {
  test.each(index.cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const req = loadRequirement(c.requirement, ROOT);
    let allowed = false;
    let message: string | undefined;
    try {
      const p = await verifySigstoreBundle(
        req,
        { bytes: bundleBytes(c.bundle), imageDigest: index.imageDigest, manifest, imageIdentity: '127.0.0.1:5000/bundle/fixture:v1' },
        testContext(ROOT),
      );
      // The caller's digest check (evaluation does the same through checkPayloadAgainstImage).
      if (p.manifestDigest !== index.imageDigest) throw new Error(`Signature for digest ${p.manifestDigest} does not match`);
      allowed = true;
      expect(p.details?.['signedIdentity']).toBe('none');
    } catch (e) {
      message = (e as Error).message;
      if (!(e instanceof Error && e.message.startsWith('Signature for digest'))) expect(e).toBeInstanceOf(ImgpolicyError);
    }
    expectVerdict(c, allowed, message);
  });
});

/** An ImageSource whose only signature is a bundle referrer (what docker-source returns for a cosign v3 image). */
function source(bundle: string): ImageSource & { bundleCalls: number } {
  const att: BundleAttachment = {
    format: 'sigstore-bundle',
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    bytes: bundleBytes(bundle),
    subjectDigest: index.imageDigest,
    referrer: 'sha256:' + '1'.repeat(64),
    source: 'referrers-api',
    annotations: {},
  };
  const s = {
    reference: parseImageReference(IMAGE),
    bundleCalls: 0,
    manifest: async () => ({ bytes: manifest, mimeType: 'application/vnd.oci.image.manifest.v1+json' }),
    signatures: async () => [],
    bundles: async () => {
      s.bundleCalls++;
      return [att];
    },
  };
  return s;
}

async function evaluate(c: Case, bundles: boolean | undefined) {
  const req = { ...c.requirement } as Record<string, unknown>;
  for (const k of ['keyPath', 'rekorPublicKeyPath']) if (typeof req[k] === 'string') req[k] = join(ROOT, req[k] as string);
  if (req['fulcio']) req['fulcio'] = { ...(req['fulcio'] as object), caPath: join(ROOT, (req['fulcio'] as { caPath: string }).caPath) };
  const policy = parsePolicy(JSON.stringify({ default: [req] }));
  const base = evaluationContext({ env: {}, homeDir: '/nonexistent', cwd: ROOT, now: () => new Date() });
  const ctx = bundles === undefined ? base : { ...base, sigstoreBundles: bundles };
  const img = source(c.bundle);
  return { r: await isRunningImageAllowed(policy, img, ctx), img };
}

describe('evaluation with bundles', () => {
  test.each(index.cases.map((c) => [c.name, c] as const))('on: %s', async (_n, c) => {
    const { r } = await evaluate(c, true);
    expectVerdict(c, r.allowed, r.error?.message);
    const sigs = r.requirements[0]?.signatures ?? [];
    expect(sigs.every((s) => s.format === 'sigstore-bundle')).toBe(true);
    if (r.allowed) {
      const hint = r.trace.find((e) => e.data?.['hint'] === 'sigstore-bundle-identity');
      expect(hint?.message).toContain("signedIdentity was checked against the image's own reference 127.0.0.1:5000/bundle/fixture:v1");
    }
  });

  test.each(index.cases.map((c) => [c.name, c] as const))('off (default): %s is rejected as containers/image rejects it, with a hint', async (_n, c) => {
    for (const setting of [undefined, false]) {
      const { r } = await evaluate(c, setting);
      expect(r.allowed).toBe(false);
      expect(r.error?.message).toBe('A signature was required, but no signature exists');
      const hint = r.trace.find((e) => e.data?.['hint'] === 'sigstore-bundle-present');
      expect(hint).toBeDefined();
      expect(hint!.data!['wouldAllow']).toBe(c.verdict === 'allowed');
      expect(String(hint!.data!['text'])).toContain('bundle support (--sigstore-bundles) would');
      expect(r.requirements[0]?.bundles?.enabled).toBe(false);
    }
  });

  test('off with sigstoreBundleHint:false: bundles are never looked at', async () => {
    const c = index.cases[0]!;
    const policy = parsePolicy(JSON.stringify({ default: [{ ...c.requirement, keyPath: join(ROOT, 'keys/signer.pub') }] }));
    const base = evaluationContext({ env: {}, homeDir: '/nonexistent', cwd: ROOT, now: () => new Date() });
    const img = source(c.bundle);
    const r = await isRunningImageAllowed(policy, img, { ...base, sigstoreBundleHint: false });
    expect(r.allowed).toBe(false);
    expect(img.bundleCalls).toBe(0);
    expect(r.trace.some((e) => e.data?.['hint'] === 'sigstore-bundle-present')).toBe(false);
  });

  test('a wrong manifest: the bundle signs another digest', async () => {
    const c = index.cases.find((x) => x.name === 'key-v3 keys')!;
    const policy = parsePolicy(JSON.stringify({ default: [{ ...c.requirement, keyPath: join(ROOT, 'keys/signer.pub') }] }));
    const base = evaluationContext({ env: {}, homeDir: '/nonexistent', cwd: ROOT, now: () => new Date() });
    const img = source(c.bundle);
    img.manifest = async () => ({ bytes: new Uint8Array(Buffer.from('{"schemaVersion":2}')), mimeType: 'application/vnd.oci.image.manifest.v1+json' });
    const r = await isRunningImageAllowed(policy, img, { ...base, sigstoreBundles: true });
    expect(r.error?.message).toBe(`Signature for digest ${index.imageDigest} does not match`);
  });
});

describe('identity strings never reach @sigstore/verify (its strings are unanchored regular expressions)', () => {
  test(`the library itself accepts ${index.trap.certificateEmail} for the policy email ${index.trap.policyEmail}; we reject it`, async () => {
    const { Verifier, toSignedEntity } = await import('@sigstore/verify');
    const { bundleFromJSON } = await import('@sigstore/bundle');
    const { X509Certificate } = await import('@sigstore/core');
    const { createHash, createPublicKey } = await import('node:crypto');
    const rootPEM = readFileSync(join(ROOT, 'keys/fulcio-root.pem'), 'utf8');
    const rekor = createPublicKey(readFileSync(join(ROOT, 'keys/rekor.pub')));
    const forever = { start: new Date(0), end: new Date(8.64e15) };
    const trust = {
      certificateAuthorities: [{ certChain: [X509Certificate.parse(rootPEM)], validFor: forever }],
      timestampAuthorities: [],
      tlogs: [{ logID: createHash('sha256').update(rekor.export({ type: 'spki', format: 'der' })).digest(), baseURL: 'rekor.imgpolicy.test', publicKey: rekor, validFor: forever }],
      ctlogs: [],
      publicKey: () => {
        throw new Error('no keys');
      },
    };
    const entity = toSignedEntity(bundleFromJSON(JSON.parse(Buffer.from(bundleBytes('fulcio-v3-trap')).toString('utf8'))));
    const signer = new Verifier(trust as never, { ctlogThreshold: 0 }).verify(entity, {
      subjectAlternativeName: index.trap.policyEmail,
      extensions: { issuer: index.trap.issuer },
    });
    // The trap is real: a plain string policy accepted the wrong identity.
    expect(signer.identity?.subjectAlternativeName).toBe(index.trap.certificateEmail);

    const req = loadRequirement(
      { type: 'sigstoreSigned', fulcio: { caPath: 'keys/fulcio-root.pem', oidcIssuer: index.trap.issuer, subjectEmail: index.trap.policyEmail }, rekorPublicKeyPath: 'keys/rekor.pub' },
      ROOT,
    );
    await expect(
      verifySigstoreBundle(req, { bytes: bundleBytes('fulcio-v3-trap'), imageDigest: index.imageDigest, manifest, imageIdentity: 'x' }, testContext(ROOT)),
    ).rejects.toThrow(`Required email "${index.trap.policyEmail}" not found (got ["${index.trap.certificateEmail}"])`);
  });
});
