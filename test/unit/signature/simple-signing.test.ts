import { beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { ImgpolicyError } from '../../../src/errors.js';
import { parseSignatureBlob } from '../../../src/image/signature-blob.js';
import type { SignedByKeyType, SignedByRequirement } from '../../../src/policy/types.js';
import { simpleSigningFacts, verifySimpleSigningSignature } from '../../../src/signature/simple-signing/index.js';
import type { VerifiedPayload, VerifyContext } from '../../../src/signature/types.js';
import { Trace } from '../../../src/trace.js';

const GPG = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/gpg');

function context(trace = new Trace()): VerifyContext {
  return { readFile: async (p) => new Uint8Array(await readFile(p)), now: () => new Date(), trace };
}

function signedBy(source: { keyPath?: string; keyPaths?: string[]; keyData?: Uint8Array }, keyType: SignedByKeyType = 'GPGKeys'): SignedByRequirement {
  return { type: 'signedBy', keyType, ...source, signedIdentity: { type: 'matchExact' } };
}

async function outcome(req: SignedByRequirement, blob: Uint8Array, ctx = context()): Promise<{ ok: true; payload: VerifiedPayload } | { ok: false; class: string; message: string }> {
  try {
    return { ok: true, payload: await verifySimpleSigningSignature(req, { format: 'simple-signing', blob }, ctx) };
  } catch (e) {
    expect(e).toBeInstanceOf(ImgpolicyError); // never a raw exception
    return { ok: false, class: (e as ImgpolicyError).className, message: (e as Error).message };
  }
}

interface IndexCase {
  name: string;
  image: string;
  key: string;
  reference: string;
  signatures: ({ file: string; ok: true; dockerReference: string; manifestDigest: string; keyFingerprint: string; signingKeyFingerprint: string } | { file: string; ok: false; class: string; message: string } | { file: string; ok: 'skipped' })[];
  expected: { allowed: true } | { allowed: false; class: string; message: string };
}
// Read at load time: the tables below are built from it.
const index: { cases: IndexCase[]; keys: Record<string, { fingerprint: string }> } = JSON.parse(readFileSync(join(GPG, 'index.json'), 'utf8'));

describe('generated fixtures (fixtures/gpg/index.json): each signature', () => {
  test('index lists the cases the generator promises', () => {
    expect(index.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['valid', 'wrong-key', 'tampered', 'wrong-identity', 'wrong-digest', 'unsigned', 'two-signatures', 'mixed', 'subkey', 'revoked-subkey', 'expired-key']),
    );
  });
  // One table row per (case, signature); the table is the index file.
  const rows: [string, number][] = [];
  for (const name of ['valid', 'valid-uncompressed', 'valid-keyring', 'wrong-key', 'tampered', 'wrong-identity', 'wrong-digest', 'two-signatures', 'two-signatures-rejected', 'mixed', 'double-signed-message', 'subkey', 'revoked-subkey', 'expired-key']) {
    rows.push([name, 0], [name, 1]);
  }
  test.each(rows)('%s signature #%i', async (name, i) => {
    const c = index.cases.find((x) => x.name === name)!;
    const s = c.signatures[i];
    if (!s) return; // the case has fewer signatures
    const blob = parseSignatureBlob(new Uint8Array(await readFile(join(GPG, c.image, s.file))));
    if (s.ok === 'skipped') {
      expect(blob.format).toBe('sigstore');
      return;
    }
    expect(blob.format).toBe('simple-signing');
    const r = await outcome(signedBy({ keyPath: join(GPG, c.key) }), (blob as { blob: Uint8Array }).blob);
    if (s.ok) {
      expect(r).toMatchObject({ ok: true, payload: { dockerReference: s.dockerReference, manifestDigest: s.manifestDigest, details: { keyFingerprint: s.keyFingerprint, signingKeyFingerprint: s.signingKeyFingerprint, creator: 'imgpolicy fixtures', timestamp: 1700000000 } } });
    } else {
      expect(r).toEqual({ ok: false, class: s.class, message: s.message });
    }
  });
});

describe('generated fixtures: the requirement verdict (c/image combining rules, matchExact on a fully-qualified name)', () => {
  // A small stand-in for evaluate/: enough to check that the index's verdicts follow from the per-signature results.
  async function requirementVerdict(c: IndexCase): Promise<{ allowed: true } | { allowed: false; class: string; message: string }> {
    const dir = join(GPG, c.image);
    const manifest = await readFile(join(dir, 'manifest.json'));
    const digest = 'sha256:' + createHash('sha256').update(manifest).digest('hex');
    const rejections: { class: string; message: string }[] = [];
    for (const s of c.signatures) {
      const sig = parseSignatureBlob(new Uint8Array(await readFile(join(dir, s.file))));
      if (sig.format !== 'simple-signing') continue;
      const r = await outcome(signedBy({ keyPath: join(GPG, c.key) }), sig.blob);
      if (!r.ok) rejections.push({ class: r.class, message: r.message });
      else if (r.payload.manifestDigest !== digest) rejections.push({ class: 'PolicyRequirementError', message: `Signature for digest ${r.payload.manifestDigest} does not match` });
      else if (r.payload.dockerReference !== c.reference) rejections.push({ class: 'PolicyRequirementError', message: `Signature for identity "${r.payload.dockerReference}" is not accepted` });
      else return { allowed: true };
    }
    if (rejections.length === 0) return { allowed: false, class: 'PolicyRequirementError', message: 'A signature was required, but no signature exists' };
    if (rejections.length === 1) return { allowed: false, ...rejections[0]! };
    return { allowed: false, class: 'PolicyRequirementError', message: 'None of the signatures were accepted, reasons: ' + rejections.map((r) => r.message).join('; ') };
  }
  test.each(['valid', 'valid-uncompressed', 'valid-keyring', 'wrong-key', 'tampered', 'wrong-identity', 'wrong-digest', 'unsigned', 'two-signatures', 'two-signatures-rejected', 'mixed', 'double-signed-message', 'subkey', 'revoked-subkey', 'expired-key'])('%s', async (name) => {
    const c = index.cases.find((x) => x.name === name)!;
    expect(await requirementVerdict(c)).toEqual(c.expected);
  });
});

describe('key sources and keyType (c/image order: keyType, then key bytes, then import)', () => {
  let valid: Uint8Array;
  let keyA: Uint8Array;
  beforeAll(async () => {
    valid = new Uint8Array(await readFile(join(GPG, 'images/valid/signature-1')));
    keyA = new Uint8Array(await readFile(join(GPG, 'keys/a.asc')));
  });
  const fpA = () => index.keys['a']!.fingerprint;

  test.each([
    ['keyPath, armoured', () => ({ keyPath: join(GPG, 'keys/a.asc') })],
    ['keyPath, binary', () => ({ keyPath: join(GPG, 'keys/a.gpg') })],
    ['keyPath, binary keyring with the key in the middle', () => ({ keyPath: join(GPG, 'keys/ring.gpg') })],
    ['keyPath, two armour blocks in one file', () => ({ keyPath: join(GPG, 'keys/b-and-a.asc') })],
    ['keyPaths, untrusted key first', () => ({ keyPaths: [join(GPG, 'keys/b.asc'), join(GPG, 'keys/a.asc')] })],
    ['keyPaths, same key twice', () => ({ keyPaths: [join(GPG, 'keys/a.asc'), join(GPG, 'keys/a.gpg')] })],
    ['keyData', () => ({ keyData: keyA })],
  ] as [string, () => Parameters<typeof signedBy>[0]][])('accepted: %s', async (_n, source) => {
    const r = await outcome(signedBy(source()), valid);
    expect(r).toMatchObject({ ok: true, payload: { details: { keyFingerprint: fpA() } } });
  });

  test.each([
    ['keyData ""', () => ({ keyData: new Uint8Array() }), 'PolicyRequirementError', 'No public keys imported'],
    ['keyPaths []', () => ({ keyPaths: [] }), 'PolicyRequirementError', 'No public keys imported'],
    ['keyData garbage', () => ({ keyData: new Uint8Array(Buffer.from('nonsense')) }), 'PolicyRequirementError', 'No public keys imported'],
    ['keyPath is not a key (a signature)', () => ({ keyPath: join(GPG, 'images/valid/signature-1') }), 'PolicyRequirementError', 'No public keys imported'],
    ['keyPath missing', () => ({ keyPath: '/nonexistent/key.gpg' }), 'EvaluationError', 'open /nonexistent/key.gpg: no such file or directory'],
    ['keyPaths with a missing file aborts', () => ({ keyPaths: [join(GPG, 'keys/a.asc'), '/nonexistent/2.gpg'] }), 'EvaluationError', 'open /nonexistent/2.gpg: no such file or directory'],
    ['keyPath is a directory', () => ({ keyPath: GPG }), 'EvaluationError', `read ${GPG}: is a directory`],
    ['only untrusted key', () => ({ keyPath: join(GPG, 'keys/b.asc') }), 'InvalidSignatureError', `Invalid GPG signature: no public key for key ID ${index.keys['a']!.fingerprint.slice(-16)} in the configured keys (GPG: NO_PUBKEY)`],
    ['no source at all', () => ({}), 'EvaluationError', 'Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified'],
    ['keyPath "" counts as unset', () => ({ keyPath: '' }), 'EvaluationError', 'Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified'],
    ['two sources', () => ({ keyPath: join(GPG, 'keys/a.asc'), keyData: keyA }), 'EvaluationError', 'Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified'],
  ] as [string, () => Parameters<typeof signedBy>[0], string, string][])('rejected: %s', async (_n, source, cls, message) => {
    expect(await outcome(signedBy(source()), valid)).toEqual({ ok: false, class: cls, message });
  });

  test.each(['signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'] as SignedByKeyType[])('keyType %s is unimplemented (plain), before any key is read', async (keyType) => {
    expect(await outcome(signedBy({ keyPath: '/nonexistent' }, keyType), valid)).toEqual({ ok: false, class: 'EvaluationError', message: `Unimplemented "keyType" value "${keyType}"` });
  });
});

describe('messages signed on the fly (payload errors after valid cryptography, algorithms)', () => {
  let key: openpgp.PrivateKey;
  beforeAll(async () => {
    key = (await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'on the fly' }], format: 'object' })).privateKey;
  });
  const signText = async (text: string, config?: Parameters<typeof openpgp.sign>[0]['config']) =>
    (await openpgp.sign({ message: await openpgp.createMessage({ binary: new Uint8Array(Buffer.from(text)) }), signingKeys: key, format: 'binary', ...(config ? { config } : {}) })) as Uint8Array;
  const req = () => signedBy({ keyData: new Uint8Array(Buffer.from(key.toPublic().armor())) });

  test.each([
    ['not JSON', 'This is not JSON\n', "invalid character 'T' looking for beginning of value"],
    ['optional null', '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"sha256:' + 'a'.repeat(64) + '"},"identity":{"docker-reference":"a/b:c"}},"optional":null}', 'JSON object expected, got <nil>'],
    ['fractional timestamp', '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"sha256:' + 'a'.repeat(64) + '"},"identity":{"docker-reference":"a/b:c"}},"optional":{"timestamp":1.5}}', 'Field optional.timestamp is not an integer'],
    ['unknown critical key', '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"sha256:' + 'a'.repeat(64) + '"},"identity":{"docker-reference":"a/b:c"},"x":1},"optional":{}}', 'Unknown key "x"'],
    ['duplicate key', '{"critical":{},"critical":{},"optional":{}}', 'Duplicate key "critical"'],
    ['bad digest', '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"sha256:../.."},"identity":{"docker-reference":"a/b:c"}},"optional":{}}', 'invalid docker-manifest-digest value "sha256:../..": invalid checksum digest length'],
  ])('%s → InvalidSignatureError', async (_n, text, message) => {
    expect(await outcome(req(), await signText(text))).toEqual({ ok: false, class: 'InvalidSignatureError', message });
  });

  /**
   * An RSA-1024 key and a signature with a chosen hash, built packet by packet: openpgp.sign only uses hashes from the
   * key's preferences, and openpgp 6 will not put SHA-1/MD5 there. (Signature packet then literal data: the older
   * non-one-pass layout, which gpg also verifies.)
   */
  const weakConfig = { minRSABits: 1024, rejectHashAlgorithms: new Set<number>(), rejectMessageHashAlgorithms: new Set<number>() };
  async function weakKey(): Promise<openpgp.PrivateKey> {
    return (await openpgp.generateKey({ type: 'rsa', rsaBits: 1024, userIDs: [{ name: 'weak' }], format: 'object', config: weakConfig })).privateKey;
  }
  async function signWith(k: openpgp.PrivateKey, text: string, hash: number): Promise<Uint8Array> {
    const literal = new openpgp.LiteralDataPacket();
    // setBytes is declared private in the typings but is how a literal packet gets its data.
    (literal as unknown as { setBytes(b: Uint8Array, f: number): void }).setBytes(new Uint8Array(Buffer.from(text)), openpgp.enums.literal.binary);
    const sig = new openpgp.SignaturePacket() as unknown as Record<string, unknown> & { sign(...a: unknown[]): Promise<void> };
    Object.assign(sig, {
      signatureType: openpgp.enums.signature.binary,
      publicKeyAlgorithm: k.keyPacket.algorithm,
      hashAlgorithm: hash,
      issuerKeyID: k.keyPacket.getKeyID(),
      issuerFingerprint: k.keyPacket.getFingerprintBytes(),
      created: new Date(),
    });
    await sig.sign(k.keyPacket, literal, sig['created'], false, weakConfig);
    const list = new openpgp.PacketList();
    list.push(sig as never, literal);
    return list.write() as Uint8Array;
  }
  const valid = '{"critical":{"type":"atomic container signature","image":{"docker-manifest-digest":"sha256:' + 'a'.repeat(64) + '"},"identity":{"docker-reference":"a/b:c"}},"optional":{}}';

  test('SHA-1 signatures and RSA-1024 keys are accepted as gpg accepts them, with trace warnings', async () => {
    const k = await weakKey();
    const trace = new Trace();
    const r = await outcome(signedBy({ keyData: new Uint8Array(Buffer.from(k.toPublic().armor())) }), await signWith(k, valid, openpgp.enums.hash.sha1), context(trace));
    expect(r).toMatchObject({ ok: true, payload: { details: { hashAlgorithm: 'SHA1' } } });
    expect(trace.events.map((e) => [e.level, e.message])).toEqual([
      ['warn', expect.stringContaining('weak SHA1 hash algorithm')],
      ['warn', expect.stringMatching(/is rsa\w* with only 1024 bits/)],
    ]);
  });

  test('MD5 signatures are rejected as gpg rejects them', async () => {
    const k = await weakKey();
    const r = await outcome(signedBy({ keyData: new Uint8Array(Buffer.from(k.toPublic().armor())) }), await signWith(k, valid, openpgp.enums.hash.md5));
    expect(r).toEqual({ ok: false, class: 'InvalidSignatureError', message: expect.stringMatching(/^Invalid GPG signature: signature by key [0-9A-F]{16} uses the MD5 hash algorithm, which is rejected as insecure$/) });
  });

  test('garbage instead of a signature is a plain error', async () => {
    const r = await outcome(req(), new Uint8Array(Buffer.from('invalid signature')));
    expect(r).toMatchObject({ ok: false, class: 'EvaluationError' });
  });

  test('simpleSigningFacts reports claims and key ID without verifying', async () => {
    const blob = new Uint8Array(await readFile(join(GPG, 'images/tampered/signature-1')));
    const facts = await simpleSigningFacts({ format: 'simple-signing', blob });
    expect(facts).toMatchObject({ signatureCount: 1, untrustedKeyIDs: [index.keys['a']!.fingerprint.slice(-16)], untrustedDockerReference: 'example.com/Imgpolicy/gpg:latest' });
    expect(facts.untrustedFingerprints).toEqual([index.keys['a']!.fingerprint]);
  });
});
