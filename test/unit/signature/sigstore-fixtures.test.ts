/**
 * Table test over the generated variants in fixtures/sigstore/index.json: every image is verified against its
 * requirement and must get exactly the verdict, error class and message recorded there (c/image's texts).
 * IMGPOLICY_SIGSTORE_FIXTURES (folders separated by `:`) runs the same table over freshly regenerated sets
 * (fixtures-regenerate.test.ts does, to prove that no verdict depends on the keys a generation happened to draw).
 */
import { describe, test, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { EvaluationError, InvalidSignatureError } from '../../../src/errors.js';
import { parseSignatureBlob } from '../../../src/image/signature-blob.js';
import type { SigstoreSignature } from '../../../src/image/types.js';
import type { SigstoreSignedRequirement } from '../../../src/policy/types.js';
import { verifySigstoreSignature } from '../../../src/signature/sigstore/index.js';
import { Trace } from '../../../src/trace.js';
import { loadRequirement, testContext } from './sigstore-helpers.js';
import type { Variant } from '../../../fixtures/generate-sigstore.js';

const ROOTS = (process.env['IMGPOLICY_SIGSTORE_FIXTURES'] ?? join(process.cwd(), 'fixtures', 'sigstore')).split(delimiter);

describe.each(ROOTS.map((r) => [relative(process.cwd(), r), r]))('generated sigstore fixtures in %s', (_label, ROOT) => {
  const index = JSON.parse(readFileSync(join(ROOT, 'index.json'), 'utf8')) as { manifestDigest: string; variants: Variant[] };

  const signatureOf = (v: Variant): SigstoreSignature => {
    const sig = parseSignatureBlob(readFileSync(join(ROOT, v.image, 'signature-1')));
    if (sig.format !== 'sigstore') throw new Error('not a sigstore signature');
    return sig;
  };

  const accepted = index.variants.filter((v) => v.verdict === 'accept');
  const rejected = index.variants.filter((v) => v.verdict === 'reject');

  test('the table is big enough', () => {
    expect(accepted.length).toBeGreaterThanOrEqual(25);
    expect(rejected.length).toBeGreaterThanOrEqual(40);
  });

  test.each(accepted.map((v) => [v.name, v] as const))('accepts %s', async (_name, v) => {
    const req: SigstoreSignedRequirement = loadRequirement(v.requirement, ROOT);
    const r = await verifySigstoreSignature(req, signatureOf(v), testContext(ROOT, v.now));
    expect(r.dockerReference).toBe(v.dockerReference);
    expect(r.manifestDigest).toBe(index.manifestDigest);
    expect(r.details?.['mode']).toBe(v.mode);
    expect(r.details?.['keyFingerprint']).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each(rejected.map((v) => [v.name, v] as const))('rejects %s', async (_name, v) => {
    const req = loadRequirement(v.requirement, ROOT);
    const p = verifySigstoreSignature(req, signatureOf(v), testContext(ROOT, v.now));
    await expect(p).rejects.toThrow(v.message!);
    const e = await p.catch((x: unknown) => x);
    expect((e as Error).message).toBe(v.message);
    expect(e).toBeInstanceOf(v.errorClass === 'InvalidSignatureError' ? InvalidSignatureError : EvaluationError);
  });

  test('a missing key file is a plain error with the OS text, raised only when a signature is checked', async () => {
    const v = accepted.find((x) => x.name === 'key-p256')!;
    const req = loadRequirement({ ...v.requirement, keyPath: 'keys/does-not-exist.pub' }, ROOT);
    const e = await verifySigstoreSignature(req, signatureOf(v), testContext(ROOT)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EvaluationError);
    expect((e as Error).message).toBe(`open ${join(ROOT, 'keys/does-not-exist.pub')}: no such file or directory`);
  });

  test('verification records no trace lines of its own', async () => {
    const v = accepted.find((x) => x.name === 'fulcio-issuer-v1')!;
    const ctx = { ...testContext(ROOT), trace: new Trace() };
    await verifySigstoreSignature(loadRequirement(v.requirement, ROOT), signatureOf(v), ctx);
    expect(ctx.trace.events).toEqual([]);
  });
});
