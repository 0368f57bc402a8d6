/**
 * The Rekor SET check (c/image signature/internal/rekor_set.go VerifyRekorSET), one row per way it refuses a SET,
 * with c/image's message, plus the SETs it accepts. SETs are signed here with real ECDSA keys over the RFC 8785
 * form of {body, integratedTime, logIndex, logID}, as Rekor signs them. (How the integrated time is then used —
 * as "now" for the Fulcio certificate — is tested with the certificates, in the sigstore fixture suites.)
 */
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { b64, canonicalize, sha256hex } from '../../../../fixtures/lib.js';
import { InvalidSignatureError } from '../../../../src/errors.js';
import { parsePKIXPublicKey, type PublicKey } from '../../../../src/go/crypto/keys.js';
import { pemEncode } from '../../../../src/go/encoding/pem.js';
import { verifyRekorSET } from '../../../../src/signature/sigstore/rekor-set.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
const REKOR = p256();
const OTHER_REKOR = p256();
const rekorKey = (k: KeyObject): PublicKey => parsePKIXPublicKey(spki(k));
const SIGNER = p256();
const SIGNER_PEM = pemEncode('PUBLIC KEY', spki(SIGNER.publicKey));
const PAYLOAD = Buffer.from('{"critical":{"identity":{"docker-reference":"quay.io/ns/repo"}},"optional":null}');
const SIGNATURE = nodeSign('sha256', PAYLOAD, SIGNER.privateKey);
const INTEGRATED = 1_709_294_460;

type Body = { apiVersion?: unknown; kind?: unknown; spec?: Record<string, any> };
/** The hashedrekord 0.0.1 entry Rekor logs for this signature. */
const hashedrekord = (): Body => ({
  apiVersion: '0.0.1',
  kind: 'hashedrekord',
  spec: {
    data: { hash: { algorithm: 'sha256', value: sha256hex(PAYLOAD) } },
    signature: { content: b64(SIGNATURE), publicKey: { content: b64(SIGNER_PEM) } },
  },
});

interface SETOptions {
  /** Edits the logged entry before it is signed. */
  body?: (b: Body) => void;
  /** Edits the signed payload {body, integratedTime, logIndex, logID} before signing. */
  payload?: (p: Record<string, unknown>) => void;
  signer?: KeyObject;
  /** Edits the delivered SET after signing. */
  after?: (set: Record<string, any>) => void;
}
function makeSET(o: SETOptions = {}): string {
  const body = hashedrekord();
  o.body?.(body);
  const payload: Record<string, unknown> = { body: b64(JSON.stringify(body)), integratedTime: INTEGRATED, logIndex: 4242, logID: sha256hex(spki(REKOR.publicKey)) };
  o.payload?.(payload);
  const set: Record<string, any> = {
    SignedEntryTimestamp: b64(nodeSign('sha256', Buffer.from(canonicalize(payload)), { key: o.signer ?? REKOR.privateKey, dsaEncoding: 'der' })),
    Payload: payload,
  };
  o.after?.(set);
  return JSON.stringify(set);
}

const verify = (set: string, opts: { keys?: PublicKey[]; keyPEM?: string; signature?: string; payload?: Uint8Array } = {}) =>
  verifyRekorSET(opts.keys ?? [rekorKey(REKOR.publicKey)], set, Buffer.from(opts.keyPEM ?? SIGNER_PEM), opts.signature ?? b64(SIGNATURE), opts.payload ?? PAYLOAD);

describe('Rekor SETs c/image accepts', () => {
  test('a SET over this signature, key and payload: its integrated time, log index and log ID', () => {
    expect(verify(makeSET())).toEqual({ integratedTime: INTEGRATED, logIndex: 4242, logID: sha256hex(spki(REKOR.publicKey)) });
  });
  test('any of several Rekor keys may have signed it', () => {
    expect(verify(makeSET(), { keys: [rekorKey(OTHER_REKOR.publicKey), rekorKey(REKOR.publicKey)] }).integratedTime).toBe(INTEGRATED);
  });
  test('the key is compared as DER: PEM type and headers do not matter', () => {
    const der = spki(SIGNER.publicKey);
    const logged = pemEncode('CERTIFICATE', der).replace('\n', '\nComment: logged\n\n');
    expect(verify(makeSET({ body: (b) => (b.spec!.signature.publicKey.content = b64(logged)) })).logIndex).toBe(4242);
  });
  test('the payload is canonicalized before its signature is checked (member order and blanks as delivered)', () => {
    const set = JSON.parse(makeSET());
    const reordered = `{ "Payload" : {"logID":"${set.Payload.logID}", "logIndex":4242, "integratedTime":${INTEGRATED}, "body":"${set.Payload.body}"}, "SignedEntryTimestamp":"${set.SignedEntryTimestamp}" }`;
    expect(verify(reordered).integratedTime).toBe(INTEGRATED);
  });
});

describe('Rekor SETs c/image refuses, with its message', () => {
  const otherPEM = pemEncode('PUBLIC KEY', spki(p256().publicKey));
  test.each<[string, string, Parameters<typeof verify>[1]?]>([
    ['the SET is not JSON', 'not JSON', undefined],
    ['an unknown member beside SignedEntryTimestamp and Payload', makeSET({ after: (s) => (s.Extra = 1) })],
    ['signed by another Rekor key', makeSET({ signer: OTHER_REKOR.privateKey })],
    ['integratedTime changed after signing', makeSET({ after: (s) => (s.Payload.integratedTime += 1) })],
    ['no SignedEntryTimestamp', makeSET({ after: (s) => delete s.SignedEntryTimestamp })],
    ['the signed payload lacks logID', makeSET({ payload: (p) => delete p.logID })],
    ['a "rekord" entry', makeSET({ body: (b) => (b.kind = 'rekord') })],
    ['an entry without apiVersion', makeSET({ body: (b) => delete b.apiVersion })],
    ['hashedrekord 0.0.2', makeSET({ body: (b) => (b.apiVersion = '0.0.2') })],
    ['an entry without signature', makeSET({ body: (b) => delete b.spec!.signature })],
    ['an entry without signature.publicKey', makeSET({ body: (b) => delete b.spec!.signature.publicKey })],
    ['a logged key that is not PEM', makeSET({ body: (b) => (b.spec!.signature.publicKey.content = b64('not pem')) })],
    ['a logged key with trailing data', makeSET({ body: (b) => (b.spec!.signature.publicKey.content = b64(SIGNER_PEM + '\n')) })],
    ['our key is not PEM', makeSET(), { keyPEM: 'not pem' }],
    ['our key has trailing data', makeSET(), { keyPEM: SIGNER_PEM + 'x' }],
    ['another key was logged', makeSET({ body: (b) => (b.spec!.signature.publicKey.content = b64(otherPEM)) })],
    ['our signature is not base64', makeSET(), { signature: 'YWJ!' }],
    ['another signature was logged', makeSET({ body: (b) => (b.spec!.signature.content = b64('sig-A')) }), { signature: b64('sig-B') }],
    ['an entry without data', makeSET({ body: (b) => delete b.spec!.data })],
    ['an entry without data.hash', makeSET({ body: (b) => delete b.spec!.data.hash })],
    ['an entry without data.hash.algorithm', makeSET({ body: (b) => delete b.spec!.data.hash.algorithm })],
    ['a SHA-512 entry', makeSET({ body: (b) => (b.spec!.data.hash.algorithm = 'sha512') })],
    ['an entry without data.hash.value', makeSET({ body: (b) => delete b.spec!.data.hash.value })],
    ['a hash value that is not hex', makeSET({ body: (b) => (b.spec!.data.hash.value = 'zz') })],
    ['the hash of another payload', makeSET(), { payload: Buffer.from('another payload') }],
  ])('%s', (name, set, opts = undefined) => {
    let error: unknown;
    try {
      verify(set, opts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidSignatureError);
    expect((error as Error).message).toBe(MESSAGES[name]);
  });
});

const MESSAGES: Record<string, string> = {
  'the SET is not JSON': "invalid character 'o' in literal null (expecting 'u')",
  'an unknown member beside SignedEntryTimestamp and Payload': 'Unknown key "Extra"',
  'signed by another Rekor key': 'cryptographic signature verification of Rekor SET failed',
  'integratedTime changed after signing': 'cryptographic signature verification of Rekor SET failed',
  'no SignedEntryTimestamp': 'Key "SignedEntryTimestamp" missing in a JSON object',
  'the signed payload lacks logID': 'parsing Rekor SET payload: Key "logID" missing in a JSON object',
  'a "rekord" entry': 'decoding the body of a Rekor SET payload: invalid kind value: "rekord"',
  'an entry without apiVersion': 'missing Rekor SET Payload API version',
  // c/image formats the *string with %#v, which prints a pointer address; the value is more use to a reader.
  'hashedrekord 0.0.2': 'unsupported Rekor SET Payload hashedrekord version (*string)("0.0.2")',
  'an entry without signature': 'Missing "signature" field in hashedrekord',
  'an entry without signature.publicKey': 'Missing "signature.publicKey" field in hashedrekord',
  'a logged key that is not PEM': 'publicKey in Rekor SET is not in PEM format',
  'a logged key with trailing data': 'publicKey in Rekor SET has trailing data',
  'our key is not PEM': 'public key or cert to be matched against publicKey in Rekor SET is not in PEM format',
  'our key has trailing data': 'public key or cert to be matched against publicKey in Rekor SET has trailing data',
  'another key was logged': 'publicKey in Rekor SET does not match',
  'our signature is not base64': 'decoding signature base64: illegal base64 data at input byte 3',
  'another signature was logged': 'signature in Rekor SET does not match: "sig-A" vs. "sig-B"',
  'an entry without data': 'Missing "data" field in hashedrekord',
  'an entry without data.hash': 'Missing "data.hash" field in hashedrekord',
  'an entry without data.hash.algorithm': 'Missing "data.hash.algorithm" field in hashedrekord',
  'a SHA-512 entry': 'Unexpected "data.hash.algorithm" value "sha512"',
  'an entry without data.hash.value': 'Missing "data.hash.value" field in hashedrekord',
  'a hash value that is not hex': "Invalid \"data.hash.value\" field in hashedrekord: encoding/hex: invalid byte: U+007A 'z'",
  'the hash of another payload': 'payload in Rekor SET does not match',
};
