import { beforeAll, describe, expect, test } from '@jest/globals';
import { createHash, createPrivateKey, sign as nodeSign } from 'node:crypto';
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

  /**
   * An Ed25519 (legacy EdDSA) signature over a chosen digest, built by hand (RFC 4880 §5.2.3): openpgp.js refuses to
   * sign with a digest under 256 bits. As gpg (libgcrypt) does, Ed25519 signs the digest bytes themselves.
   */
  function ed25519Sign(k: openpgp.PrivateKey, text: string, hash: 'sha1' | 'ripemd160' | 'sha224' | 'sha256', opts: { alterS?: boolean } = {}): Uint8Array {
    const hashID = { sha1: 2, ripemd160: 3, sha224: 11, sha256: 8 }[hash];
    const created = Buffer.alloc(4);
    created.writeUInt32BE(Math.floor(Date.now() / 1000));
    const subpackets = Buffer.concat([
      Buffer.from([5, 2]), created, // signature creation time
      Buffer.from([9, 16]), Buffer.from(k.keyPacket.getKeyID().toHex(), 'hex'), // issuer
    ]);
    const hashed = Buffer.concat([Buffer.from([4, 0x00, 22, hashID, 0, subpackets.length]), subpackets]);
    const trailer = Buffer.from([4, 0xff, 0, 0, 0, hashed.length]);
    const digest = createHash(hash).update(Buffer.concat([Buffer.from(text), hashed, trailer])).digest();
    const { Q } = k.keyPacket.publicParams as { Q: Uint8Array };
    const { seed } = (k.keyPacket as unknown as { privateParams: { seed: Uint8Array } }).privateParams;
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64(seed), x: b64(Q.subarray(1)) }, format: 'jwk' });
    const rs = nodeSign(null, digest, priv);
    if (opts.alterS) rs[40]! ^= 0x01;
    const mpi = (b: Buffer) => {
      const v = b.subarray(b.findIndex((x) => x !== 0)); // an MPI has no leading zero bytes
      const bits = Buffer.alloc(2);
      bits.writeUInt16BE((v.length - 1) * 8 + (32 - Math.clz32(v[0]!)));
      return Buffer.concat([bits, v]);
    };
    const body = Buffer.concat([hashed, Buffer.from([0, 0]), digest.subarray(0, 2), mpi(rs.subarray(0, 32)), mpi(rs.subarray(32))]);
    const literal = new openpgp.LiteralDataPacket();
    (literal as unknown as { setBytes(b: Uint8Array, f: number): void }).setBytes(new Uint8Array(Buffer.from(text)), openpgp.enums.literal.binary);
    const literalList = new openpgp.PacketList();
    literalList.push(literal);
    return new Uint8Array(Buffer.concat([Buffer.from([0xc2, body.length]), body, literalList.write() as Uint8Array]));
  }
  const keyOf = (k: openpgp.PrivateKey) => signedBy({ keyData: new Uint8Array(Buffer.from(k.toPublic().armor())) });

  test.each([
    ['sha1', 'SHA1', ['signature uses the weak SHA1 hash algorithm']],
    ['ripemd160', 'RIPEMD160', ['signature uses the weak RIPEMD160 hash algorithm']],
    ['sha224', 'SHA224', []],
    ['sha256', 'SHA256', []],
  ] as const)('Ed25519 over %s is accepted as gpg accepts it (openpgp.js alone refuses digests under 256 bits)', async (hash, name, warnings) => {
    const trace = new Trace();
    const r = await outcome(keyOf(key), ed25519Sign(key, valid, hash), context(trace));
    expect(r).toMatchObject({ ok: true, payload: { details: { hashAlgorithm: name } } });
    expect(trace.events.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual(warnings.map((w) => expect.stringContaining(w)));
  });

  test.each([
    ['the data', (k: openpgp.PrivateKey) => ed25519Sign(k, valid, 'sha1').map((b, i, a) => (i === a.length - 5 ? b ^ 1 : b))],
    ['S (hash prefix intact)', (k: openpgp.PrivateKey) => ed25519Sign(k, valid, 'sha1', { alterS: true })],
  ])('Ed25519 over SHA-1 with altered %s is a BAD signature', async (_n, make) => {
    expect(await outcome(keyOf(key), make(key))).toEqual({
      ok: false,
      class: 'InvalidSignatureError',
      message: `Invalid GPG signature: BAD signature by key ${key.getKeyID().toHex().toUpperCase()}: the signed data or the signature has been modified`,
    });
  });

  test('Ed25519 over SHA-1 by a key that is not configured is NO_PUBKEY', async () => {
    const other = (await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'other' }], format: 'object' })).privateKey;
    expect(await outcome(keyOf(key), ed25519Sign(other, valid, 'sha1'))).toMatchObject({ ok: false, message: expect.stringContaining('(GPG: NO_PUBKEY)') });
  });

  test.each([
    ['nistP256', 'sha1', 256, 'SHA1'],
    ['nistP256', 'sha224', 256, 'SHA224'],
    ['nistP384', 'sha256', 384, 'SHA256'],
    ['nistP521', 'sha384', 512, 'SHA384'],
  ] as const)('ECDSA %s over %s is refused as gpg refuses a digest shorter than q', async (curve, hash, bits, name) => {
    const k = (await openpgp.generateKey({ type: 'ecc', curve, userIDs: [{ name: curve }], format: 'object' })).privateKey;
    expect(await outcome(keyOf(k), await signWith(k, valid, openpgp.enums.hash[hash]))).toEqual({
      ok: false,
      class: 'InvalidSignatureError',
      message: `Invalid GPG signature: ECDSA key ${k.getKeyID().toHex().toUpperCase()} requires a ${bits} bit or larger hash (hash is ${name})`,
    });
  });

  test('ECDSA P-256 over SHA-256 is accepted', async () => {
    const k = (await openpgp.generateKey({ type: 'ecc', curve: 'nistP256', userIDs: [{ name: 'p256' }], format: 'object' })).privateKey;
    expect(await outcome(keyOf(k), await signWith(k, valid, openpgp.enums.hash.sha256))).toMatchObject({ ok: true });
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
