/**
 * Cosign-format signatures made here with node:crypto (ECDSA P-256, SHA-256, DER), as `cosign sign` writes them:
 * the simple-signing payload as the layer, the base64 signature in `dev.cosignproject.cosign/signature`.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { MT, pushSigstoreAttachments, type TestRegistry } from '../../../helpers/registry-harness.js';

export interface CosignKey {
  privateKey: KeyObject;
  publicPath: string;
}

export function makeCosignKey(publicPath: string): CosignKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicPath };
}

export function cosignPayload(dockerReference: string, digest: string): string {
  return JSON.stringify({
    critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
    optional: null,
  });
}

export async function cosignSign(reg: TestRegistry, repo: string, digest: string, identity: string, key: CosignKey): Promise<void> {
  const payload = cosignPayload(identity, digest);
  const signature = sign('sha256', Buffer.from(payload), key.privateKey).toString('base64');
  await pushSigstoreAttachments(reg, repo, digest, [
    { mediaType: MT.cosignSimpleSigning, payload, annotations: { 'dev.cosignproject.cosign/signature': signature } },
  ]);
}
