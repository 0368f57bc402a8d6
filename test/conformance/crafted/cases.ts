/**
 * The crafted documents: REAL documents from the oracle registry (an OCI image, another one, the `.sig`
 * attachment manifest skopeo wrote for it, the blobs), mutated the way an attacker who can push would mutate them,
 * and served by our own registry (doc-registry.ts) or written as `dir:` layouts. Each case is one image reference
 * both tools evaluate under the same policy and registries.d.
 *
 * Documents are written as JSON *text* so that duplicates, key case and member order survive: `o([k, v], …)` keeps
 * every pair, `j(v)` is a value's JSON.
 */
import { createPublicKey } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocRegistry } from './doc-registry.js';
import { libtrustKeyID } from '../../../src/manifest/index.js';
import { COSIGN_MT, DSSE_MT, SIG_ANN, sha256hex, type Signer } from './sign.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export interface CraftedCase {
  group: string;
  name: string;
  /** What the case is about (issue 19 row, Go rule). */
  note: string;
  image: string;
  policy: string;
  registriesD: string;
  /** The digest each tool should have evaluated, when the case is about which instance is chosen. */
  expectInstance?: boolean;
}

export const j = (v: unknown): string => JSON.stringify(v);
export const o = (...pairs: [string, string][]): string => `{${pairs.map(([k, v]) => `${j(k)}:${v}`).join(',')}}`;

/** What the suite fetched from the oracle registry and built once per run. */
export interface Material {
  signer: Signer;
  reg: DocRegistry;
  /** test/signed:v1 (signed here) and test/unsigned:v1 (never signed here): bytes as the oracle registry stores them. */
  m1: Buffer;
  m2: Buffer;
  /** The `.sig` manifest skopeo wrote for test/signed:v1, parsed: its config descriptor is reused verbatim. */
  sigConfig: unknown;
  /** A `dir:` copy of test/signed:v1 and of test/unsigned:v1 written by skopeo (manifest.json + blobs). */
  dirSigned: string;
  dirUnsigned: string;
  work: string;
  dockerPolicy: string;
  dirPolicy: string;
  dirIdentity: string;
  registriesD: string;
}

const digestOf = (b: Uint8Array | string): string => 'sha256:' + sha256hex(b);

// ------------------------------------------------------------------------------------------ `.sig` attachments

interface SigParts {
  payloadDigest: string;
  size: number;
  sig: string;
}

function signFor(m: Material, identity: string, manifestDigest: string): SigParts {
  const payload = m.signer.payload(identity, manifestDigest);
  return { payloadDigest: m.reg.putBlob(payload), size: payload.length, sig: m.signer.sign(payload) };
}

function layer(p: SigParts, opts: { mediaType?: string; extra?: [string, string][]; annotations?: string; digestKey?: string } = {}): string {
  return o(
    ['mediaType', j(opts.mediaType ?? COSIGN_MT)],
    [opts.digestKey ?? 'digest', j(p.payloadDigest)],
    ['size', j(p.size)],
    ['annotations', opts.annotations ?? o([SIG_ANN, j(p.sig)])],
    ...(opts.extra ?? []),
  );
}

function sigManifest(m: Material, members: string): string {
  return `{"schemaVersion":2,"mediaType":${j(OCI_MANIFEST)},"config":${j(m.sigConfig)},${members}}`;
}

const sigTag = (digest: string) => digest.replace(':', '-') + '.sig';

/** An invalid-base64 signature annotation (c/image: `illegal base64 data at input byte N`). */
const BAD_B64 = 'MEUCIQ' + '!'.repeat(20);

export function sigCases(m: Material): CraftedCase[] {
  const out: CraftedCase[] = [];
  const m1Digest = digestOf(m.m1);
  const add = (name: string, note: string, sigDoc: (p: SigParts, other: SigParts, dsse: string) => string) => {
    const repo = `crafted/sig-${name.toLowerCase()}`;
    const identity = `${m.reg.host}/${repo}:v1`;
    m.reg.putManifest(repo, 'v1', m.m1, OCI_MANIFEST);
    const p = signFor(m, identity, m1Digest);
    const other = signFor(m, identity, 'sha256:' + '0'.repeat(64));
    const dsseBlob = m.reg.putBlob('{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}');
    const dsse = o(['mediaType', j(DSSE_MT)], ['digest', j(dsseBlob)], ['size', '73']);
    const text = sigDoc(p, other, dsse);
    m.reg.putManifest(repo, sigTag(m1Digest), text, OCI_MANIFEST);
    out.push({ group: 'sig', name, note, image: `docker://${identity}`, policy: m.dockerPolicy, registriesD: m.registriesD });
  };
  const S = (members: string) => sigManifest(m, members);
  add('control', 'a correctly signed image', (p) => S(`"layers":[${layer(p)}]`));
  add('row1-LAYERS-empty', 'issue 19 row 1: a later "LAYERS":[] replaces the signature layers', (p) => S(`"layers":[${layer(p)}],"LAYERS":[]`));
  add('LAYERS-only', 'member names match case-insensitively', (p) => S(`"LAYERS":[${layer(p)}]`));
  add('layers-empty-then-Layers', 'the last occurrence wins', (p) => S(`"layers":[],"Layers":[${layer(p)}]`));
  add('layers-null-after', 'null resets a slice', (p) => S(`"layers":[${layer(p)}],"layers":null`));
  add('layers-string', 'type mismatch: a string for []v1.Descriptor', () => S(`"layers":"x"`));
  add('layers-element-merge', 'a repeated array decodes into the earlier elements: digest replaced, annotations kept', (p, other) =>
    S(`"layers":[${layer(p)}],"layers":[${o(['digest', j(other.payloadDigest)])}]`),
  );
  add('row2-MediaType-dsse', 'issue 19 row 2: a later "MediaType" makes the layer a non-signature attachment', (p) =>
    S(`"layers":[${layer(p, { extra: [['MediaType', j(DSSE_MT)]] })}]`),
  );
  add('mediatype-lowercase', 'a lower-case member name still selects mediaType', (p) =>
    S(`"layers":[${layer(p).replace('"mediaType"', '"mediatype"')}]`),
  );
  add('row3-Annotations-bad', 'issue 19 row 3: a later "Annotations" map merges over the good one', (p) =>
    S(`"layers":[${layer(p, { extra: [['Annotations', o([SIG_ANN, j(BAD_B64)])]] })}]`),
  );
  add('annotations-merge-keep', 'maps merge: a second annotations object adds keys, the signature stays', (p) =>
    S(`"layers":[${layer(p, { extra: [['annotations', o(['x', j('y')])]] })}]`),
  );
  add('annotations-null-after', 'null resets a map', (p) => S(`"layers":[${layer(p, { extra: [['annotations', 'null']] })}]`));
  add('annotation-number', 'type mismatch: a number for an annotation value', (p) =>
    S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(p.sig)], ['n', '5']) })}]`),
  );
  add('annotation-sig-newlines', 'base64 with \\n inside: Go skips CR/LF', (p) =>
    S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(p.sig.replace(/(.{16})/g, '$1\n'))]) })}]`),
  );
  add('annotation-sig-urlsafe', 'base64url alphabet in the signature annotation', (p) =>
    S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(p.sig.replace(/\+/g, '-').replace(/\//g, '_') + (/[+/]/.test(p.sig) ? '' : '-'))]) })}]`),
  );
  add('annotation-sig-unpadded', 'missing base64 padding', (p) => S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(p.sig.replace(/=+$/, '') + (p.sig.endsWith('=') ? '' : 'A'))]) })}]`));
  add('DIGEST-key', 'DIGEST selects digest', (p) => S(`"layers":[${layer(p, { digestKey: 'DIGEST' })}]`));
  add('ambiguous-manifests', 'ValidateUnambiguousManifestFormat: "manifests" in an OCI manifest', (p) => S(`"layers":[${layer(p)}],"manifests":[]`));
  add('ambiguous-Manifests-null', 'a null member is not "present"', (p) => S(`"layers":[${layer(p)}],"Manifests":null`));
  add('ambiguous-FSLAYERS', 'ambiguity is detected case-insensitively', (p) => S(`"layers":[${layer(p)}],"FSLAYERS":{}`));
  add('config-string', 'type mismatch: config', (p) => `{"schemaVersion":2,"config":"x","layers":[${layer(p)}]}`);
  add('schemaVersion-string', 'type mismatch: schemaVersion "2"', (p) => `{"schemaVersion":"2","mediaType":${j(OCI_MANIFEST)},"layers":[${layer(p)}]}`);
  add('schemaVersion-float', 'schemaVersion 2.0 is not an int', (p) => `{"schemaVersion":2.0,"mediaType":${j(OCI_MANIFEST)},"layers":[${layer(p)}]}`);
  add('layer-string-element', 'type mismatch: a layer that is a string', () => S(`"layers":["x"]`));
  add('layer-size-string', 'type mismatch: size "1"', (p) => S(`"layers":[${layer(p, { extra: [['size', '"1"']] })}]`));
  add('layer-urls-string', 'type mismatch: urls', (p) => S(`"layers":[${layer(p, { extra: [['urls', '"x"']] })}]`));
  add('layer-data-bad-base64', 'data is a []byte: base64 errors fail the document', (p) => S(`"layers":[${layer(p, { extra: [['data', '"!!"']] })}]`));
  add('subject-number', 'type mismatch: subject', (p) => S(`"layers":[${layer(p)}],"subject":5`));
  add('layers-long-s', 'Unicode folding: "layerſ" (U+017F) selects layers', (p) => S(`"layers":[${layer(p)}],"layerſ":[]`));
  add('layers-escaped-key', 'an escaped member name is unescaped first', (p) => S(`"lay\\u0065rs":[${layer(p)}]`));
  add('annotation-dup-good-last', 'within a map the last duplicate wins (good last)', (p) =>
    S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(BAD_B64)], [SIG_ANN, j(p.sig)]) })}]`),
  );
  add('annotation-dup-bad-last', 'within a map the last duplicate wins (bad last)', (p) =>
    S(`"layers":[${layer(p, { annotations: o([SIG_ANN, j(p.sig)], [SIG_ANN, j(BAD_B64)]) })}]`),
  );
  add('trailing-garbage', 'syntax is checked over the whole document', (p) => S(`"layers":[${layer(p)}]`) + 'x');
  add('annotations-long-s', 'Unicode folding on annotations: "annotationſ"', (p) => S(`"layers":[${layer(p, { extra: [['annotationſ', o([SIG_ANN, j(BAD_B64)])]] })}]`));
  add('dsse-then-signature', 'a non-signature attachment beside the signature', (p, _o, dsse) => S(`"layers":[${dsse},${layer(p)}]`));
  add('mediaType-null-after', 'null leaves a string alone', (p) => S(`"layers":[${layer(p, { extra: [['mediaType', 'null']] })}]`));
  add('top-level-array', 'a document that is not an object', () => '[]');
  add('stale-backing-array', 'Go reuses a slice backing array: [dsse, sig] then [{}] then [{},{}] reads [dsse, sig]', (p, _o, dsse) =>
    S(`"layers":[${dsse},${layer(p)}],"layers":[{}],"layers":[{},{}]`),
  );
  add('layers-reset-empty', 'an empty array makes a new slice: [sig] then [] then [{}] reads one empty layer', (p) =>
    S(`"layers":[${layer(p)}],"layers":[],"layers":[{}]`),
  );
  return out;
}

// ------------------------------------------------------------------------------------------ indexes over docker

const AMD64 = o(['architecture', j('amd64')], ['os', j('linux')]);
const ARM64 = o(['architecture', j('arm64')], ['os', j('linux')]);

function entry(digest: string, size: number, platform: string | undefined, extra: [string, string][] = [], mediaType = OCI_MANIFEST): string {
  return o(['mediaType', j(mediaType)], ['digest', j(digest)], ['size', j(size)], ...(platform !== undefined ? ([['platform', platform]] as [string, string][]) : []), ...extra);
}

export function indexCases(m: Material): CraftedCase[] {
  const out: CraftedCase[] = [];
  const d1 = digestOf(m.m1);
  const d2 = digestOf(m.m2);
  const e1 = (platform: string | undefined = AMD64, extra: [string, string][] = []) => entry(d1, m.m1.length, platform, extra);
  const e2 = (platform: string | undefined = AMD64, extra: [string, string][] = []) => entry(d2, m.m2.length, platform, extra);
  const add = (name: string, note: string, index: string, contentType = OCI_INDEX, tweak?: (repo: string) => void) => {
    const repo = `crafted/idx-${name.toLowerCase()}`;
    const identity = `${m.reg.host}/${repo}:v1`;
    m.reg.putManifest(repo, 'v1', index, contentType);
    m.reg.putManifest(repo, d1, m.m1, OCI_MANIFEST);
    m.reg.putManifest(repo, d2, m.m2, OCI_MANIFEST);
    const p = signFor(m, identity, d1);
    m.reg.putManifest(repo, sigTag(d1), sigManifest(m, `"layers":[${layer(p)}]`), OCI_MANIFEST);
    tweak?.(repo);
    out.push({ group: 'index', name, note, image: `docker://${identity}`, policy: m.dockerPolicy, registriesD: m.registriesD, expectInstance: true });
  };
  const I = (members: string) => `{"schemaVersion":2,"mediaType":${j(OCI_INDEX)},${members}}`;
  add('control', 'an index whose amd64 instance is signed', I(`"manifests":[${e1()}]`));
  add('row4-Manifests-unsigned', 'issue 19 row 4: a later "Manifests" names the unsigned instance', I(`"manifests":[${e1()}],"Manifests":[${e2()}]`));
  add('element-merge-digest', 'a repeated manifests array merges into the first entry: the digest changes, the platform stays', I(`"manifests":[${e1()}],"manifests":[${o(['digest', j(d2)])}]`));
  add('arm64-unsigned-first', 'the platform decides', I(`"manifests":[${e2(ARM64)},${e1()}]`));
  add('platform-override-merge', 'a later "Platform" merges into the pointer: arm64 becomes amd64', I(`"manifests":[${e2(ARM64, [['Platform', o(['architecture', j('amd64')])]])},${e1()}]`));
  add('Digest-key', 'Digest selects digest', I(`"manifests":[${e1().replace('"digest"', '"Digest"')}]`));
  add('rowG-annotation-number', 'issue 19 row G: an entry annotation that is a number', I(`"manifests":[${e1(AMD64, [['annotations', o(['a', '1'])]])}]`));
  add('rowF-index-with-layers', 'issue 19 row F: an index that also carries "layers"', I(`"manifests":[${e1()}],"layers":[]`));
  add('manifests-string', 'type mismatch: manifests', I(`"manifests":"x"`));
  add('manifests-null', 'no instance at all', I(`"manifests":null`));
  add('platform-null-first', 'an entry without platform is a candidate of last resort', I(`"manifests":[${e2('null')},${e1()}]`));
  add('platform-missing-only', 'only an entry without platform: it is chosen', I(`"manifests":[${e2(undefined)}]`));
  add('zstd-preferred', 'c/image prefers the zstd instance among equals', I(`"manifests":[${e1()},${e2(AMD64, [['annotations', o(['io.github.containers.compression.zstd', j('true')])]])}]`));
  add('rowH-instance-is-index', 'issue 19 row H: the chosen instance is served as an index', I(`"manifests":[${e1()}]`), OCI_INDEX, (repo) => m.reg.putManifest(repo, d1, m.m1, OCI_INDEX));
  add('docker-list', 'a Docker schema 2 list', `{"schemaVersion":2,"mediaType":${j(DOCKER_LIST)},"manifests":[${e1()}]}`, DOCKER_LIST);
  add('docker-list-platform-null', 'Schema2 platform is a struct, not a pointer: null leaves it empty', `{"schemaVersion":2,"mediaType":${j(DOCKER_LIST)},"manifests":[${e2('null')},${e1()}]}`, DOCKER_LIST);
  add('docker-list-Manifests', 'row 4 on a Docker list', `{"schemaVersion":2,"mediaType":${j(DOCKER_LIST)},"manifests":[${e1()}],"MANIFESTS":[${e2()}]}`, DOCKER_LIST);
  add('mediaType-says-list', 'the Content-Type, not the mediaType member, selects the parser', `{"schemaVersion":2,"mediaType":${j(DOCKER_LIST)},"manifests":[${e1()}]}`);
  add('entries-without-mediaType', 'entries without mediaType', I(`"manifests":[${o(['digest', j(d1)], ['size', j(m.m1.length)], ['platform', AMD64])}]`));
  add('platform-os-case', 'platform members by folding: "OS" and "Architecture"', I(`"manifests":[${e1(o(['Architecture', j('amd64')], ['OS', j('linux')]))}]`));
  // Issue 19 row I: a single image served as text/plain is parsed as schema 1 after the policy allowed it.
  for (const [name, ct] of [
    ['rowI-text-plain', 'text/plain'],
    ['application-json', 'application/json'],
  ] as const) {
    const repo = `crafted/single-${name.toLowerCase()}`;
    const identity = `${m.reg.host}/${repo}:v1`;
    m.reg.putManifest(repo, 'v1', m.m1, ct);
    const p = signFor(m, identity, d1);
    m.reg.putManifest(repo, sigTag(d1), sigManifest(m, `"layers":[${layer(p)}]`), OCI_MANIFEST);
    out.push({ group: 'single', name, note: `the manifest served as ${ct}: parsed by type after the policy`, image: `docker://${identity}`, policy: m.dockerPolicy, registriesD: m.registriesD });
  }
  return out;
}

// ------------------------------------------------------------------------------------------ dir: layouts

function blobFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f));
}

function newDir(m: Material, name: string): string {
  const dir = join(m.work, 'dirs', name);
  mkdirSync(dir, { recursive: true });
  for (const src of [m.dirSigned, m.dirUnsigned]) for (const f of blobFiles(src)) copyFileSync(join(src, f), join(dir, f));
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  return dir;
}

const SIGSTORE_JSON_PREFIX = '\x00sigstore-json\n';

function sigstoreJSON(m: Material, manifestDigest: string, body: (payloadB64: string, sig: string) => string): Buffer {
  const payload = m.signer.payload(m.dirIdentity, manifestDigest);
  return Buffer.from(SIGSTORE_JSON_PREFIX + body(payload.toString('base64'), m.signer.sign(payload)));
}

export function dirIndexCases(m: Material): CraftedCase[] {
  const out: CraftedCase[] = [];
  const d1 = digestOf(m.m1);
  const d2 = digestOf(m.m2);
  const add = (name: string, note: string, index: string, tweak?: (dir: string) => void) => {
    const dir = newDir(m, `idx-${name}`);
    writeFileSync(join(dir, 'manifest.json'), index);
    writeFileSync(join(dir, `${d1.slice(7)}.manifest.json`), m.m1);
    writeFileSync(join(dir, `${d2.slice(7)}.manifest.json`), m.m2);
    const good = sigstoreJSON(m, d1, (payload, sig) => j({ mimeType: COSIGN_MT, payload, annotations: { [SIG_ANN]: sig } }));
    writeFileSync(join(dir, `${d1.slice(7)}.signature-1`), good);
    // The top-level manifest's own signature too, so that a case evaluating the list bytes has one to check.
    writeFileSync(join(dir, 'signature-1'), sigstoreJSON(m, digestOf(index), (payload, sig) => j({ mimeType: COSIGN_MT, payload, annotations: { [SIG_ANN]: sig } })));
    tweak?.(dir);
    out.push({ group: 'dir-index', name, note, image: `dir:${dir}`, policy: m.dirPolicy, registriesD: m.registriesD, expectInstance: true });
  };
  const e1 = entry(d1, m.m1.length, AMD64);
  const e2 = entry(d2, m.m2.length, AMD64);
  const I = (members: string) => `{"schemaVersion":2,"mediaType":${j(OCI_INDEX)},${members}}`;
  add('control', 'dir: list, signed amd64 instance', I(`"manifests":[${e1}]`));
  add('row4-Manifests-unsigned', 'issue 19 row 4 on dir:', I(`"manifests":[${e1}],"Manifests":[${e2}]`));
  add('element-merge-digest', 'element merge on dir:', I(`"manifests":[${e1}],"manifests":[${o(['digest', j(d2)])}]`));
  add('no-mediaType', 'issue 16: manifests without mediaType: GuessMIMEType says OCI index', `{"schemaVersion":2,"manifests":[${e1}]}`);
  add('no-mediaType-no-schemaVersion', 'GuessMIMEType says "" without schemaVersion: not a list', `{"manifests":[${e1}]}`);
  add('config-oci-and-manifests', 'GuessMIMEType: an OCI config type wins over manifests', `{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},"manifests":[${e1}]}`);
  add('config-other-and-manifests', 'GuessMIMEType returns the config type (c/image FIXME)', `{"schemaVersion":2,"config":{"mediaType":"application/x-custom"},"manifests":[${e1}]}`);
  add('rowF-layers', 'ambiguous index on dir:', I(`"manifests":[${e1}],"layers":[]`));
  add('rowG-annotation-number', 'annotation type error on dir:', I(`"manifests":[${entry(d1, m.m1.length, AMD64, [['annotations', o(['a', 'true'])]])}]`));
  add('rowH-instance-is-index', 'the instance file is itself an index', I(`"manifests":[${e1}]`), (dir) => {
    const nested = I(`"manifests":[${e2}]`);
    const nd = digestOf(nested);
    writeFileSync(join(dir, 'manifest.json'), I(`"manifests":[${entry(nd, nested.length, AMD64, [], OCI_INDEX)}]`));
    writeFileSync(join(dir, `${nd.slice(7)}.manifest.json`), nested);
  });
  add('instance-digest-mismatch', 'the instance file does not hash to its entry', I(`"manifests":[${e1}]`), (dir) => writeFileSync(join(dir, `${d1.slice(7)}.manifest.json`), m.m2));
  return out;
}

export function sigstoreJSONCases(m: Material): CraftedCase[] {
  const out: CraftedCase[] = [];
  const d1 = digestOf(m.m1);
  const add = (name: string, note: string, body: (payload: string, sig: string) => string, raw?: (blob: Buffer) => Buffer) => {
    const dir = newDir(m, `sj-${name}`);
    writeFileSync(join(dir, 'manifest.json'), m.m1);
    const blob = sigstoreJSON(m, d1, body);
    writeFileSync(join(dir, 'signature-1'), raw ? raw(blob) : blob);
    out.push({ group: 'sigstore-json', name, note, image: `dir:${dir}`, policy: m.dirPolicy, registriesD: m.registriesD });
  };
  const ann = (sig: string) => o([SIG_ANN, j(sig)]);
  add('control', 'a sigstore-json signature file', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', ann(s)]));
  add('row5-MimeType-dsse', 'issue 19 row 5: a later "MimeType" makes it a non-signature', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', ann(s)], ['MimeType', j(DSSE_MT)]));
  add('wrong-deny-payload-newlines', 'issue 19 wrong deny: \\n inside the base64 payload (Go skips CR/LF)', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p.replace(/(.{60})/g, '$1\n'))], ['annotations', ann(s)]));
  add('payload-crlf', 'CR/LF inside the payload', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p.replace(/(.{40})/g, '$1\r\n'))], ['annotations', ann(s)]));
  add('payload-urlsafe', 'the base64url alphabet in a []byte', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p.replace(/\+/g, '-').replace(/\//g, '_'))], ['annotations', ann(s)]));
  add('payload-unpadded', 'missing padding', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p.replace(/=+$/, '') || p + 'A')], ['annotations', ann(s)]));
  add('payload-space', 'a space inside base64', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p.slice(0, 8) + ' ' + p.slice(8))], ['annotations', ann(s)]));
  add('payload-extra-padding', 'one = too many', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p + '=')], ['annotations', ann(s)]));
  add('payload-byte-array', 'a []byte also decodes from an array of numbers', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j([...Buffer.from(p, 'base64')])], ['annotations', ann(s)]));
  add('payload-number', 'type mismatch: payload', (_p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', '5'], ['annotations', ann(s)]));
  add('payload-null', 'null payload: empty bytes', (_p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', 'null'], ['annotations', ann(s)]));
  add('PAYLOAD-key', 'PAYLOAD selects payload', (p, s) => o(['mimeType', j(COSIGN_MT)], ['PAYLOAD', j(p)], ['annotations', ann(s)]));
  add('annotations-merge', 'annotation maps merge', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', ann(s)], ['annotations', o(['x', j('y')])]));
  add('Annotations-bad', 'a later Annotations replaces the signature', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', ann(s)], ['Annotations', ann(BAD_B64)]));
  add('top-level-array', 'not an object', () => '[]');
  add('mimeType-number', 'type mismatch: mimeType', (p, s) => o(['mimeType', '5'], ['payload', j(p)], ['annotations', ann(s)]));
  add('trailing-garbage', 'syntax over the whole blob', (p, s) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', ann(s)]) + ' x');
  add('payload-escaped-newline', 'a \\u000a escape inside the payload string', (p, s) => `{"mimeType":${j(COSIGN_MT)},"payload":"${p.slice(0, 20)}\\u000a${p.slice(20)}","annotations":${ann(s)}}`);
  add('annotation-null-value', 'a null annotation value is ""', (p) => o(['mimeType', j(COSIGN_MT)], ['payload', j(p)], ['annotations', o([SIG_ANN, 'null'])]));
  add('mimeType-empty', 'no mimeType: a non-signature attachment', (p, s) => o(['payload', j(p)], ['annotations', ann(s)]));
  return out;
}

// ------------------------------------------------------------------------------------------ schema 1 (libtrust)

interface JWSVariant {
  /** The JSON value of `signatures` (or a replacement of the whole member list). */
  signatures?: (blocks: { good: string; block: (o2: BlockOptions) => string }) => string;
  /** Other members after `signatures`. */
  after?: string;
  /** A different key for the signatures member. */
  key?: string;
}

interface BlockOptions {
  protectedJSON?: string;
  protectedEncode?: (s: string) => string;
  tail?: Buffer;
  tailEncode?: (b: Buffer) => string;
  formatLength?: string;
  header?: string;
  jwk?: string;
}

export function schema1Cases(m: Material): CraftedCase[] {
  const out: CraftedCase[] = [];
  const layerDigest = (JSON.parse(m.m1.toString()) as { layers: { digest: string }[] }).layers[0]!.digest;
  const id = sha256hex('crafted schema 1 layer id');
  const makeBody = (v1: string) =>
    JSON.stringify(
      { schemaVersion: 1, name: 'crafted/schema1', tag: 'v1', architecture: 'amd64', fsLayers: [{ blobSum: layerDigest }], history: [{ v1Compatibility: v1 }] },
      null,
      3,
    );
  const defaultV1 = JSON.stringify({ id, created: '2026-01-01T00:00:00Z', container_config: { Cmd: [] } });
  // libtrust: formatLength ends before the last "\n}", which is the tail.
  const formatLength = makeBody(defaultV1).lastIndexOf('\n}');
  const defaultTail = Buffer.from('\n}');
  const add = (name: string, note: string, v: JWSVariant & { digestTail?: Buffer; v1?: string }) => {
    const dir = newDir(m, `s1-${name}`);
    const body = makeBody(v.v1 ?? defaultV1);
    const content = body.slice(0, body.lastIndexOf('\n}'));
    const jwk = m.signer.jwk();
    const block = (opt: BlockOptions): string => {
      const tail = opt.tail ?? defaultTail;
      const tailText = (opt.tailEncode ?? ((b: Buffer) => b.toString('base64url')))(tail);
      const protectedJSON = opt.protectedJSON ?? `{"formatLength":${opt.formatLength ?? content.length},"formatTail":${j(tailText)},"time":"2026-01-01T00:00:00Z"}`;
      const prot = (opt.protectedEncode ?? ((s: string) => Buffer.from(s).toString('base64url')))(protectedJSON);
      const signature = m.signer.signJWS(Buffer.from(`${prot}.${Buffer.from(content + tail.toString('latin1'), 'latin1').toString('base64url')}`));
      const header = opt.header ?? o(['jwk', opt.jwk ?? j(jwk)], ['alg', j('ES256')]);
      return o(['header', header], ['signature', j(signature)], ['protected', j(prot)]);
    };
    const sigs = v.signatures ? v.signatures({ good: block({}), block }) : `[${block({})}]`;
    const manifest = `${content},\n   ${j(v.key ?? 'signatures')}: ${sigs}${v.after ?? ''}${defaultTail.toString()}`;
    writeFileSync(join(dir, 'manifest.json'), manifest);
    // What a correct libtrust digests: content[:formatLength] + tail.
    const digested = Buffer.concat([Buffer.from(content), v.digestTail ?? defaultTail]);
    const sig = sigstoreJSON(m, digestOf(digested), (p, s) => j({ mimeType: COSIGN_MT, payload: p, annotations: { [SIG_ANN]: s } }));
    writeFileSync(join(dir, 'signature-1'), sig);
    out.push({ group: 'schema1', name, note, image: `dir:${dir}`, policy: m.dirPolicy, registriesD: m.registriesD });
  };
  const tailPlusSlash = Buffer.concat([defaultTail, Buffer.from([0xfb, 0xef, 0xff, 0xfe])]);
  const std = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  add('control', 'a signed schema-1 manifest, digested as libtrust does', {});
  add('tail-urlsafe-chars', 'a formatTail whose base64url has - and _', { signatures: ({ block }) => `[${block({ tail: tailPlusSlash })}]`, digestTail: tailPlusSlash });
  add('row6-tail-std-alphabet', 'issue 19 row 6: formatTail in the standard alphabet (+ /)', { signatures: ({ block }) => `[${block({ tail: tailPlusSlash, tailEncode: std })}]`, digestTail: tailPlusSlash });
  add('protected-std-alphabet', 'protected header in the standard alphabet', {
    signatures: ({ block }) => `[${block({ protectedJSON: `{"formatLength":${formatLength},"formatTail":${j(defaultTail.toString('base64url'))},"x":"~~~???~~~"}`, protectedEncode: (s) => std(Buffer.from(s)) })}]`,
  });
  add('protected-padded', 'protected header with = padding (length a multiple of 4)', { signatures: ({ block }) => `[${block({ protectedEncode: (s) => Buffer.from(s).toString('base64') .replace(/\+/g, '-').replace(/\//g, '_') })}]` });
  add('tail-len-mod-4-is-1', 'joseBase64UrlDecode refuses len % 4 == 1', { signatures: ({ block }) => `[${block({ tailEncode: (b) => b.toString('base64url') + 'AB' })}]` });
  add('row7-jwk-x-one-octet', 'issue 19 row 7: a JWK x coordinate of 1 octet', { signatures: ({ block }) => `[${block({ jwk: o(['kty', j('EC')], ['crv', j('P-256')], ['x', j('AA')], ['y', j('AA')]) })}]` });
  add('jwk-curve-unknown', 'an unsupported curve', { signatures: ({ block }) => `[${block({ jwk: o(['kty', j('EC')], ['crv', j('P-999')], ['x', j('AA')], ['y', j('AA')]) })}]` });
  add('jwk-kty-oct', 'an unsupported key type', { signatures: ({ block }) => `[${block({ jwk: o(['kty', j('oct')], ['k', j('AA')]) })}]` });
  add('header-without-jwk', 'no key at all: nothing to parse', { signatures: ({ block }) => `[${block({ header: o(['alg', j('ES256')]) })}]` });
  add('jwk-null', 'jwk: null is a RawMessage "null"', { signatures: ({ block }) => `[${block({ jwk: 'null' })}]` });
  add('jwk-kid-wrong', 'a kid that is not the key ID', { signatures: ({ block }) => `[${block({ jwk: j({ ...m.signer.jwk(), kid: 'AAAA:BBBB' }) })}]` });
  add('jwk-kid-right', 'a kid that is the libtrust key ID', {
    signatures: ({ block }) => {
      const k = m.signer.jwk();
      const der = createPublicKey({ key: k, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      return `[${block({ jwk: j({ ...k, kid: libtrustKeyID(der) }) })}]`;
    },
  });
  add('conflicting-format-length', 'two blocks that disagree', { signatures: ({ good, block }) => `[${good},${block({ formatLength: String(formatLength - 1) })}]` });
  add('signatures-empty', 'signatures: [] digests the empty payload', { signatures: () => '[]' });
  add('Signatures-capital', 'GuessMIMEType folds, libtrust does not: missing signature key', { key: 'Signatures' });
  add('signatures-null', 'signatures: null is unsigned schema 1', { signatures: () => 'null' });
  add('formatLength-fraction', 'formatLength 10.5 truncates like Go int(float64)', { signatures: ({ block }) => `[${block({ formatLength: `${formatLength}.9` })}]` });
  add('formatLength-huge', 'formatLength beyond the document', { signatures: ({ block }) => `[${block({ formatLength: '99999999' })}]` });
  add('formatLength-string', 'formatLength as a string is missing', { signatures: ({ block }) => `[${block({ formatLength: '"5"' })}]` });
  add('protected-not-json', 'a protected header that is not JSON', { signatures: ({ block }) => `[${block({ protectedJSON: 'nope' })}]` });
  add('alg-number', 'type mismatch inside a JWS block', { signatures: ({ block }) => `[${block({ header: o(['alg', '5']) })}]` });
  add('jwk-x-std-alphabet', 'a coordinate in the standard alphabet', {
    signatures: ({ block }) => {
      const k = m.signer.jwk();
      const x = /[-_]/.test(k.x) ? k.x.replace(/-/g, '+').replace(/_/g, '/') : k.x.slice(0, -1) + '+';
      return `[${block({ jwk: j({ ...k, x }) })}]`;
    },
  });
  add('jwk-x-padded', 'a coordinate with = padding', { signatures: ({ block }) => `[${block({ jwk: j({ ...m.signer.jwk(), x: m.signer.jwk().x + '=' }) })}]` });
  add('signatures-duplicate-member', 'the last "signatures" member is the one libtrust reads', {
    signatures: ({ good, block }) => `[${block({ protectedJSON: 'nope' })}],\n   "signatures": [${good}]`,
  });
  add('history-id-invalid', 'after the policy: Schema1FromManifest refuses a v1 id that is not 64 hex', { v1: JSON.stringify({ id: 'xyz' }) });
  add('history-not-json', 'after the policy: a v1Compatibility that is not JSON', { v1: 'nope' });
  add('history-base-parent', 'after the policy: the base layer has a parent', { v1: JSON.stringify({ id, parent: id }) });
  add('history-id-type', 'after the policy: a v1 id that is a number', { v1: '{"id":5}' });
  add('SchemaVersion-2-later', 'a later SchemaVersion 2 makes it not schema 1', { after: ',\n   "SchemaVersion": 2' });
  return out;
}
