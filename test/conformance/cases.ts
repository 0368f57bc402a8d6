/**
 * The hand-written differential cases: every row of the Results table in ../shared/oracle/README.md (the oracle's
 * own record of what c/image 5.34.2 answers), the scope-precedence walk through scopes.json, multi-arch with and
 * without --platform, the TLS + basic-auth registry, and a missing manifest. Expected answers are NOT written
 * here: the live oracle gives them, and the README is only the map of what is worth asking.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY, TLS_REGISTRY, type Triple } from '../helpers/oracle.js';

export interface CaseContext {
  oracleDir: string;
  /** $ORACLE_DIR/policies (written by setup.sh). */
  policies: string;
  /** $ORACLE_DIR/registries.d: use-sigstore-attachments + the GPG lookaside. */
  registriesD: string;
  /** A per-run temp dir for policies the oracle does not ship. */
  work: string;
  /** repo (e.g. `test/signed`) → digest of its `v1` manifest. */
  digests: Record<string, string>;
}

export const img = (repo: string, tag = 'v1', registry = REGISTRY) => `docker://${registry}/test/${repo}:${tag}`;

export function byDigest(ctx: CaseContext, repo: string): string {
  const d = ctx.digests[`test/${repo}`];
  if (!d) throw new Error(`no digest for test/${repo}`);
  return `docker://${REGISTRY}/test/${repo}@${d}`;
}

/** The repositories setup.sh pushes to the plain registry (images.txt), all with tag v1. */
export const ORACLE_REPOS = [
  'badsig', 'both', 'cosigned', 'docker-v2s2', 'fulcio', 'fulcio-expired', 'gpg2signed', 'gpgsigned', 'img-1', 'img-2',
  'img-3', 'img-4', 'key2signed', 'multi', 'multi-docker', 'multi-idxonly', 'multi-instonly', 'multi-unsigned', 'noannot',
  'nullopt', 'othermedia', 'pki', 'rekor', 'remapped', 'remapped-gpg', 'signed', 'skopeogen', 'twobad', 'unsigned',
  'wrongdigest', 'wrongtype',
] as const;

/** Policies the oracle does not ship but a README row needs. */
function extraPolicies(ctx: CaseContext): { rekorCert: string } {
  const K = `${ctx.oracleDir}/keys`;
  const req = [{ type: 'sigstoreSigned', keyPath: `${K}/cosign1.pub`, rekorPublicKeyPath: `${ctx.oracleDir}/pki/pki-leaf.crt` }];
  const rekorCert = join(ctx.work, 'readme-rekor-key-is-a-certificate.json');
  writeFileSync(
    rekorCert,
    JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${REGISTRY}/test`]: req, [`${TLS_REGISTRY}/test`]: req } } }, null, 2),
  );
  return { rekorCert };
}

export function readmeTriples(ctx: CaseContext): Triple[] {
  const P = (name: string) => join(ctx.policies, `${name}.json`);
  const out: Triple[] = [];
  const add = (group: string, policy: string, images: string[], note: string, extra: Partial<Triple> = {}) => {
    for (const image of images) out.push({ group, image, policy, registriesD: ctx.registriesD, access: 'plain', note, ...extra });
  };
  const { rekorCert } = extraPolicies(ctx);
  const R = 'readme';

  add(R, P('accept'), [img('unsigned'), img('signed'), img('multi')], 'insecureAcceptAnything');
  add(R, P('reject'), [img('unsigned'), img('signed')], 'reject');
  add(R, P('accept-then-reject'), [img('unsigned')], '[insecureAcceptAnything, reject]');
  add(R, P('empty-requirements'), [img('unsigned')], '"default": [] is a parse error');

  // sigstoreSigned with the right key in every spelling, the wrong key, and every kind of "no usable signature".
  add(R, P('sigstore-key1'), [img('signed'), img('signed', 'v2'), img('img-1'), img('img-3'), img('docker-v2s2')], 'sigstoreSigned right key');
  add(R, P('sigstore-keydata1'), [img('signed'), img('key2signed')], 'keyData');
  add(R, P('sigstore-keypaths'), [img('signed'), img('key2signed'), img('unsigned')], 'keyPaths [key2, key1]');
  add(R, P('sigstore-skopeogen'), [img('skopeogen'), img('signed')], 'key from skopeo generate-sigstore-key');
  add(R, P('sigstore-key1'), [img('key2signed')], 'sigstoreSigned wrong key');
  add(R, P('sigstore-key1'), [img('unsigned'), img('img-2'), img('img-4')], 'sigstoreSigned, unsigned image');
  add(R, P('sigstore-key1'), [img('gpgsigned'), img('remapped-gpg')], 'sigstoreSigned, GPG-only image');
  add(R, P('sigstore-key1'), [img('othermedia')], 'sigstoreSigned, .sig with only a non-signature layer');
  add(R, P('sigstore-key1'), [img('both')], 'signed by key1 and key2, policy key1');
  add(R, P('sigstore-key2'), [img('both'), img('key2signed'), img('signed')], 'signed by key1 and key2, policy key2');

  // signedIdentity
  add(R, P('sigstore-key1-matchrepo'), [img('signed'), img('signed', 'v2'), img('remapped')], 'matchRepository');
  add(R, P('sigstore-key1-matchexact'), [img('signed')], 'matchExact');
  add(R, P('sigstore-key1-exactref'), [img('signed'), img('signed', 'v2')], 'exactReference same tag');
  add(R, P('sigstore-key1-exactref-mismatch'), [img('signed')], 'exactReference :v2 for :v1');
  add(R, P('sigstore-key1-exactrepo'), [img('signed'), img('signed', 'v2')], 'exactRepository');
  add(R, P('sigstore-key1'), [img('remapped')], 'signed as registry.example.com/prod/remapped:v1, default identity');
  add(R, P('sigstore-key1-remap'), [img('remapped'), img('signed')], 'remapIdentity');

  // pull by digest
  add(R, P('sigstore-key1'), [byDigest(ctx, 'signed')], 'by digest, default identity');
  add(R, P('sigstore-key1-matchrepo'), [byDigest(ctx, 'signed')], 'by digest, matchRepository');
  add(R, P('sigstore-key1-matchexact'), [byDigest(ctx, 'signed')], 'by digest, matchExact');

  // cosign CLI signature (tagless identity)
  add(R, P('sigstore-cosign3'), [img('cosigned')], 'cosign CLI signature, default identity');
  add(R, P('sigstore-cosign3-matchrepo'), [img('cosigned')], 'cosign CLI signature, matchRepository');

  // crafted / broken sigstore signatures
  add(R, P('sigstore-key1'), [img('badsig')], 'signature over different bytes');
  add(R, P('sigstore-key1'), [img('noannot')], 'no dev.cosignproject.cosign/signature annotation');
  add(R, P('sigstore-key1'), [img('wrongdigest')], 'payload claims another digest');
  add(R, P('sigstore-key1'), [img('wrongtype')], 'payload type atomic container signature');
  add(R, P('sigstore-key1'), [img('twobad')], 'two bad signatures');
  add(R, P('sigstore-key1'), [img('nullopt')], '"optional": null');

  // Rekor
  add(R, P('sigstore-key1-rekor'), [img('rekor')], 'keyPath + rekorPublicKeyPath, valid SET');
  add(R, P('sigstore-key1-rekor'), [img('signed')], 'rekorPublicKeyPath, image without a SET');
  add(R, P('sigstore-key1-rekor-wrong'), [img('rekor')], 'wrong Rekor key');
  add(R, rekorCert, [img('rekor')], 'a certificate given as the Rekor key');

  // PKI and Fulcio
  add(R, P('pki'), [img('pki'), img('signed')], 'pki subjectEmail');
  add(R, P('pki-hostname'), [img('pki')], 'pki subjectHostname');
  add(R, P('pki-wrongemail'), [img('pki')], 'pki wrong email');
  add(R, P('pki-wrongca'), [img('pki')], 'pki wrong CA');
  add(R, P('fulcio'), [img('fulcio'), img('signed')], 'fulcio + rekor');
  add(R, P('fulcio-wrongissuer'), [img('fulcio')], 'fulcio wrong issuer');
  add(R, P('fulcio'), [img('fulcio-expired')], 'fulcio, SET time outside the certificate validity');
  add(R, P('fulcio-norekor'), [img('fulcio')], 'fulcio without rekor (parse error)');

  // signedBy (GPG)
  add(R, P('signedby-gpg1'), [img('gpgsigned')], 'signedBy binary keyring');
  add(R, P('signedby-gpg1-armor'), [img('gpgsigned')], 'signedBy ASCII-armored');
  add(R, P('signedby-gpg1-keydata'), [img('gpgsigned')], 'signedBy keyData');
  add(R, P('signedby-gpg-keypaths'), [img('gpgsigned'), img('gpg2signed')], 'signedBy keyPaths');
  add(R, P('signedby-gpg2'), [img('gpg2signed')], 'signedBy gpg2');
  add(R, P('signedby-gpg1'), [img('gpg2signed')], 'signedBy wrong key (gpgme dump: prefix compared only)');
  add(R, P('signedby-gpg2'), [img('gpgsigned')], 'signedBy wrong key (gpgme dump: prefix compared only)');
  add(R, P('signedby-gpg1'), [img('unsigned'), img('signed')], 'signedBy, unsigned or sigstore-only image');
  add(R, P('signedby-gpg1'), [img('remapped-gpg')], 'signedBy, foreign identity');
  add(R, P('signedby-gpg1-matchrepo'), [img('gpgsigned'), img('remapped-gpg')], 'signedBy matchRepository');
  add(R, P('signedby-gpg1-remap'), [img('remapped-gpg'), img('gpgsigned')], 'signedBy remapIdentity');
  add(R, P('signedby-x509'), [img('gpgsigned')], 'keyType X509Certificates');
  add(R, P('probe-signedbaselayer'), [img('unsigned')], 'signedBaseLayer');
  add(R, P('sigstore-and-gpg'), [img('signed'), img('gpgsigned'), img('unsigned')], '[sigstoreSigned, signedBy]');

  // parse probes (which keys 5.34 knows; which combinations it refuses)
  for (const probe of [
    'probe-keypaths', 'probe-keydatas', 'probe-fulcio', 'probe-rekor', 'probe-pki', 'probe-keypath-and-keydata', 'probe-nokey',
    'probe-unknown-type', 'probe-unknown-field',
  ])
    add(R, P(probe), [img('signed')], `parse probe ${probe}`);

  // manifest not found
  add(R, P('accept'), [img('doesnotexist')], 'manifest not found');
  add(R, P('sigstore-key1'), [img('doesnotexist'), img('signed', 'nosuchtag')], 'manifest not found');
  return out;
}

/** Multi-arch: the host's instance (amd64) by default, the other with --platform ↔ --override-arch. */
export function multiArchTriples(ctx: CaseContext): Triple[] {
  const P = (name: string) => join(ctx.policies, `${name}.json`);
  const out: Triple[] = [];
  const images = ['multi', 'multi-docker', 'multi-idxonly', 'multi-instonly', 'multi-unsigned'].map((r) => img(r));
  for (const platform of [undefined, 'linux/arm64']) {
    for (const pol of ['sigstore-key1', 'sigstore-key1-matchrepo', 'sigstore-key2', 'accept', 'reject']) {
      for (const image of images)
        out.push({ group: 'multi-arch', image, policy: P(pol), registriesD: ctx.registriesD, access: 'plain', note: 'manifest list', ...(platform ? { platform } : {}) });
    }
    // By digest of the index: the policy still runs on the chosen instance only.
    out.push({ group: 'multi-arch', image: byDigest(ctx, 'multi'), policy: P('sigstore-key1'), registriesD: ctx.registriesD, access: 'plain', note: 'index by digest', ...(platform ? { platform } : {}) });
    out.push({ group: 'multi-arch', image: byDigest(ctx, 'multi-idxonly'), policy: P('sigstore-key1-matchrepo'), registriesD: ctx.registriesD, access: 'plain', note: 'index by digest', ...(platform ? { platform } : {}) });
  }
  // A single-arch image asked for another platform: c/image does not refuse it, it just copies the image.
  out.push({ group: 'multi-arch', image: img('signed'), policy: P('sigstore-key1'), registriesD: ctx.registriesD, access: 'plain', platform: 'linux/arm64', note: 'single-arch image, other platform' });
  return out;
}

/** The TLS + basic-auth registry (127.0.0.1:5443): the CA via --cert-dir, credentials via --creds. */
export function tlsTriples(ctx: CaseContext): Triple[] {
  const P = (name: string) => join(ctx.policies, `${name}.json`);
  const out: Triple[] = [];
  const images = [img('signed', 'v1', TLS_REGISTRY), img('unsigned', 'v1', TLS_REGISTRY), img('doesnotexist', 'v1', TLS_REGISTRY)];
  for (const pol of ['accept', 'reject', 'sigstore-key1', 'sigstore-key2', 'sigstore-key1-matchrepo', 'signedby-gpg1', 'scopes'])
    for (const image of images) out.push({ group: 'tls', image, policy: P(pol), registriesD: ctx.registriesD, access: 'tls', note: 'TLS registry' });
  return out;
}

/** scopes.json: the most specific scope wins, no merging, textual host matching. */
export function scopeTriples(ctx: CaseContext): Triple[] {
  const pol = join(ctx.policies, 'scopes.json');
  const images = [
    img('signed'), // exact identity scope → accept
    img('signed', 'v2'), // repository scope → reject
    byDigest(ctx, 'signed'), // a digest reference has no tag: the exact-identity scope cannot apply
    img('img-1'), // namespace scope (sigstoreSigned key1), signed
    img('img-2'), // namespace scope, unsigned
    img('unsigned'),
    `docker://localhost:5000/test/unsigned:v1`, // localhost ≠ 127.0.0.1: its own scope
    `docker://localhost:5000/test/signed:v1`,
    `docker://localhost:5000/other/unsigned:v1`, // no localhost scope matches; "" accepts (then no such manifest)
    `docker://${REGISTRY}/other/thing:v1`, // host scope 127.0.0.1:5000 → reject before any fetch? the oracle says
  ];
  return images.map((image) => ({ group: 'scopes', image, policy: pol, registriesD: ctx.registriesD, access: 'plain' as const, note: 'scope precedence' }));
}
