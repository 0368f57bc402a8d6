/**
 * The packet structure of a GPG-signed message, judged as gpg (through c/image's GPGME) judges it. Every row's
 * expectation is skopeo 1.18's answer to the same shape (test/conformance/crafted-certificates.test.ts asks it for
 * the gpg-made key); here the key is made with openpgp.js and the packets are framed by
 * fixtures/generate-crafted-gpg-structure.ts around a real signature.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import * as openpgp from 'openpgp';
import { gpgStructureCases, type StructureCase } from '../../../fixtures/generate-crafted-gpg-structure.js';
import type { SignedByRequirement } from '../../../src/policy/types.js';
import { verifySimpleSigningSignature } from '../../../src/signature/simple-signing/index.js';
import { Trace } from '../../../src/trace.js';
import { LIMITS } from '../../../src/limits.js';
import { deflateRawSync, deflateSync } from 'node:zlib';

const PAYLOAD = JSON.stringify({
  critical: { identity: { 'docker-reference': 'example.com/a/b:v1' }, image: { 'docker-manifest-digest': 'sha256:' + 'a'.repeat(64) }, type: 'atomic container signature' },
  optional: {},
});
const LONG_PAYLOAD = JSON.stringify({ ...(JSON.parse(PAYLOAD) as object), optional: { creator: 'x'.repeat(700) } });

const ALLOWED = [
  'pkt-reference', 'pkt-ops-other-pubkey', 'pkt-ops-other-keyid', 'pkt-ops-zero-keyid', 'pkt-ops-text-class', 'pkt-ops-nested-0', 'pkt-ops-long',
  'pkt-trailing-marker', 'pkt-marker-before-literal', 'pkt-trailing-experimental', 'pkt-experimental-before-literal',
  'pkt-zip-all', 'pkt-zlib-all', 'pkt-zip-sig-first', 'pkt-uncompressed-alg',
  'pkt-literal-format-t', 'pkt-literal-format-u', 'pkt-literal-format-l', 'pkt-literal-format-1', 'pkt-literal-format-m', 'pkt-literal-format-x',
  'pkt-literal-format-nul', 'pkt-literal-filename', 'pkt-literal-console', 'pkt-old-headers', 'pkt-long-reference', 'pkt-partial-literal',
  'pkt-partial-literal-small', 'pkt-text-sig-binary-literal', 'pkt-bzip2-all', 'pkt-trailing-trust', 'pkt-trailing-tag-40',
  'pkt-trailing-tag-21', 'pkt-trailing-tag-59',
];
/** gpg steps over these, openpgp.js alone refused them (wrong denies, fixed). */
const ALLOWED_WAS_DENIED = ['pkt-trailing-ops', 'pkt-trailing-zero-tag', 'pkt-zip-nested', 'pkt-zip-garbage-after', 'pkt-trailing-public-subkey',
  'pkt-trailing-secret-subkey', 'pkt-trailing-tag-7', 'pkt-trailing-tag-14', 'pkt-trailing-tag-15', 'pkt-trailing-tag-16', 'pkt-trailing-tag-22', 'pkt-trailing-tag-30',
];
/** gpg cannot parse a packet (or misses the signature): GPGME's "No data". The first ones were wrongly allowed. */
const NO_DATA_WAS_ALLOWED = [
  'pkt-ops-v0', 'pkt-ops-v2', 'pkt-ops-v4', 'pkt-ops-v5', 'pkt-ops-v6', 'pkt-ops-short', 'pkt-zip-v0-ops', 'pkt-bzip2-v0-ops', 'pkt-text-sig-v0-ops',
  'pkt-old-indeterminate-sig',
];
const NO_DATA = [
  'pkt-trailing-tag-1', 'pkt-trailing-tag-3', 'pkt-trailing-tag-9', 'pkt-trailing-tag-18', 'pkt-trailing-tag-19', 'pkt-trailing-tag-20', 'pkt-trailing-garbage', 'pkt-zip-literal', 'pkt-zip-ops-literal', 'pkt-zip-garbage-inside', 'pkt-old-indeterminate-literal', 'pkt-partial-signature', 'pkt-partial-ops'];
const COUNT_0 = ['pkt-two-ops', 'pkt-two-ops-nested-1', 'pkt-ops-two-sigs', 'pkt-sig-before-literal', 'pkt-zip-no-ops', 'pkt-zip-sig-literal-sig', 'pkt-zip-sig-literal-ops'];
const BAD_DATA = ['pkt-two-literals', 'pkt-trailing-literal', 'pkt-trailing-user-id', 'pkt-user-id-before-literal', 'pkt-trailing-public-key',
  'pkt-trailing-secret-key', 'pkt-trailing-tag-13', 'pkt-trailing-tag-17',
];
/** gpg hashed the data only with the OPS's algorithm; these were wrongly allowed. */
const HASH_NOT_ANNOUNCED = ['pkt-ops-other-hash', 'pkt-ops-unknown-hash', 'pkt-ops-hash-0', 'pkt-zip-other-hash', 'pkt-bzip2-other-hash'];
/** c/image's format sniffing refuses these before GPG sees them (the first byte is not one it accepts): crafted suite only. */
const SNIFFED_OUT = ['pkt-no-ops', 'pkt-literal-first', 'pkt-leading-marker', 'pkt-leading-experimental'];

let cases: Map<string, StructureCase>;
let publicKey: Uint8Array;

function verify(blob: Uint8Array) {
  const req = { type: 'signedBy', keyType: 'GPGKeys', keyData: publicKey, signedIdentity: { type: 'matchRepository' } } as unknown as SignedByRequirement;
  const ctx = { readFile: async () => new Uint8Array(), now: () => new Date(), trace: new Trace() };
  return verifySimpleSigningSignature(req, { format: 'simple-signing', blob }, ctx);
}
const blob = (name: string) => {
  const c = cases.get(name);
  if (!c) throw new Error(`no crafted case ${name}`);
  return new Uint8Array(c.blob);
};

beforeAll(async () => {
  const keys = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'packets' }], date: new Date(Date.now() - 3600_000), format: 'object' });
  const other = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'other' }], format: 'object' });
  publicKey = (keys.publicKey as openpgp.PublicKey).write();
  const otherID = (other.publicKey.getKeyID() as unknown as { write(): Uint8Array }).write();
  cases = new Map((await gpgStructureCases((keys.privateKey as openpgp.PrivateKey).write(), otherID, PAYLOAD, LONG_PAYLOAD)).map((c) => [c.name, c]));
});

describe('GPG signed-message packet structure, as gpg judges it', () => {
  test('every generated case has an expectation here', () => {
    const listed = [ALLOWED, ALLOWED_WAS_DENIED, NO_DATA_WAS_ALLOWED, NO_DATA, COUNT_0, BAD_DATA, HASH_NOT_ANNOUNCED, SNIFFED_OUT, ['pkt-zip-two-ops-two-sigs', 'pkt-unknown-compression']].flat();
    expect([...cases.keys()].sort()).toEqual([...listed].sort());
  });
  test.each([...ALLOWED, ...ALLOWED_WAS_DENIED])('%s: accepted', async (name) => {
    await expect(verify(blob(name))).resolves.toMatchObject({ dockerReference: 'example.com/a/b:v1' });
  });
  test.each([...NO_DATA_WAS_ALLOWED, ...NO_DATA])('%s: No data', async (name) => {
    await expect(verify(blob(name))).rejects.toThrow(/^No data$/);
  });
  test.each(COUNT_0)('%s: no signature status (count 0)', async (name) => {
    await expect(verify(blob(name))).rejects.toThrow(/^Unexpected GPG signature count 0$/);
  });
  test.each(BAD_DATA)('%s: Bad data', async (name) => {
    await expect(verify(blob(name))).rejects.toThrow(/^Bad data$/);
  });
  test.each(HASH_NOT_ANNOUNCED)('%s: the signature is invalid, its hash was not announced', async (name) => {
    await expect(verify(blob(name))).rejects.toThrow(/^Invalid GPG signature: the signature uses the SHA256 hash algorithm but its one-pass signature packet announced (SHA512|hash algorithm (99|0)) \(gpg hashes/);
  });
  test('two one-pass packets and two signatures in a compressed packet: c/image counts 2', async () => {
    await expect(verify(blob('pkt-zip-two-ops-two-sigs'))).rejects.toThrow(/^Unexpected GPG signature count 2$/);
  });
  test('an ASCII-armoured message with a version-0 one-pass packet: No data (armour does not hide the structure)', async () => {
    const armored = openpgp.armor(openpgp.enums.armor.message, blob('pkt-ops-v0'));
    await expect(verify(new Uint8Array(Buffer.from(armored)))).rejects.toThrow(/^No data$/);
    const good = openpgp.armor(openpgp.enums.armor.message, blob('pkt-reference'));
    await expect(verify(new Uint8Array(Buffer.from(good)))).resolves.toMatchObject({ dockerReference: 'example.com/a/b:v1' });
  });
  test('a compression algorithm gpg does not know: GPGME says Unknown compression algorithm', async () => {
    await expect(verify(blob('pkt-unknown-compression'))).rejects.toThrow(/^Unknown compression algorithm$/);
  });
});

/** A new-format packet with a 4-octet length. */
const packet = (tag: number, body: Uint8Array) => {
  const header = Buffer.alloc(6);
  header[0] = 0xc0 | tag;
  header[1] = 0xff;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
};
const compressedPacket = (algorithm: number, data: Uint8Array) => packet(8, Buffer.concat([Buffer.from([algorithm]), data]));
/** Literal data (format 'b', no file name, date 0). */
const literalPacket = (data: Uint8Array) => packet(11, Buffer.concat([Buffer.from([0x62, 0, 0, 0, 0, 0]), data]));
/** `head -c 100M /dev/zero | bzip2 -9`: 113 bytes that inflate to 100 MiB. */
const BZIP2_100MIB_ZEROS = Buffer.from(
  'QlpoOTFBWSZTWQ4J4t8BX45AAMAAAAggADCATUZCoCWpCoCXMUFZJlNZDgni3wFfjkAAwAAACCAAMIBNRkKgJakKgJcxQVkmU1mKltepAGQGRADAABAAAAggADDMBSmmKARbEoBF4u5IpwoSFdRTLWA=',
  'base64',
);
const TOO_LARGE = `signature decompresses to more than ${LIMITS.maxDecompressedSignatureBytes} bytes, assuming that's unreasonable`;

describe('compressed packets are inflated within LIMITS.maxDecompressedSignatureBytes (gpg has no bound; a bomb must not exhaust memory)', () => {
  const zeros = Buffer.alloc(LIMITS.maxDecompressedSignatureBytes + 1);
  test.each([
    ['ZIP', 1, () => deflateRawSync(zeros)],
    ['ZLIB', 2, () => deflateSync(zeros)],
    ['BZIP2', 3, () => BZIP2_100MIB_ZEROS],
  ])('%s over the limit: refused before any signature is read', async (_name, algorithm, data) => {
    await expect(verify(new Uint8Array(compressedPacket(algorithm, data())))).rejects.toThrow(TOO_LARGE);
  });
  test('the limit is for the whole message: two packets under it each, over it together', async () => {
    // Each packet inflates to a literal data packet gpg can read, so the second one is reached.
    const half = deflateSync(literalPacket(Buffer.alloc(LIMITS.maxDecompressedSignatureBytes / 2)));
    await expect(verify(new Uint8Array(Buffer.concat([compressedPacket(2, half), compressedPacket(2, half)])))).rejects.toThrow(TOO_LARGE);
  });
  test('compressed messages within the limit still verify (ZIP, ZLIB, BZIP2)', async () => {
    for (const name of ['pkt-zip-all', 'pkt-zlib-all', 'pkt-bzip2-all']) {
      await expect(verify(blob(name))).resolves.toMatchObject({ dockerReference: 'example.com/a/b:v1' });
    }
  });
});
