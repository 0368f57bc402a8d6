/**
 * Fuzz targets shared by the short seeded jest run (test/fuzz/*.test.ts) and the long run (scripts/fuzz.ts).
 *
 * A target is a fast-check arbitrary plus a `check` that runs one input through a parser or verifier and classifies
 * what happened. The classes are the security contract:
 *  - `ok`           the input was refused with one of the error classes the module is documented to throw, or was
 *                   accepted and the acceptance is legitimate (a parser returning a value that round-trips);
 *  - `crash`        anything else was thrown (TypeError, RangeError, a raw Error from a library …): in the CLI this
 *                   would surface as an unexplained failure instead of c/image's message;
 *  - `bad-accept`   a verifier accepted a mutated signature whose meaning changed — the one outcome that must never
 *                   happen;
 *  - `benign-accept` a verifier accepted a mutated input whose meaning provably did not change (base64 line breaks
 *                   Go's decoder skips, PEM text outside the block, JSON whitespace or member-name case that Go's
 *                   decoder ignores); counted separately, as the issue asks;
 *  - `slow`         one input took more than SLOW_MS (a hang in the making: catastrophic regex backtracking etc.).
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ImgpolicyError, InvalidSignatureError } from '../../src/errors.js';
import { parseSignatureBlob } from '../../src/image/signature-blob.js';
import type { SigstoreSignature, SimpleSigningSignature } from '../../src/image/types.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { SignedByRequirement, SigstoreSignedRequirement } from '../../src/policy/types.js';
import { parseDockerReference, parseImageReference, ReferenceParseError } from '../../src/reference/index.js';
import { parseSignaturePayload } from '../../src/signature/payload.js';
import { parseLeafCertFromPEM } from '../../src/signature/sigstore/certificates.js';
import { DERError } from '../../src/go/encoding/asn1.js';
import { goBase64Decode } from '../../src/go/encoding/base64.js';
import { verifySigstoreSignature } from '../../src/signature/sigstore/index.js';
import { unmarshalPEMToPublicKey, KeyParseError } from '../../src/go/crypto/keys.js';
import { pemDecode, trimSpace } from '../../src/go/encoding/pem.js';
import { verifyRekorSET } from '../../src/signature/sigstore/rekor-set.js';
import { parseCertificate, unmarshalCertificatesFromPEM, X509Error, type Certificate } from '../../src/go/crypto/x509/parser.js';
import { verifyCertificate } from '../../src/go/crypto/x509/verify.js';
import { domainToReverseLabels, parseRFC2821Mailbox } from '../../src/go/crypto/x509/names.js';
import { parseURL, URLError } from '../../src/go/net/url.js';
import { buildChainDER, caseOptions } from '../../fixtures/generate-crafted-certs.js';
import type { VerifyContext } from '../../src/signature/types.js';
import { verifySimpleSigningSignature } from '../../src/signature/simple-signing/index.js';
import { Trace } from '../../src/trace.js';
import { loadRequirement } from '../unit/signature/sigstore-helpers.js';

export type Outcome = 'ok' | 'crash' | 'bad-accept' | 'benign-accept';
export interface CheckResult {
  outcome: Outcome;
  detail?: string;
}

export interface FuzzTarget<T> {
  name: string;
  /** Relative share of the long run's inputs (cheap parsers get more than OpenPGP verification). */
  weight: number;
  arbitrary: fc.Arbitrary<T>;
  check(input: T): CheckResult | Promise<CheckResult>;
  /** How to print an input in a reproducer. */
  show(input: T): string;
}

export const SLOW_MS = 1000;
const ROOT = process.cwd();

// ------------------------------------------------------------------------------------------------ helpers

const OK: CheckResult = { outcome: 'ok' };

function crash(e: unknown): CheckResult {
  const err = e as Error;
  return { outcome: 'crash', detail: `${err?.constructor?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` };
}

/** Classifies a thrown value: one of `expected` is a refusal (ok), anything else is a crash. */
function refusal(e: unknown, expected: readonly (abstract new (...a: never[]) => Error)[]): CheckResult {
  return expected.some((c) => e instanceof c) ? OK : crash(e);
}

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'dup'; at: number; len: number }
  | { op: 'truncate'; at: number };

/** A few byte-level mutations; positions are fractions so one arbitrary serves inputs of any length. */
const mutationArb: fc.Arbitrary<{ op: Mutation['op']; f: number; v: number; len: number }> = fc.record({
  op: fc.constantFrom<Mutation['op']>('flip', 'set', 'insert', 'delete', 'dup', 'truncate'),
  f: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  v: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x2f, 0x30, 0x3a, 0x3d, 0x41, 0x5c, 0x7b, 0x7d, 0x80, 0xff)),
  len: fc.integer({ min: 1, max: 16 }),
});
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });
export type Mutations = { op: Mutation['op']; f: number; v: number; len: number }[];

export function mutate(input: Uint8Array, ms: Mutations): Uint8Array {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = Math.min(b.length, Math.floor(m.f * (b.length + 1)));
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[Math.min(at, b.length - 1)]! ^= 1 << (m.v & 7);
        break;
      case 'set':
        if (b.length > 0) b[Math.min(at, b.length - 1)] = m.v;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.v]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 'dup':
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return new Uint8Array(b);
}

const str = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const showBytes = (b: Uint8Array) => (b.length > 400 ? `${b.length} bytes, base64 ${Buffer.from(b).toString('base64').slice(0, 400)}…` : JSON.stringify(str(b)));

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

// ------------------------------------------------------------------------------------------------ references

const refChars = fc.constantFrom(...'abcxyz019AZ._-:/@+~ \t%'.split(''), 'sha256:', 'localhost', ':5000', '@sha256:' + 'a'.repeat(64), '//', 'docker://', 'oci:', 'dir:', '\u0000', 'é');
const validRefs = [
  'busybox',
  'docker.io/library/busybox:latest',
  'quay.io/crio/signed@sha256:' + 'ab'.repeat(32),
  'localhost:5000/a/b/c:v1.2',
  '127.0.0.1:5000/test/x:tag@sha256:' + 'cd'.repeat(32),
  '[::1]:5000/ns/repo',
  'docker://example.com/ns/repo:tag',
  'oci:/tmp/layout:v1',
  'dir:/tmp/image',
  'containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]busybox:latest',
  'docker-archive:/tmp/a.tar:busybox:latest',
];
const referenceArb = fc.oneof(
  fc.string({ unit: refChars, maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.tuple(fc.constantFrom(...validRefs), mutationsArb).map(([r, m]) => str(mutate(Buffer.from(r, 'latin1'), m))),
  // long inputs aimed at regex backtracking: many repeated components with a bad tail
  fc.tuple(fc.constantFrom('a', 'a-', 'a.', 'a_', 'a__', 'a/', '0'), fc.integer({ min: 50, max: 3000 }), fc.constantFrom('!', 'A', ':', '@', '-', '/', '')).map(([p, n, t]) => p.repeat(n) + t),
);

export const referenceTarget: FuzzTarget<string> = {
  name: 'reference parser',
  weight: 40,
  arbitrary: referenceArb,
  show: (s) => JSON.stringify(s),
  check(s) {
    try {
      const r = parseDockerReference(s);
      // A parsed reference must round-trip: its string form parses to the same string.
      const again = parseDockerReference(r.toString());
      if (again.toString() !== r.toString()) return { outcome: 'crash', detail: `round-trip: ${r.toString()} → ${again.toString()}` };
    } catch (e) {
      const c = refusal(e, [ReferenceParseError]);
      if (c.outcome !== 'ok') return c;
    }
    try {
      parseImageReference(s, { cwd: '/nonexistent-fuzz-cwd', resolveSymlinks: false });
    } catch (e) {
      return refusal(e, [ReferenceParseError, ImgpolicyError]);
    }
    return OK;
  },
};

// ------------------------------------------------------------------------------------------------ policy.json

const policySeeds = [
  readFileSync(join(ROOT, 'fixtures/policies/every-scope.json')),
  readFileSync(join(ROOT, 'fixtures/demo/policy.json')),
  Buffer.from(
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'quay.io/ns': [{ type: 'sigstoreSigned', keyData: 'LS0tLQ==', signedIdentity: { type: 'remapIdentity', prefix: 'quay.io', signedPrefix: 'example.com' } }],
          'example.com': [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: ['/a', '/b'], signedIdentity: { type: 'exactRepository', dockerRepository: 'example.com/x' } }],
          '*.example.org': [{ type: 'sigstoreSigned', fulcio: { caData: 'QQ==', oidcIssuer: 'https://x', subjectEmail: 'a@b' }, rekorPublicKeyData: 'QQ==' }],
        },
        dir: { '': [{ type: 'insecureAcceptAnything' }] },
      },
    }),
  ),
];
const policyKeys = ['default', 'transports', 'type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'keyDatas', 'signedIdentity', 'fulcio', 'pki', 'rekorPublicKeyPath', 'dockerReference', 'prefix', 'signedPrefix', 'docker', 'dir', 'insecureAcceptAnything', 'reject', 'signedBy', 'sigstoreSigned', 'GPGKeys', 'matchExact', 'remapIdentity'];
const policyJsonArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, 'x', ''),
    fc.constantFrom(...policyKeys),
    fc.string({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...policyKeys), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;
// Deep nesting is expensive per input (~20 ms): it gets a small share, the cheap shapes the rest.
const policyArb = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom(...policySeeds), mutationsArb).map(([b, m]) => mutate(b, m)) },
  { weight: 5, arbitrary: policyJsonArb.map((v) => new Uint8Array(Buffer.from(JSON.stringify(v) ?? 'null'))) },
  {
    weight: 5,
    arbitrary: fc
      .record({ default: fc.array(fc.record({ type: fc.constantFrom('reject', 'insecureAcceptAnything', 'signedBy', 'sigstoreSigned', 'signedBaseLayer') }), { maxLength: 3 }), transports: policyJsonArb })
      .map((v) => new Uint8Array(Buffer.from(JSON.stringify(v)))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20000 }).map((n) => new Uint8Array(Buffer.from('['.repeat(n) + ']'.repeat(n)))) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20000 }).map((n) => new Uint8Array(Buffer.from('{"default":' + '{"a":'.repeat(n) + '1' + '}'.repeat(n) + '}'))) },
);

export const policyTarget: FuzzTarget<Uint8Array> = {
  name: 'policy parser',
  weight: 20,
  arbitrary: policyArb,
  show: showBytes,
  check(b) {
    try {
      parsePolicy(b);
      return OK;
    } catch (e) {
      return refusal(e, [ImgpolicyError]);
    }
  },
};

// ------------------------------------------------------------------------------------------------ signature payload

const goodPayload = (type: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': 'example.com/ns/repo:tag' }, image: { 'docker-manifest-digest': 'sha256:' + 'ab'.repeat(32) }, type },
      optional: { creator: 'me', timestamp: 1700000000, ...extra },
    }),
  );
const payloadSeeds = [goodPayload('atomic container signature'), goodPayload('cosign container image signature')];
const payloadArb = fc.tuple(
  fc.oneof(
    fc.tuple(fc.constantFrom(...payloadSeeds), mutationsArb).map(([b, m]) => mutate(b, m)),
    fc.json({ maxDepth: 4 }).map((s) => new Uint8Array(Buffer.from(s))),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => new Uint8Array(Buffer.from(s))),
    fc.integer({ min: 1, max: 50000 }).map((n) => new Uint8Array(Buffer.from('{"critical":' + '['.repeat(n)))),
    fc.integer({ min: 9990, max: 10002 }).map((n) => new Uint8Array(Buffer.from('{"critical":' + '['.repeat(n) + ']'.repeat(n) + ',"optional":{}}'))),
  ),
  fc.constantFrom<'simple-signing' | 'sigstore'>('simple-signing', 'sigstore'),
);

export const payloadTarget: FuzzTarget<[Uint8Array, 'simple-signing' | 'sigstore']> = {
  name: 'signature payload parser',
  weight: 20,
  arbitrary: payloadArb,
  show: ([b, v]) => `${v} ${showBytes(b)}`,
  check([b, variant]) {
    try {
      const p = parseSignaturePayload(b, variant);
      if (typeof p.dockerReference !== 'string' || !/^[a-z0-9]+:[a-zA-Z0-9=_-]+$/.test(p.manifestDigest)) {
        return { outcome: 'crash', detail: `accepted payload with malformed claims ${JSON.stringify(p)}` };
      }
      return OK;
    } catch (e) {
      return refusal(e, [InvalidSignatureError]);
    }
  },
};

// ------------------------------------------------------------------------------------------------ certificates

const SIG_ANN = 'dev.cosignproject.cosign/signature';
const CERT_ANN = 'dev.sigstore.cosign/certificate';
const CHAIN_ANN = 'dev.sigstore.cosign/chain';
const SET_ANN = 'dev.sigstore.cosign/bundle';

interface Variant {
  name: string;
  image: string;
  requirement: Record<string, unknown>;
  verdict: 'accept' | 'reject';
  now?: string;
  mode?: string;
  dockerReference?: string;
}
const SIGSTORE = join(ROOT, 'fixtures', 'sigstore');
const sigIndex = JSON.parse(readFileSync(join(SIGSTORE, 'index.json'), 'utf8')) as { manifestDigest: string; variants: Variant[] };
export const acceptedSigstoreVariants = sigIndex.variants.filter((v) => v.verdict === 'accept');

function sigstoreSignatureOf(v: Variant): SigstoreSignature {
  const sig = parseSignatureBlob(readFileSync(join(SIGSTORE, v.image, 'signature-1')));
  if (sig.format !== 'sigstore') throw new Error(`${v.name}: not a sigstore signature`);
  return sig;
}

const certPEMs: Uint8Array[] = [];
for (const v of acceptedSigstoreVariants) {
  const a = sigstoreSignatureOf(v).annotations;
  if (a[CERT_ANN]) certPEMs.push(new Uint8Array(Buffer.from(a[CERT_ANN])));
  if (a[CHAIN_ANN]) certPEMs.push(new Uint8Array(Buffer.from(a[CHAIN_ANN])));
}
for (const f of ['fulcio-root.pem', 'fulcio-intermediate.pem', 'pki-root.pem', 'pki-intermediate.pem']) certPEMs.push(new Uint8Array(readFileSync(join(SIGSTORE, 'ca', f))));
const certDERs = certPEMs.map((p) => pemDecode(p).block!.bytes);

/** Mutations of a DER certificate that keep TLV lengths plausible: change a byte inside, or a length octet. */
const certArb = fc.oneof(
  fc.tuple(fc.constantFrom(...certDERs), mutationsArb).map(([d, m]) => ({ kind: 'der' as const, bytes: mutate(d, m) })),
  fc.tuple(fc.constantFrom(...certPEMs), mutationsArb).map(([p, m]) => ({ kind: 'pem' as const, bytes: mutate(p, m) })),
  fc.tuple(fc.constantFrom(...certDERs), mutationsArb).map(([d, m]) => ({ kind: 'pem' as const, bytes: new Uint8Array(Buffer.from(`-----BEGIN CERTIFICATE-----\n${Buffer.from(mutate(d, m)).toString('base64')}\n-----END CERTIFICATE-----\n`)) })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'der' as const, bytes: b })),
  fc.tuple(fc.constantFrom(0x30, 0x02, 0x06, 0x17, 0x18, 0xa0, 0xa3), fc.integer({ min: 1, max: 5000 })).map(([t, n]) => ({ kind: 'der' as const, bytes: new Uint8Array(Buffer.concat(Array.from({ length: n }, () => Buffer.from([t, 0x84, 0xff, 0xff, 0xff, 0xf0])))) })),
  fc.integer({ min: 1, max: 3000 }).map((n) => ({ kind: 'der' as const, bytes: new Uint8Array(Buffer.concat([...Array.from({ length: n }, () => Buffer.from([0x30, 0x80]))])) })),
);

export const certificateTarget: FuzzTarget<{ kind: 'der' | 'pem'; bytes: Uint8Array }> = {
  name: 'certificate parsers',
  weight: 12,
  arbitrary: certArb,
  show: (c) => `${c.kind} ${showBytes(c.bytes)}`,
  check(c) {
    const expected = [X509Error, DERError, InvalidSignatureError, KeyParseError];
    try {
      if (c.kind === 'der') parseCertificate(c.bytes);
      else {
        unmarshalCertificatesFromPEM(c.bytes);
        parseLeafCertFromPEM(c.bytes);
      }
    } catch (e) {
      const r = refusal(e, expected);
      if (r.outcome !== 'ok') return r;
    }
    if (c.kind === 'pem') {
      try {
        unmarshalPEMToPublicKey(c.bytes);
      } catch (e) {
        return refusal(e, expected);
      }
    }
    return OK;
  },
};

// ------------------------------------------------------------------------------------------------ crafted chains (Go 1.24 parser + verifier)

/**
 * Seeds: a few chains from the crafted-certificate generator (name constraints of every type, policies, odd SANs,
 * v1 roots, offsets in times), built once. Each input mutates one certificate of one chain; it must parse or be
 * refused with X509Error, and the verifier must return Go's text or nothing — never throw. A leaf or intermediate
 * whose *signed* bytes changed must never verify (roots are trusted as given, as in Go).
 */
const CHAIN_SEED_NAMES = [
  'pki-baseline', 'pki-require-explicit-policy-0-with-policies', 'pki-policy-mapping-explicit', 'pki-nc-email-permitted-ok',
  'pki-nc-dns-permitted-ok', 'pki-nc-uri-permitted-ok', 'pki-nc-ip-permitted-ok', 'pki-uri-fine', 'pki-root-v1-with-extensions',
  'pki-utctime-offset', 'pki-generalizedtime', 'pki-unique-ids', 'fulcio-baseline', 'fulcio-issuer-bmp-nul',
];
let chainSeeds: { name: string; certs: Uint8Array[] }[] | undefined;
function seeds() {
  if (!chainSeeds) {
    const byName = new Map(caseOptions().map((o) => [o.name, o]));
    chainSeeds = CHAIN_SEED_NAMES.map((n) => {
      const c = buildChainDER(byName.get(n)!);
      return { name: n, certs: [c.rootDER, c.interDER, c.leafDER] };
    });
  }
  return chainSeeds;
}
const CHAIN_ROLES = ['root', 'intermediate', 'leaf'] as const;

type ChainInput = { kind: 'chain'; seed: number; role: number; m: Mutations } | { kind: 'name'; text: string };
const nameChars = fc.constantFrom(...'ab.@"\\ :/[]%-_*'.split(''), 'good.com', 'evil', '..', '@@', '%2', '%zz', '\x00', '\x7f', 'é', 'https://', '[::1]', ':8x');
const chainArb: fc.Arbitrary<ChainInput> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('chain' as const), seed: fc.nat(CHAIN_SEED_NAMES.length - 1), role: fc.nat(2), m: mutationsArb }) },
  { weight: 1, arbitrary: fc.string({ unit: nameChars, maxLength: 40 }).map((text) => ({ kind: 'name' as const, text })) },
);

export const chainTarget: FuzzTarget<ChainInput> = {
  name: 'crafted chains (X.509 parser, verifier, names)',
  weight: 10,
  arbitrary: chainArb,
  show: (c) => (c.kind === 'name' ? `name ${JSON.stringify(c.text)}` : `${CHAIN_SEED_NAMES[c.seed]} ${CHAIN_ROLES[c.role]} mutations ${JSON.stringify(c.m)}`),
  check(c) {
    if (c.kind === 'name') {
      try {
        parseRFC2821Mailbox(c.text);
        domainToReverseLabels(c.text);
        parseURL(c.text);
      } catch (e) {
        return refusal(e, [URLError]);
      }
      return OK;
    }
    const seed = seeds()[c.seed]!;
    const certs = [...seed.certs];
    const original = certs[c.role]!;
    const mutated = mutate(original, c.m);
    certs[c.role] = mutated;
    const parsed: Certificate[] = [];
    for (const der of certs) {
      try {
        parsed.push(parseCertificate(der));
      } catch (e) {
        return refusal(e, [X509Error]);
      }
    }
    const [root, inter, leaf] = parsed as [Certificate, Certificate, Certificate];
    let err: string | undefined;
    try {
      err = verifyCertificate(leaf, {
        roots: [root],
        intermediates: [inter],
        currentTime: seed.name.startsWith('fulcio') ? new Date('2024-03-01T12:01:00Z') : new Date(),
        systemTime: new Date(),
        keyUsages: ['1.3.6.1.5.5.7.3.3'],
      });
    } catch (e) {
      return crash(e);
    }
    if (err !== undefined || c.role === 0) return OK;
    // Accepted with a mutated leaf or intermediate: only if the signed bytes are the original ones.
    let originalTBS: Uint8Array;
    try {
      originalTBS = parseCertificate(original).tbs;
    } catch (e) {
      return crash(e);
    }
    const mutatedTBS = (c.role === 1 ? inter : leaf).tbs;
    if (sameBytes(originalTBS, mutatedTBS)) return { outcome: 'benign-accept', detail: 'signed bytes unchanged (outer encoding only)' };
    return { outcome: 'bad-accept', detail: `${CHAIN_ROLES[c.role]} with changed signed bytes verified` };
  },
};

// ------------------------------------------------------------------------------------------------ semantic comparison

/** Go's encoding/json matches struct fields case-insensitively: compare member names lower-cased. */
function normalizeJSON(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeJSON);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k.toLowerCase()] = normalizeJSON(x);
    return out;
  }
  if (typeof v === 'string') {
    // []byte fields are base64 in JSON and Go's decoder skips \r and \n in them.
    const s = v.replace(/[\r\n]/g, '');
    return s;
  }
  return v;
}

function sameJSONMeaning(a: string, b: string): boolean {
  try {
    return JSON.stringify(normalizeJSON(JSON.parse(a))) === JSON.stringify(normalizeJSON(JSON.parse(b)));
  } catch {
    return false;
  }
}

function samePEMBlocks(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const blocks = (s: string) => {
    const out: string[] = [];
    // As c/image reads both annotations: cryptoutils.UnmarshalCertificatesFromPEM trims white space first.
    let rest: Uint8Array = trimSpace(Buffer.from(s));
    for (;;) {
      const { block, rest: r } = pemDecode(rest);
      if (!block) break;
      out.push(`${block.type}:${JSON.stringify(block.headers)}:${Buffer.from(block.bytes).toString('hex')}`);
      rest = r;
    }
    return out.join('|');
  };
  return blocks(a) === blocks(b);
}

function sameBase64(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return sameBytes(goBase64Decode(a), goBase64Decode(b));
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------------ Rekor SET

const setVariants = acceptedSigstoreVariants.filter((v) => sigstoreSignatureOf(v).annotations[SET_ANN] !== undefined && v.mode !== 'keys');
const fileCache = new Map<string, Uint8Array>();
function readCached(path: string): Uint8Array {
  let b = fileCache.get(path);
  if (!b) {
    b = new Uint8Array(readFileSync(path));
    fileCache.set(path, b);
  }
  return b;
}
const rekorKey = unmarshalPEMToPublicKey(readCached(join(SIGSTORE, 'keys', 'rekor.pub')));
const p256Variant = acceptedSigstoreVariants.find((v) => v.name === 'rekor-key-p256')!;
const p256PEM = Buffer.from(createPublicKey(readCached(join(SIGSTORE, 'keys', 'cosign-p256.pub')) as Buffer).export({ type: 'spki', format: 'pem' }) as string);

interface SETInput {
  set: string;
  field: string;
}
const setOriginal = sigstoreSignatureOf(p256Variant);
const setText = setOriginal.annotations[SET_ANN]!;
/** Mutations at three depths: the annotation text, the base64 Rekor body inside it, the SET signature bytes. */
const setArb: fc.Arbitrary<SETInput> = fc.oneof(
  mutationsArb.map((m) => ({ set: utf8(mutate(Buffer.from(setText), m)), field: 'SET text' })),
  mutationsArb.map((m) => {
    const doc = JSON.parse(setText) as { Payload: { body: string } };
    doc.Payload.body = Buffer.from(mutate(Buffer.from(doc.Payload.body, 'base64'), m)).toString('base64');
    return { set: JSON.stringify(doc), field: 'Rekor body' };
  }),
  mutationsArb.map((m) => {
    const doc = JSON.parse(setText) as { SignedEntryTimestamp: string };
    doc.SignedEntryTimestamp = Buffer.from(mutate(Buffer.from(doc.SignedEntryTimestamp, 'base64'), m)).toString('base64');
    return { set: JSON.stringify(doc), field: 'SET signature' };
  }),
  fc.tuple(fc.constantFrom('integratedTime', 'logIndex', 'logID'), fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), fc.double())).map(([k, v]) => {
    const doc = JSON.parse(setText) as { Payload: Record<string, unknown> };
    doc.Payload[k] = v;
    return { set: JSON.stringify(doc), field: `Payload.${k}` };
  }),
);

export const setTarget: FuzzTarget<SETInput> = {
  name: 'Rekor SET verifier',
  weight: 4,
  arbitrary: setArb,
  show: (i) => `${i.field}: ${JSON.stringify(i.set)}`,
  check(i) {
    try {
      verifyRekorSET([rekorKey], i.set, p256PEM, setOriginal.annotations[SIG_ANN]!, setOriginal.payload);
    } catch (e) {
      return refusal(e, [InvalidSignatureError]);
    }
    if (i.set === setText || sameJSONMeaning(i.set, setText)) return { outcome: 'benign-accept', detail: i.field };
    return { outcome: 'bad-accept', detail: `${i.field}: ${JSON.stringify(i.set)}` };
  },
};

// ------------------------------------------------------------------------------------------------ cosign signatures end to end

const memoryContext = (now?: string): VerifyContext => ({
  readFile: async (path: string) => {
    try {
      return readCached(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`open ${path}: no such file or directory`);
      throw e;
    }
  },
  now: () => (now ? new Date(now) : new Date()),
  trace: new Trace(),
});

interface SigstoreCase {
  variant: Variant;
  req: SigstoreSignedRequirement;
  sig: SigstoreSignature;
}
const sigstoreCases: SigstoreCase[] = acceptedSigstoreVariants.map((v) => ({ variant: v, req: loadRequirement(v.requirement, SIGSTORE), sig: sigstoreSignatureOf(v) }));

type SigField = 'payload' | 'signature' | 'signature-der' | 'certificate' | 'certificate-der' | 'chain' | 'SET' | 'SET-body';
interface SigstoreInput {
  caseIndex: number;
  field: SigField;
  mutations: Mutations;
}

function mutateSigstore(c: SigstoreCase, field: SigField, m: Mutations): SigstoreSignature | undefined {
  const ann = { ...c.sig.annotations };
  let payload = c.sig.payload;
  const reencodePEM = (pem: string) => {
    const { block } = pemDecode(Buffer.from(pem));
    if (!block) return undefined;
    return `-----BEGIN ${block.type}-----\n${Buffer.from(mutate(block.bytes, m)).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${block.type}-----\n`;
  };
  switch (field) {
    case 'payload':
      payload = mutate(payload, m);
      break;
    case 'signature':
      ann[SIG_ANN] = utf8(mutate(Buffer.from(ann[SIG_ANN]!), m));
      break;
    case 'signature-der':
      ann[SIG_ANN] = Buffer.from(mutate(Buffer.from(ann[SIG_ANN]!, 'base64'), m)).toString('base64');
      break;
    case 'certificate':
    case 'chain': {
      const k = field === 'certificate' ? CERT_ANN : CHAIN_ANN;
      if (ann[k] === undefined) return undefined;
      ann[k] = utf8(mutate(Buffer.from(ann[k]!), m));
      break;
    }
    case 'certificate-der': {
      if (ann[CERT_ANN] === undefined) return undefined;
      const r = reencodePEM(ann[CERT_ANN]!);
      if (r === undefined) return undefined;
      ann[CERT_ANN] = r;
      break;
    }
    case 'SET':
      if (ann[SET_ANN] === undefined) return undefined;
      ann[SET_ANN] = utf8(mutate(Buffer.from(ann[SET_ANN]!), m));
      break;
    case 'SET-body': {
      if (ann[SET_ANN] === undefined) return undefined;
      let doc: { Payload: { body: string } };
      try {
        doc = JSON.parse(ann[SET_ANN]!) as typeof doc;
        if (typeof doc.Payload.body !== 'string') return undefined;
      } catch {
        return undefined; // a variant whose bundle is not JSON (keys mode ignores it)
      }
      doc.Payload.body = Buffer.from(mutate(Buffer.from(doc.Payload.body, 'base64'), m)).toString('base64');
      ann[SET_ANN] = JSON.stringify(doc);
      break;
    }
  }
  return { ...c.sig, payload, annotations: ann };
}

/** Did the mutation leave everything the verifier relies on unchanged? */
function sigstoreMeaningUnchanged(c: SigstoreCase, mutated: SigstoreSignature): boolean {
  const a = c.sig.annotations;
  const b = mutated.annotations;
  if (!sameBytes(c.sig.payload, mutated.payload)) return false;
  if (!sameBase64(a[SIG_ANN], b[SIG_ANN])) return false;
  if (!samePEMBlocks(a[CERT_ANN], b[CERT_ANN])) return false;
  if (!samePEMBlocks(a[CHAIN_ANN], b[CHAIN_ANN])) return false;
  // In keys-only mode c/image ignores the bundle annotation entirely.
  if (c.variant.mode !== 'keys' && a[SET_ANN] !== b[SET_ANN] && !sameJSONMeaning(a[SET_ANN] ?? '', b[SET_ANN] ?? '')) return false;
  return true;
}

const sigFields: SigField[] = ['payload', 'signature', 'signature-der', 'certificate', 'certificate-der', 'chain', 'SET', 'SET-body'];
const sigstoreArb: fc.Arbitrary<SigstoreInput> = fc.record({
  caseIndex: fc.integer({ min: 0, max: sigstoreCases.length - 1 }),
  field: fc.constantFrom(...sigFields),
  mutations: mutationsArb,
});

export const sigstoreTarget: FuzzTarget<SigstoreInput> = {
  name: 'cosign verifier (mutated valid signatures)',
  weight: 3,
  arbitrary: sigstoreArb,
  show: (i) => `${sigstoreCases[i.caseIndex]!.variant.name} ${i.field} ${JSON.stringify(i.mutations)}`,
  async check(i) {
    const c = sigstoreCases[i.caseIndex]!;
    const mutated = mutateSigstore(c, i.field, i.mutations);
    if (!mutated) return OK; // field absent in this variant
    let accepted;
    try {
      accepted = await verifySigstoreSignature(c.req, mutated, memoryContext(c.variant.now));
    } catch (e) {
      return refusal(e, [ImgpolicyError]);
    }
    if (sigstoreMeaningUnchanged(c, mutated)) {
      if (accepted.manifestDigest !== sigIndex.manifestDigest || accepted.dockerReference !== c.variant.dockerReference) {
        return { outcome: 'bad-accept', detail: 'same meaning but different claims' };
      }
      return { outcome: 'benign-accept', detail: i.field };
    }
    return { outcome: 'bad-accept', detail: `${c.variant.name}/${i.field}: accepted ${JSON.stringify(accepted)}` };
  },
};

// ------------------------------------------------------------------------------------------------ GPG simple signing

const GPG = join(ROOT, 'fixtures', 'gpg');
const gpgBlob = new Uint8Array(readFileSync(join(GPG, 'images', 'valid', 'signature-1')));
const gpgReq = { type: 'signedBy', keyType: 'GPGKeys', keyPath: join(GPG, 'keys', 'a.asc'), signedIdentity: { type: 'matchExact' } } as unknown as SignedByRequirement;
let gpgLiteral: Promise<Uint8Array> | undefined;
let gpgAccepted: Promise<string> | undefined;

/** The literal data (the payload) of a signed OpenPGP message, to tell a meaning-preserving mutation from a real one. */
async function literalOf(blob: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const openpgp = await import('openpgp');
    const msg = await openpgp.readMessage({ binaryMessage: blob });
    const data = msg.getLiteralData();
    if (data instanceof Uint8Array) return data;
    return undefined;
  } catch {
    return undefined;
  }
}

export const gpgTarget: FuzzTarget<Mutations> = {
  name: 'GPG verifier (mutated valid signatures)',
  weight: 1,
  arbitrary: mutationsArb,
  show: (m) => JSON.stringify(m),
  async check(m) {
    const blob = mutate(gpgBlob, m);
    const sig: SimpleSigningSignature = { format: 'simple-signing', blob };
    let accepted;
    try {
      accepted = await verifySimpleSigningSignature(gpgReq, sig, memoryContext());
    } catch (e) {
      return refusal(e, [ImgpolicyError]);
    }
    if (sameBytes(blob, gpgBlob)) return { outcome: 'benign-accept', detail: 'identity mutation' };
    // OpenPGP framing that does not reach the signed data (packet length encodings, unhashed subpackets, the
    // compression wrapper) is not part of the meaning; the literal data and the verifying key are.
    const [orig, now] = await Promise.all([(gpgLiteral ??= literalOf(gpgBlob).then((x) => x ?? new Uint8Array())), literalOf(blob)]);
    if (now !== undefined && sameBytes(orig, now)) return { outcome: 'benign-accept', detail: 'OpenPGP framing/unhashed data' };
    // Packets gpg steps over (and so does the verifier, see packet-structure.ts) can make the message unreadable to
    // openpgp.js alone; what an acceptance means is its claims and its signer, so the same ones are the same meaning.
    gpgAccepted ??= verifySimpleSigningSignature(gpgReq, { format: 'simple-signing', blob: gpgBlob }, memoryContext()).then((r) => JSON.stringify(r));
    if (JSON.stringify(accepted) === (await gpgAccepted)) return { outcome: 'benign-accept', detail: 'packets gpg steps over; same claims and signer' };
    return { outcome: 'bad-accept', detail: `accepted ${JSON.stringify(accepted)}` };
  },
};

// ------------------------------------------------------------------------------------------------ registry

export const ALL_TARGETS: FuzzTarget<never>[] = [referenceTarget, policyTarget, payloadTarget, certificateTarget, chainTarget, setTarget, sigstoreTarget, gpgTarget] as unknown as FuzzTarget<never>[];

export interface TargetStats {
  name: string;
  inputs: number;
  ok: number;
  crashes: number;
  badAccepts: number;
  benignAccepts: number;
  slow: number;
  ms: number;
  examples: string[];
}

/**
 * Runs `inputs` generated inputs through one target with fast-check (seeded: a failure is reproducible), never
 * stopping at the first problem: every crash / bad accept / slow input is counted and the first few are kept.
 */
export async function runTarget<T>(t: FuzzTarget<T>, inputs: number, seed: number): Promise<TargetStats> {
  const stats: TargetStats = { name: t.name, inputs: 0, ok: 0, crashes: 0, badAccepts: 0, benignAccepts: 0, slow: 0, ms: 0, examples: [] };
  const start = performance.now();
  const note = (kind: string, input: T, detail?: string) => {
    if (stats.examples.length < 5) stats.examples.push(`${kind}: ${t.show(input)}${detail ? `\n  ${detail}` : ''}`);
  };
  await fc.assert(
    fc.asyncProperty(t.arbitrary, async (input) => {
      stats.inputs++;
      const t0 = performance.now();
      let r: CheckResult;
      try {
        r = await t.check(input);
      } catch (e) {
        r = crash(e); // a bug in the harness itself still counts, loudly
      }
      const dt = performance.now() - t0;
      if (dt > SLOW_MS) {
        stats.slow++;
        note(`slow (${dt.toFixed(0)} ms)`, input);
      }
      switch (r.outcome) {
        case 'ok':
          stats.ok++;
          break;
        case 'benign-accept':
          stats.benignAccepts++;
          break;
        case 'crash':
          stats.crashes++;
          note('crash', input, r.detail);
          break;
        case 'bad-accept':
          stats.badAccepts++;
          note('BAD ACCEPT', input, r.detail);
          break;
      }
      return true;
    }),
    { numRuns: inputs, seed, endOnFailure: true },
  );
  stats.ms = performance.now() - start;
  return stats;
}
