/**
 * Issue 20, without the oracle: every row (wrong allow) and every certificate wrong deny, crafted with real
 * cryptography by fixtures/generate-crafted-certs.ts and verified in-process, must give containers/image's verdict
 * and message — the texts skopeo 1.18 printed for the same cases (test/conformance/crafted-certificates.test.ts
 * compares them live). Each of these failed before the Go 1.24 parser/verifier (src/go/crypto/x509/).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseOptions, craftCase } from '../../../fixtures/generate-crafted-certs.js';
import { parseSignatureBlob } from '../../../src/image/signature-blob.js';
import type { SigstoreSignature } from '../../../src/image/types.js';
import { verifySigstoreSignature } from '../../../src/signature/sigstore/index.js';
import { loadRequirement, testContext } from '../signature/sigstore-helpers.js';

const NA = 'veryfing leaf certificate failed: x509: a root or intermediate certificate is not authorized to sign for this name: ';
const PSS_UNKNOWN =
  'veryfing leaf certificate failed: x509: certificate signed by unknown authority (possibly because of "x509: cannot verify signature: algorithm unimplemented" while trying to verify candidate authority certificate "crafted pki root")';
const ROWS: [name: string, message: string | null][] = [
  ['pki-require-explicit-policy-0', 'veryfing leaf certificate failed: x509: no valid chains built: all candidate chains have invalid policies'],
  ['fulcio-require-explicit-policy-0', 'veryfing leaf certificate failed: x509: no valid chains built: all candidate chains have invalid policies'],
  ['pki-cn-printable-at', 'parsing leaf certificate: x509: invalid RDNSequence: invalid attribute value: invalid PrintableString'],
  ['pki-critical-bool-01', 'parsing leaf certificate: x509: malformed extension critical field'],
  ['pki-basic-constraints-ca-01', 'loading certificate chain: x509: invalid basic constraints'],
  ['pki-inner-outer-alg-mismatch', "parsing leaf certificate: x509: inner and outer signature algorithm identifiers don't match"],
  ['pki-uri-unparsable', 'parsing leaf certificate: x509: cannot parse URI "https://exa mple.com/": parse "https://exa mple.com/": invalid character " " in host name'],
  ['fulcio-issuer-oid-nonminimal', 'parsing leaf certificate: x509: malformed extension OID field'],
  ['pki-nc-empty', 'loading certificate chain: x509: empty name constraints extension'],
  ['pki-nc-dns-double-dot', 'loading certificate chain: x509: failed to parse dnsName constraint "a..b"'],
  ['pki-nc-ip-mask', 'loading certificate chain: x509: IP constraint contained invalid mask ff00ff00'],
  ['pki-nc-email-domain-after-right-at', `${NA}email address "a@evil.com@good.com" is not permitted by any constraint`],
  ['pki-nc-email-quoted-excluded', `${NA}email address "\\"alice\\"@good.com" is excluded by constraint "alice@good.com"`],
  ['pki-nc-dns-only-bad-email', 'veryfing leaf certificate failed: x509: cannot parse rfc822Name {"" ""}'],
  // RSASSA-PSS parameters outside Go's three buckets: an unknown algorithm, although the signature verifies as PSS-SHA256.
  ['pki-pss-salt-length-mismatch', PSS_UNKNOWN],
  ['pki-pss-salt-length-absent', PSS_UNKNOWN],
  ['pki-pss-mgf1-hash-mismatch', PSS_UNKNOWN],
  ['pki-pss-trailer-2', PSS_UNKNOWN],
  ['pki-pss-sha256', null],
  // Wrong allow: OpenSSL verifies with an exponent-1 key (anyone can forge); Go's crypto/rsa refuses the key.
  ['pki-root-rsa-exponent-1', 'veryfing leaf certificate failed: x509: certificate signed by unknown authority (possibly because of "crypto/rsa: public exponent too small or negative" while trying to verify candidate authority certificate "crafted pki root")'],
  // Wrong denies: c/image allows these.
  ['fulcio-issuer-general-string', null],
  ['fulcio-issuer-bmp-nul', null],
  ['fulcio-set-time-go-zero', null],
  ['pki-ext-value-trailing', null],
  ['pki-utctime-offset', null],
  ['pki-utctime-no-seconds', null],
  ['pki-root-v1-with-extensions', null],
  ['fulcio-root-v1-with-extensions', null],
];

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'imgpolicy-issue20-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('issue 20: crafted certificates get containers/image verdicts', () => {
  const options = new Map(caseOptions().map((o) => [o.name, o]));
  test.each(ROWS)('%s', async (name, message) => {
    const c = craftCase(work, options.get(name)!);
    const sig = parseSignatureBlob(readFileSync(join(c.imageDir, 'signature-1'))) as SigstoreSignature;
    const p = verifySigstoreSignature(loadRequirement(c.requirement, '/'), sig, testContext('/'));
    if (message === null) await expect(p).resolves.toMatchObject({ dockerReference: 'registry.example.com/imgpolicy/crafted' });
    else await expect(p).rejects.toThrow(message);
  });
});

describe('issue 16: one Fulcio path for the cosign and bundle verifiers', () => {
  test('the issuer is quoted as Go quotes string(bytes), \\x escapes for invalid UTF-8 (the twin quoted it differently)', async () => {
    const { parseCertificate } = await import('../../../src/go/crypto/x509/parser.js');
    const { verifyFulcioCertificateAtTime } = await import('../../../src/signature/sigstore/certificates.js');
    const { buildChainDER } = await import('../../../fixtures/generate-crafted-certs.js');
    const o = caseOptions().find((x) => x.name === 'fulcio-issuer-v1-invalid-utf8')!;
    const c = buildChainDER(o);
    const root = { caCertificates: [parseCertificate(c.rootDER)], oidcIssuer: 'https://issuer.example.com', subjectEmail: 'signer@example.com' };
    const at = new Date('2024-03-01T12:01:00Z');
    expect(() => verifyFulcioCertificateAtTime(root, at, parseCertificate(c.leafDER), [parseCertificate(c.interDER)], at)).toThrow(
      'Unexpected Fulcio OIDC issuer "h\\xfft"',
    );
  });
});
