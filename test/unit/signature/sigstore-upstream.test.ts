/**
 * The real containers/image fixtures (../shared/fixtures/containers-image, read in place, never copied) with the
 * verdicts their README states — real cosign, real public-good Fulcio/Rekor material and the upstream PKI chain.
 */
import { describe, test, expect } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvaluationError, InvalidSignatureError } from '../../../src/errors.js';
import { parseSignatureBlob } from '../../../src/image/signature-blob.js';
import type { SigstoreSignature } from '../../../src/image/types.js';
import { verifySigstoreSignature } from '../../../src/signature/sigstore/index.js';
import { parseLeafCertFromPEM, parseUntrustedIntermediatesFromPEM, verifyFulcioCertificateAtTime } from '../../../src/signature/sigstore/certificates.js';
import { unmarshalPEMToPublicKey } from '../../../src/go/crypto/keys.js';
import { verifyRekorSET } from '../../../src/signature/sigstore/rekor-set.js';
import { appendCertsFromPEM, type Certificate } from '../../../src/go/crypto/x509/parser.js';
import { loadRequirement, testContext } from './sigstore-helpers.js';
import { CONTAINERS_IMAGE_FIXTURES, sharedPresent } from '../../helpers/shared.js';

const F = CONTAINERS_IMAGE_FIXTURES;
const present = sharedPresent(join(F, 'README.md'), 'containers/image sigstore fixtures');
const d = present ? describe : describe.skip;

const SIG = 'dev.cosignproject.cosign/signature';
const SET = 'dev.sigstore.cosign/bundle';
const CERT = 'dev.sigstore.cosign/certificate';
const CHAIN = 'dev.sigstore.cosign/chain';
const PKI_NOW = '2025-06-01T00:00:00Z';

function sig(path: string): SigstoreSignature {
  const s = parseSignatureBlob(readFileSync(join(F, path)));
  if (s.format !== 'sigstore') throw new Error('not sigstore');
  return s;
}
function withAnn(s: SigstoreSignature, set: Record<string, string | undefined>): SigstoreSignature {
  const a: Record<string, string> = { ...s.annotations };
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete a[k];
    else a[k] = v;
  }
  return { ...s, annotations: a };
}
const b64file = (n: string) => readFileSync(join(F, n)).toString('base64');
const fulcio = (f: Record<string, unknown> = {}, r: Record<string, unknown> = { rekorPublicKeyPath: 'rekor.pub' }) => ({
  fulcio: { caPath: 'fulcio_v1.crt.pem', oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com', ...f },
  ...r,
});
const pki = (p: Record<string, unknown> = {}) => ({
  pki: { caRootsPath: 'pki_root_crts.pem', caIntermediatesPath: 'pki_intermediate_crts.pem', subjectEmail: 'qiwan@redhat.com', subjectHostname: 'myhost.example.com', ...p },
});

type Row = [name: string, req: Record<string, unknown>, sig: () => SigstoreSignature, expected: string | { ref: string }, cls?: 'ISE' | 'plain', now?: string];

const valid = () => sig('dir-img-cosign-valid/signature-1');
const keyRekor = () => sig('dir-img-cosign-key-rekor-valid/signature-1');
const fulcioSig = () => sig('dir-img-cosign-fulcio-rekor-valid/signature-1');
const pkiSig = () => sig('dir-img-cosign-pki-valid/signature-1');
const CRYPTO_FAIL = 'cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature';
const SINGLE = { ref: '192.168.64.2:5000/cosign-signed-single-sample' };

const rows: Row[] = present
  ? [
      ['key cosign.pub', { keyPath: 'cosign.pub' }, valid, SINGLE],
      ['keyPaths [cosign, cosign2]', { keyPaths: ['cosign.pub', 'cosign2.pub'] }, valid, SINGLE],
      ['keyPaths [cosign2, cosign]', { keyPaths: ['cosign2.pub', 'cosign.pub'] }, valid, SINGLE],
      ['keyDatas [cosign2, cosign]', { keyDatas: [b64file('cosign2.pub'), b64file('cosign.pub')] }, valid, SINGLE],
      ['second valid signature', { keyPath: 'cosign.pub' }, () => sig('dir-img-cosign-valid-2/signature-2'), SINGLE],
      ['signature made by c/image', { keyPath: 'cosign.pub' }, () => sig('dir-img-cosign-valid-with-tag/signature-1'), { ref: '192.168.64.2:5000/skopeo-signed:tag' }],
      ['key cosign2.pub', { keyPath: 'cosign2.pub' }, valid, CRYPTO_FAIL, 'ISE'],
      ['unknown cosign key', { keyPath: 'cosign.pub' }, () => sig('unknown-cosign-key.signature'), CRYPTO_FAIL, 'ISE'],
      ['mixed: first signature by an unknown key', { keyPath: 'cosign.pub' }, () => sig('dir-img-cosign-mixed/signature-1'), CRYPTO_FAIL, 'ISE'],
      ['mixed: second signature valid', { keyPath: 'cosign.pub' }, () => sig('dir-img-cosign-mixed/signature-2'), SINGLE],
      ['signature annotation removed', { keyPath: 'cosign.pub' }, () => withAnn(valid(), { [SIG]: undefined }), `missing ${SIG} annotation`, 'plain'],
      ['signature = base64("invalid signature")', { keyPath: 'cosign.pub' }, () => withAnn(valid(), { [SIG]: Buffer.from('invalid signature').toString('base64') }), 'cryptographic signature verification failed: ecdsa: Invalid IEEE_P1363 encoded bytes', 'ISE'],
      ['keyPath not PEM', { keyPath: 'image.signature' }, valid, 'parsing public key 1: PEM decoding failed', 'plain'],
      ['keyPath missing', { keyPath: '/nonexistent/key.pub' }, valid, 'open /nonexistent/key.pub: no such file or directory', 'plain'],
      // key + Rekor
      ['cosign2 + rekor.pub', { keyPath: 'cosign2.pub', rekorPublicKeyPath: 'rekor.pub' }, keyRekor, { ref: '192.168.64.2:5000/cosign-signed/key-1' }],
      ['keyPaths [cosign, cosign2] + rekor.pub', { keyPaths: ['cosign.pub', 'cosign2.pub'], rekorPublicKeyPath: 'rekor.pub' }, keyRekor, { ref: '192.168.64.2:5000/cosign-signed/key-1' }],
      ['rekorPublicKeyPaths [cosign.pub, rekor.pub]', { keyPath: 'cosign2.pub', rekorPublicKeyPaths: ['cosign.pub', 'rekor.pub'] }, keyRekor, { ref: '192.168.64.2:5000/cosign-signed/key-1' }],
      ['cosign2 without Rekor (bundle ignored)', { keyPath: 'cosign2.pub' }, keyRekor, { ref: '192.168.64.2:5000/cosign-signed/key-1' }],
      ['wrong Rekor key', { keyPath: 'cosign2.pub', rekorPublicKeyPath: 'cosign.pub' }, keyRekor, 'No public key verified against the RekorSET: cryptographic signature verification of Rekor SET failed', 'ISE'],
      ['SET records another key', { keyPath: 'cosign.pub', rekorPublicKeyPath: 'rekor.pub' }, keyRekor, 'No public key verified against the RekorSET: publicKey in Rekor SET does not match', 'ISE'],
      ['SET removed', { keyPath: 'cosign.pub', rekorPublicKeyPath: 'rekor.pub' }, valid, `missing ${SET} annotation`, 'plain'],
      ['SET not JSON', { keyPath: 'cosign2.pub', rekorPublicKeyPath: 'rekor.pub' }, () => withAnn(keyRekor(), { [SET]: 'this is not a valid SET' }), "No public key verified against the RekorSET: invalid character 'h' in literal true (expecting 'r')", 'ISE'],
      ['RSA key as Rekor key', { keyPath: 'cosign.pub', rekorPublicKeyPath: 'some-rsa-key.pub' }, valid, 'Rekor public key 1 is not using ECDSA', 'plain'],
      // Fulcio
      ['fulcio', fulcio(), fulcioSig, { ref: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1' }],
      ['fulcio, Rekor keys [rekor, cosign]', fulcio({}, { rekorPublicKeyPaths: ['rekor.pub', 'cosign.pub'] }), fulcioSig, { ref: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1' }],
      ['fulcio, Rekor keys [cosign, rekor]', fulcio({}, { rekorPublicKeyPaths: ['cosign.pub', 'rekor.pub'] }), fulcioSig, { ref: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1' }],
      ['fulcio, wrong email', fulcio({ subjectEmail: 'x@example.com' }), fulcioSig, 'Required email "x@example.com" not found (got ["mitr@redhat.com"])', 'ISE'],
      ['fulcio, wrong issuer', fulcio({ oidcIssuer: 'https://accounts.google.com' }), fulcioSig, 'Unexpected Fulcio OIDC issuer "https://github.com/login/oauth"', 'ISE'],
      ['fulcio, wrong Rekor key', fulcio({}, { rekorPublicKeyPath: 'cosign.pub' }), fulcioSig, 'cryptographic signature verification of Rekor SET failed', 'ISE'],
      ['fulcio, chain removed', fulcio(), () => withAnn(fulcioSig(), { [CHAIN]: undefined }), 'veryfing leaf certificate failed: x509: certificate signed by unknown authority', 'ISE'],
      ['fulcio, chain removed, caData = chain', fulcio({ caPath: undefined, caData: Buffer.from(fulcioSig().annotations[CHAIN]!).toString('base64') }), () => withAnn(fulcioSig(), { [CHAIN]: undefined }), { ref: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1' }],
      ['fulcio, certificate removed', fulcio(), () => withAnn(fulcioSig(), { [CERT]: undefined }), `missing ${CERT} annotation`, 'plain'],
      ['fulcio, SET removed', fulcio(), () => withAnn(fulcioSig(), { [SET]: undefined, [CERT]: undefined }), `missing ${SET} annotation`, 'plain'],
      ['fulcio, certificate garbage', fulcio(), () => withAnn(fulcioSig(), { [CERT]: 'this is not a valid certificate' }), 'public key or cert to be matched against publicKey in Rekor SET is not in PEM format', 'ISE'],
      ['fulcio on a key-only signature', fulcio(), valid, `missing ${SET} annotation`, 'plain'],
      ['fulcio, caPath not a certificate', fulcio({ caPath: 'image.signature' }), fulcioSig, 'error loading Fulcio CA certificates', 'plain'],
      // PKI
      ['pki', pki(), pkiSig, { ref: 'localhost:5000/test' }, undefined, PKI_NOW],
      ['pki, roots only', pki({ caIntermediatesPath: undefined }), pkiSig, { ref: 'localhost:5000/test' }, undefined, PKI_NOW],
      ['pki, intermediates configured, chain removed', pki(), () => withAnn(pkiSig(), { [CHAIN]: undefined }), { ref: 'localhost:5000/test' }, undefined, PKI_NOW],
      ['pki, roots only, chain removed', pki({ caIntermediatesPath: undefined }), () => withAnn(pkiSig(), { [CHAIN]: undefined }), 'veryfing leaf certificate failed: x509: certificate signed by unknown authority', 'ISE', PKI_NOW],
      ['pki, wrong hostname', pki({ subjectHostname: 'other.example.com' }), pkiSig, 'Unexpected subject hostname: x509: certificate is valid for myhost.example.com, not other.example.com', 'ISE', PKI_NOW],
      ['pki, wrong email', pki({ subjectEmail: 'x@example.com' }), pkiSig, 'Required email "x@example.com" not found (got ["qiwan@redhat.com"])', 'ISE', PKI_NOW],
      ['pki, certificate removed', pki(), () => withAnn(pkiSig(), { [CERT]: undefined }), `missing ${CERT} annotation`, 'plain', PKI_NOW],
    ]
  : [];

d('containers/image sigstore fixtures', () => {
  // One object per row: jest treats a test function with more parameters than the row has as done-callback style.
  test.each(rows.map((r) => [r[0], r] as const))('%s', async (_name, [, j, s, expected, cls, now]) => {
    const req = loadRequirement({ signedIdentity: { type: 'matchRepository' }, ...JSON.parse(JSON.stringify(j)) }, F);
    const p = verifySigstoreSignature(req, s(), testContext(F, now));
    if (typeof expected === 'object') {
      const r = await p;
      expect(r.dockerReference).toBe(expected.ref);
      return;
    }
    const e = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as Error | undefined)?.message).toBe(expected);
    expect(e).toBeInstanceOf(cls === 'ISE' ? InvalidSignatureError : EvaluationError);
  });

  test('a SET pasted onto another signature: per-key failures joined by ", "', async () => {
    const req = loadRequirement({ keyPaths: ['cosign.pub', 'cosign2.pub'], rekorPublicKeyPath: 'rekor.pub', signedIdentity: { type: 'matchRepository' } }, F);
    const e = await verifySigstoreSignature(req, withAnn(valid(), { [SET]: keyRekor().annotations[SET] }), testContext(F)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidSignatureError);
    expect((e as Error).message).toMatch(/^No public key verified against the RekorSET: publicKey in Rekor SET does not match, signature in Rekor SET does not match: "0E\\x02.*" vs\. "0F\\x02.*"$/s);
  });

  test.each([
    ['"=" appended', (s: string) => s + '='],
    ['last character removed', (s: string) => s.slice(0, -1)],
    ['"&"', () => '&'],
  ])('signature annotation with %s → base64 decoding error', async (_n, f) => {
    const req = loadRequirement({ keyPath: 'cosign.pub', signedIdentity: { type: 'matchRepository' } }, F);
    const e = await verifySigstoreSignature(req, withAnn(valid(), { [SIG]: f(valid().annotations[SIG]!) }), testContext(F)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidSignatureError);
    expect((e as Error).message).toMatch(/^base64 decoding: illegal base64 data at input byte \d+$/);
  });

  // internal/testdata: the raw SET check and the Fulcio leaf at chosen times.
  const t = (n: string) => readFileSync(join(F, 'internal-testdata', n));
  const rekorKey = () => unmarshalPEMToPublicKey(t('rekor.pub'));
  test('Rekor SET of internal-testdata verifies and yields 2022-12-12T18:48:19Z', () => {
    const r = verifyRekorSET([rekorKey()], t('rekor-set').toString(), t('rekor-cert'), t('rekor-sig').toString(), t('rekor-payload'));
    expect(new Date(r.integratedTime * 1000).toISOString()).toBe('2022-12-12T18:48:19.000Z');
  });
  test.each([
    ['other payload', () => verifyRekorSET([rekorKey()], t('rekor-set').toString(), t('rekor-cert'), t('rekor-sig').toString(), Buffer.from('this payload does not match')), 'payload in Rekor SET does not match'],
    ['other Rekor key', () => verifyRekorSET([unmarshalPEMToPublicKey(t('cosign.pub'))], t('rekor-set').toString(), t('rekor-cert'), t('rekor-sig').toString(), t('rekor-payload')), 'cryptographic signature verification of Rekor SET failed'],
    ['key-or-cert not PEM', () => verifyRekorSET([rekorKey()], t('rekor-set').toString(), Buffer.from('this is not PEM'), t('rekor-sig').toString(), t('rekor-payload')), 'public key or cert to be matched against publicKey in Rekor SET is not in PEM format'],
    ['key-or-cert empty', () => verifyRekorSET([rekorKey()], t('rekor-set').toString(), new Uint8Array(), t('rekor-sig').toString(), t('rekor-payload')), 'public key or cert to be matched against publicKey in Rekor SET is not in PEM format'],
    ['cert twice', () => verifyRekorSET([rekorKey()], t('rekor-set').toString(), Buffer.concat([t('rekor-cert'), t('rekor-cert')]), t('rekor-sig').toString(), t('rekor-payload')), 'public key or cert to be matched against publicKey in Rekor SET has trailing data'],
  ])('Rekor SET: %s', (_n, f, msg) => {
    expect(f).toThrow(new InvalidSignatureError(msg));
  });
  test('Rekor SET: truncated signature', () => {
    expect(() => verifyRekorSET([rekorKey()], t('rekor-set').toString(), t('rekor-cert'), t('rekor-sig').toString().slice(0, -1), t('rekor-payload'))).toThrow(
      /^decoding signature base64: illegal base64 data at input byte \d+$/,
    );
  });

  const pool = (file: string): Certificate[] => {
    const p: Certificate[] = [];
    appendCertsFromPEM(p, readFileSync(join(F, file)));
    return p;
  };
  const fulcioRoot = (ca = 'fulcio_v1.crt.pem') => ({ caCertificates: pool(ca), oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com' });
  test.each([
    ['2022-12-12T18:48:19Z', 'fulcio-chain', undefined],
    ['2022-12-12T18:48:17Z', 'fulcio-chain', 'veryfing leaf certificate failed: x509: certificate has expired or is not yet valid: current time 2022-12-12T18:48:17Z is before 2022-12-12T18:48:18Z'],
    ['2022-12-12T18:58:19Z', 'fulcio-chain', 'veryfing leaf certificate failed: x509: certificate has expired or is not yet valid: current time 2022-12-12T18:58:19Z is after 2022-12-12T18:58:18Z'],
    ['2022-12-12T18:48:19Z', undefined, 'veryfing leaf certificate failed: x509: certificate signed by unknown authority'],
  ])('Fulcio leaf at %s (chain %s)', (at, chain, msg) => {
    const f = () =>
      verifyFulcioCertificateAtTime(
        fulcioRoot(),
        new Date(at),
        parseLeafCertFromPEM(readFileSync(join(F, 'fulcio-cert'))),
        parseUntrustedIntermediatesFromPEM(chain ? readFileSync(join(F, chain)) : undefined),
        new Date(at),
      );
    if (msg) expect(f).toThrow(new InvalidSignatureError(msg));
    else expect(f().issuer).toBe('https://github.com/login/oauth');
  });
  test('Fulcio leaf with fulcio-chain as the CA pool and no chain', () => {
    const at = new Date('2022-12-12T18:48:19Z');
    const r = verifyFulcioCertificateAtTime(fulcioRoot('fulcio-chain'), at, parseLeafCertFromPEM(readFileSync(join(F, 'fulcio-cert'))), [], at);
    expect(r.certificate.emailAddresses).toEqual(['mitr@redhat.com']);
  });
});
