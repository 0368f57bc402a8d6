/**
 * Issue 20, GPG rows without the oracle (the crafted suite checks them against skopeo 1.18 with keys made by gpg):
 * a signature by a subkey is rejected with c/image's message, and a signature dated in the future is accepted, as
 * gpg accepts it. Keys and signatures are made here with openpgp.js.
 */
import { describe, expect, test } from '@jest/globals';
import * as openpgp from 'openpgp';
import type { SignedByRequirement } from '../../../src/policy/types.js';
import { verifySimpleSigningSignature } from '../../../src/signature/simple-signing/index.js';
import { Trace } from '../../../src/trace.js';

const PAYLOAD = JSON.stringify({
  critical: { identity: { 'docker-reference': 'example.com/a/b:v1' }, image: { 'docker-manifest-digest': 'sha256:' + 'a'.repeat(64) }, type: 'atomic container signature' },
  optional: {},
});

async function signed(o: { bySubkey?: boolean; date?: Date }) {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'issue 20' }], subkeys: [{}, { sign: true }], date: new Date(Date.now() - 3600_000), format: 'object' });
  const key = privateKey as openpgp.PrivateKey;
  const message = await openpgp.createMessage({ binary: Buffer.from(PAYLOAD) });
  const blob = await openpgp.sign({
    message,
    signingKeys: key,
    ...(o.bySubkey ? { signingKeyIDs: [key.subkeys[1]!.getKeyID()] } : { signingKeyIDs: [key.getKeyID()] }),
    ...(o.date ? { date: o.date } : {}),
    format: 'binary',
  });
  const req = { type: 'signedBy', keyType: 'GPGKeys', keyData: (publicKey as openpgp.PublicKey).write(), signedIdentity: { type: 'matchRepository' } } as unknown as SignedByRequirement;
  const trace = new Trace();
  const ctx = { readFile: async () => new Uint8Array(), now: () => new Date(), trace };
  return { run: () => verifySimpleSigningSignature(req, { format: 'simple-signing', blob: blob as Uint8Array }, ctx), key, trace };
}

describe('issue 20: GPG as c/image decides', () => {
  test('row 2: a signature by a signing subkey is not accepted (the subkey fingerprint is compared), with a hint', async () => {
    const s = await signed({ bySubkey: true });
    await expect(s.run()).rejects.toThrow(`Signature by key ${s.key.subkeys[1]!.getFingerprint().toUpperCase()} is not accepted`);
    expect(s.trace.events.some((e) => e.data?.['hint'] === 'gpg-subkey-signature')).toBe(true);
  });
  test('a signature by the primary key is accepted', async () => {
    await expect((await signed({})).run()).resolves.toMatchObject({ dockerReference: 'example.com/a/b:v1' });
  });
  test('wrong deny: a signature dated in the future is accepted (gpg accepts it)', async () => {
    await expect((await signed({ date: new Date(Date.now() + 30 * 86_400_000) })).run()).resolves.toMatchObject({ dockerReference: 'example.com/a/b:v1' });
  });
});
