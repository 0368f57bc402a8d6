// Shared by the sigstore tests: policy.json-form requirements → typed requirements, and a test VerifyContext.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { SigstoreSignedRequirement } from '../../../src/policy/types.js';
import type { VerifyContext } from '../../../src/signature/types.js';
import { Trace } from '../../../src/trace.js';

const b64 = (s: unknown) => new Uint8Array(Buffer.from(String(s), 'base64'));

/** Converts a requirement in policy.json form (paths relative to `base`, *Data as base64) to the typed model. */
export function loadRequirement(j: Record<string, unknown>, base: string): SigstoreSignedRequirement {
  const p = (x: unknown) => (isAbsolute(String(x)) ? String(x) : join(base, String(x)));
  const out: Record<string, unknown> = { type: 'sigstoreSigned', signedIdentity: j['signedIdentity'] ?? { type: 'matchRepoDigestOrExact' } };
  if (j['keyPath'] !== undefined) out['keyPath'] = p(j['keyPath']);
  if (j['keyPaths'] !== undefined) out['keyPaths'] = (j['keyPaths'] as unknown[]).map(p);
  if (j['keyData'] !== undefined) out['keyData'] = b64(j['keyData']);
  if (j['keyDatas'] !== undefined) out['keyDatas'] = (j['keyDatas'] as unknown[]).map(b64);
  if (j['rekorPublicKeyPath'] !== undefined) out['rekorPublicKeyPath'] = p(j['rekorPublicKeyPath']);
  if (j['rekorPublicKeyPaths'] !== undefined) out['rekorPublicKeyPaths'] = (j['rekorPublicKeyPaths'] as unknown[]).map(p);
  if (j['rekorPublicKeyData'] !== undefined) out['rekorPublicKeyData'] = b64(j['rekorPublicKeyData']);
  if (j['rekorPublicKeyDatas'] !== undefined) out['rekorPublicKeyDatas'] = (j['rekorPublicKeyDatas'] as unknown[]).map(b64);
  const f = j['fulcio'] as Record<string, unknown> | undefined;
  if (f) {
    out['fulcio'] = {
      ...(f['caPath'] !== undefined ? { caPath: p(f['caPath']) } : {}),
      ...(f['caData'] !== undefined ? { caData: b64(f['caData']) } : {}),
      oidcIssuer: f['oidcIssuer'],
      subjectEmail: f['subjectEmail'],
    };
  }
  const k = j['pki'] as Record<string, unknown> | undefined;
  if (k) {
    out['pki'] = {
      ...(k['caRootsPath'] !== undefined ? { caRootsPath: p(k['caRootsPath']) } : {}),
      ...(k['caRootsData'] !== undefined ? { caRootsData: b64(k['caRootsData']) } : {}),
      ...(k['caIntermediatesPath'] !== undefined ? { caIntermediatesPath: p(k['caIntermediatesPath']) } : {}),
      ...(k['caIntermediatesData'] !== undefined ? { caIntermediatesData: b64(k['caIntermediatesData']) } : {}),
      ...(k['subjectEmail'] !== undefined ? { subjectEmail: k['subjectEmail'] } : {}),
      ...(k['subjectHostname'] !== undefined ? { subjectHostname: k['subjectHostname'] } : {}),
    };
  }
  return out as unknown as SigstoreSignedRequirement;
}

/** A VerifyContext that reads real files (Go-style ENOENT text) at a pinned or real "now". */
export function testContext(_base: string, now?: string): VerifyContext {
  return {
    async readFile(path: string) {
      try {
        return new Uint8Array(await readFile(path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`open ${path}: no such file or directory`);
        throw e;
      }
    },
    now: () => (now ? new Date(now) : new Date()),
    trace: new Trace(),
  };
}
