// signedIdentity matchers, table-driven after containers/image's policy_reference_match_test.go. Images are
// mocks whose Docker reference is parsed without `:latest` defaulting (as upstream's refImageMock), so that the
// name-only and tag+digest cases can be exercised; a few rows use real parsed image references.
import { describe, expect, test } from '@jest/globals';

import { describeMatch, matchesDockerReference, remapReference } from '../../../src/policy/identity.js';
import type { PolicyReferenceMatch } from '../../../src/policy/types.js';
import {
  parseDockerReference,
  parseImageReference,
  type DockerReference,
  type ImageReference,
} from '../../../src/reference/index.js';

const D = '@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const D2 = '@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const RHEL = 'registry.access.redhat.com/rhel7/rhel:7.2.3';
const RHEL_UNTAGGED = 'registry.access.redhat.com/rhel7/rhel';

/** An image whose DockerReference is exactly `s` normalised (no default tag), or has none when `s` is null. */
function image(s: string | null): ImageReference {
  let ref: DockerReference | null = null;
  if (s !== null) {
    try {
      ref = parseDockerReference(s);
    } catch {
      // An unparsable image name cannot exist; rows with such names test the signed side only.
      ref = null;
    }
  }
  return {
    transport: 'docker',
    stringWithinTransport: () => (ref === null ? '== no Docker support' : `//${ref.familiar()}`),
    toString: () => (ref === null ? 'mock:== no Docker support' : `docker://${ref.familiar()}`),
    dockerReference: () => ref,
    policyConfigurationIdentity: () => '',
    policyConfigurationNamespaces: () => [],
  };
}

const matchExact: PolicyReferenceMatch = { type: 'matchExact' };
const matchRepoDigestOrExact: PolicyReferenceMatch = { type: 'matchRepoDigestOrExact' };
const matchRepository: PolicyReferenceMatch = { type: 'matchRepository' };
const exactReference = (dockerReference: string): PolicyReferenceMatch => ({ type: 'exactReference', dockerReference });
const exactRepository = (dockerRepository: string): PolicyReferenceMatch => ({ type: 'exactRepository', dockerRepository });
const remap = (prefix: string, signedPrefix: string): PolicyReferenceMatch => ({ type: 'remapIdentity', prefix, signedPrefix });

interface Row {
  name: string;
  match: PolicyReferenceMatch;
  /** The image's Docker reference (mock), or null for an image without one. */
  image: string | null;
  signed: string;
  result: boolean;
}

const rows: Row[] = [
  // --- matchExact
  { name: 'matchExact: same tag, short vs. qualified', match: matchExact, image: 'busybox:latest', signed: 'docker.io/library/busybox:latest', result: true },
  { name: 'matchExact: identical RHEL', match: matchExact, image: RHEL, signed: RHEL, result: true },
  { name: 'matchExact: library/ is canonicalised', match: matchExact, image: 'library/busybox:latest', signed: 'busybox:latest', result: true },
  { name: 'matchExact: same digest', match: matchExact, image: `busybox${D}`, signed: `busybox${D}`, result: true },
  { name: 'matchExact: other tag', match: matchExact, image: 'busybox:latest', signed: 'busybox:notlatest', result: false },
  { name: 'matchExact: other repository', match: matchExact, image: 'busybox:latest', signed: 'notbusybox:latest', result: false },
  { name: 'matchExact: other host', match: matchExact, image: 'hostname/library/busybox:latest', signed: 'busybox:notlatest', result: false },
  { name: 'matchExact: tag vs. digest', match: matchExact, image: 'busybox:latest', signed: `busybox${D}`, result: false },
  { name: 'matchExact: other digest', match: matchExact, image: `busybox${D}`, signed: `busybox${D2}`, result: false },
  { name: 'matchExact: name-only image', match: matchExact, image: 'busybox', signed: 'busybox:latest', result: false },
  { name: 'matchExact: name-only both sides', match: matchExact, image: 'busybox', signed: 'busybox', result: false },
  { name: 'matchExact: tag+digest both equal', match: matchExact, image: `busybox:latest${D}`, signed: `busybox:latest${D}`, result: true },
  { name: 'matchExact: tag+digest, other digest', match: matchExact, image: `busybox:latest${D}`, signed: `busybox:latest${D2}`, result: false },
  { name: 'matchExact: tag+digest vs. digest only', match: matchExact, image: `busybox:latest${D}`, signed: `busybox${D}`, result: false },
  { name: 'matchExact: invalid signed reference', match: matchExact, image: 'busybox:latest', signed: 'UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES', result: false },
  { name: 'matchExact: empty signed reference', match: matchExact, image: 'busybox:latest', signed: '', result: false },
  { name: 'matchExact: image without Docker identity', match: matchExact, image: null, signed: 'busybox:latest', result: false },

  // --- matchRepoDigestOrExact (the default)
  { name: 'matchRepoDigestOrExact: same tag', match: matchRepoDigestOrExact, image: 'busybox:latest', signed: 'busybox:latest', result: true },
  { name: 'matchRepoDigestOrExact: other tag', match: matchRepoDigestOrExact, image: 'busybox:latest', signed: 'busybox:notlatest', result: false },
  { name: 'matchRepoDigestOrExact: RHEL tag suffix', match: matchRepoDigestOrExact, image: `${RHEL}tagsuffix`, signed: RHEL, result: false },
  { name: 'matchRepoDigestOrExact: tagged image, untagged signature', match: matchRepoDigestOrExact, image: 'busybox:latest', signed: 'busybox', result: false },
  { name: 'matchRepoDigestOrExact: tagged image, digest signature', match: matchRepoDigestOrExact, image: 'busybox:latest', signed: `busybox${D}`, result: false },
  { name: 'matchRepoDigestOrExact: digest image accepts a tag signature', match: matchRepoDigestOrExact, image: `busybox${D}`, signed: 'busybox:latest', result: true },
  { name: 'matchRepoDigestOrExact: digest image accepts another digest', match: matchRepoDigestOrExact, image: `busybox${D}`, signed: `busybox${D2}`, result: true },
  { name: 'matchRepoDigestOrExact: digest image, untagged signature', match: matchRepoDigestOrExact, image: `busybox${D}`, signed: 'busybox', result: false },
  { name: 'matchRepoDigestOrExact: digest image, other repository', match: matchRepoDigestOrExact, image: `busybox${D}`, signed: 'notbusybox:latest', result: false },
  { name: 'matchRepoDigestOrExact: name-only image', match: matchRepoDigestOrExact, image: 'busybox', signed: 'busybox:latest', result: false },
  { name: 'matchRepoDigestOrExact: RHEL untagged signature', match: matchRepoDigestOrExact, image: RHEL, signed: RHEL_UNTAGGED, result: false },
  { name: 'matchRepoDigestOrExact: tag+digest image needs both', match: matchRepoDigestOrExact, image: `busybox:latest${D}`, signed: 'busybox:latest', result: false },
  { name: 'matchRepoDigestOrExact: tag+digest image, exact signature', match: matchRepoDigestOrExact, image: `busybox:latest${D}`, signed: `busybox:latest${D}`, result: true },
  { name: 'matchRepoDigestOrExact: tagged image, tag+digest signature', match: matchRepoDigestOrExact, image: 'busybox:latest', signed: `busybox:latest${D}`, result: false },
  { name: 'matchRepoDigestOrExact: cosign payload without tag is rejected', match: matchRepoDigestOrExact, image: '192.168.64.2:5000/cosign-signed-single-sample:latest', signed: '192.168.64.2:5000/cosign-signed-single-sample', result: false },
  { name: 'matchRepoDigestOrExact: image without Docker identity', match: matchRepoDigestOrExact, image: null, signed: 'busybox:latest', result: false },

  // --- matchRepository
  { name: 'matchRepository: other tag', match: matchRepository, image: 'busybox:latest', signed: 'busybox:notlatest', result: true },
  { name: 'matchRepository: name-only image', match: matchRepository, image: 'busybox', signed: 'busybox:notlatest', result: true },
  { name: 'matchRepository: name-only both', match: matchRepository, image: 'docker.io/library/busybox', signed: 'busybox', result: true },
  { name: 'matchRepository: different digests', match: matchRepository, image: `busybox${D}`, signed: `busybox${D2}`, result: true },
  { name: 'matchRepository: tag+digest vs. tag', match: matchRepository, image: `busybox:latest${D}`, signed: 'busybox:latest', result: true },
  { name: 'matchRepository: cosign payload without tag is accepted', match: matchRepository, image: '192.168.64.2:5000/cosign-signed-single-sample:latest', signed: '192.168.64.2:5000/cosign-signed-single-sample', result: true },
  { name: 'matchRepository: other host', match: matchRepository, image: 'hostname/library/busybox:latest', signed: 'busybox:notlatest', result: false },
  { name: 'matchRepository: other repository', match: matchRepository, image: 'busybox:latest', signed: RHEL, result: false },
  { name: 'matchRepository: invalid signed reference', match: matchRepository, image: 'busybox:latest', signed: 'INVALID', result: false },
  { name: 'matchRepository: image without Docker identity', match: matchRepository, image: null, signed: 'busybox', result: false },

  // --- exactReference (the image's own name is ignored)
  { name: 'exactReference: equal, image irrelevant', match: exactReference('busybox:latest'), image: 'quay.io/other/thing:1', signed: 'docker.io/library/busybox:latest', result: true },
  { name: 'exactReference: works for images without Docker identity', match: exactReference('busybox:latest'), image: null, signed: 'busybox:latest', result: true },
  { name: 'exactReference: other tag', match: exactReference('busybox:latest'), image: 'busybox:latest', signed: 'busybox:notlatest', result: false },
  { name: 'exactReference: untagged signature', match: exactReference(RHEL), image: null, signed: RHEL_UNTAGGED, result: false },
  { name: 'exactReference: digest', match: exactReference(`busybox${D}`), image: null, signed: `busybox${D}`, result: true },
  { name: 'exactReference: name-only configured value never matches', match: exactReference('busybox'), image: null, signed: 'busybox', result: false },
  { name: 'exactReference: invalid configured value never matches', match: exactReference('INVALID'), image: null, signed: 'INVALID', result: false },

  // --- exactRepository
  { name: 'exactRepository: any tag', match: exactRepository('busybox'), image: null, signed: 'busybox:notlatest', result: true },
  { name: 'exactRepository: configured tag is ignored', match: exactRepository('busybox:latest'), image: null, signed: `busybox${D}`, result: true },
  { name: 'exactRepository: image name irrelevant', match: exactRepository(RHEL_UNTAGGED), image: 'busybox:latest', signed: RHEL, result: true },
  { name: 'exactRepository: other repository', match: exactRepository('busybox'), image: 'busybox:latest', signed: 'notbusybox:latest', result: false },
  { name: 'exactRepository: invalid signed reference', match: exactRepository('busybox'), image: null, signed: 'INVALID', result: false },

  // --- remapIdentity
  { name: 'remapIdentity: prefix does not match, plain comparison', match: remap('does-not-match.com', 'does-not-match.rewritten'), image: 'busybox:latest', signed: 'busybox:latest', result: true },
  { name: 'remapIdentity: prefix does not match, other repo', match: remap('does-not-match.com', 'does-not-match.rewritten'), image: 'busybox:latest', signed: 'notbusybox:latest', result: false },
  { name: 'remapIdentity: mirror rewritten to public', match: remap('mirror.example', 'public.com'), image: 'mirror.example/busybox:1', signed: 'public.com/busybox:1', result: true },
  { name: 'remapIdentity: rewritten, tag still compared', match: remap('mirror.example', 'public.com'), image: 'mirror.example/busybox:1', signed: 'public.com/busybox:not1', result: false },
  { name: 'remapIdentity: mirror rewritten to docker.io/library', match: remap('mirror.example', 'docker.io/library'), image: 'mirror.example/busybox:latest', signed: 'busybox:latest', result: true },
  { name: 'remapIdentity: rewritten to docker.io, other repo', match: remap('mirror.example', 'docker.io/library'), image: 'mirror.example/alpine:latest', signed: 'busybox:latest', result: false },
  { name: 'remapIdentity: from docker.io/library', match: remap('docker.io/library', 'original.com'), image: 'copied:latest', signed: 'original.com/copied:latest', result: true },
  { name: 'remapIdentity: from docker.io/library, namespace differs', match: remap('docker.io/library', 'original.com'), image: 'copied:latest', signed: 'original.com/ns/copied:latest', result: false },
  { name: 'remapIdentity: docker.io keeps library/ in the rewrite', match: remap('docker.io', 'not-docker-signed.example'), image: 'busybox:latest', signed: 'not-docker-signed.example/library/busybox:latest', result: true },
  { name: 'remapIdentity: original name no longer accepted after rewrite', match: remap('mirror.example', 'vendor.example'), image: 'mirror.example/ns/image:tag', signed: 'mirror.example/ns/image:tag', result: false },
  { name: 'remapIdentity: prefix is not a host (busybox)', match: remap('busybox', 'example.com/busybox'), image: 'busybox:latest', signed: 'example.com/busybox:latest', result: false },
  { name: 'remapIdentity: signedPrefix is a short name, rewrite fails', match: remap('docker.io/library/busybox', 'busybox'), image: 'docker.io/library/busybox:latest', signed: 'busybox:latest', result: false },
  { name: 'remapIdentity: UPPERCASE prefix happens to pass through', match: remap('UPPERCASE', 'example.com'), image: 'example.com/foo:latest', signed: 'example.com/foo:latest', result: true },
  { name: 'remapIdentity: UPPERCASE signedPrefix gives an invalid rewrite', match: remap('example.com', 'UPPERCASE'), image: 'example.com/foo:latest', signed: 'UPPERCASE/foo:latest', result: false },
  { name: 'remapIdentity: host:port:tag rewrite never matches', match: remap('mirror.example/ns/image', 'vendor.example:5000'), image: 'mirror.example/ns/image:tag', signed: 'vendor.example:5000:tag', result: false },
  { name: 'remapIdentity: short-name rewrite never matches', match: remap('mirror.example/ns/image', 'notlocalhost'), image: 'mirror.example/ns/image:tag', signed: 'notlocalhost:tag', result: false },
  { name: 'remapIdentity: digest image, any tag of the rewritten repo', match: remap('mirror.example', 'vendor.example'), image: `mirror.example/ns/image${D}`, signed: 'vendor.example/ns/image:v1', result: true },
  { name: 'remapIdentity: prefix example.com does not match example.com:5000', match: remap('example.com', 'vendor.example'), image: 'example.com:5000/image:tag', signed: 'example.com:5000/image:tag', result: true },
  { name: 'remapIdentity: prefix example.com does not match prefixexample.com', match: remap('example.com', 'vendor.example'), image: 'prefixexample.com/x:tag', signed: 'vendor.example/x:tag', result: false },
  { name: 'remapIdentity: docker.io/library does not match libraryy', match: remap('docker.io/library', 'vendor.example'), image: 'docker.io/libraryy/image:tag', signed: 'vendor.example/image:tag', result: false },
  { name: 'remapIdentity: image without Docker identity', match: remap('docker.io', 'docker.io'), image: null, signed: '', result: false },
];

describe('matchesDockerReference', () => {
  test.each(rows)('$name', (row) => {
    expect(matchesDockerReference(row.match, image(row.image), row.signed)).toBe(row.result);
  });
});

describe('matchesDockerReference with real image references', () => {
  const real: { name: string; match: PolicyReferenceMatch; input: string; signed: string; result: boolean }[] = [
    { name: 'docker: short name gets :latest before matching', match: matchRepoDigestOrExact, input: 'busybox', signed: 'docker.io/library/busybox:latest', result: true },
    { name: 'docker: matchExact on defaulted tag', match: matchExact, input: 'docker://busybox', signed: 'busybox:latest', result: true },
    { name: 'docker: digest reference with repoDigestOrExact', match: matchRepoDigestOrExact, input: `quay.io/a/b${D}`, signed: 'quay.io/a/b:v1', result: true },
    { name: 'dir: never matches image-relative rules', match: matchRepository, input: 'dir:/nonexistent-imgpolicy/x', signed: 'busybox:latest', result: false },
    { name: 'dir: exactRepository still works', match: exactRepository('busybox'), input: 'dir:/nonexistent-imgpolicy/x', signed: 'busybox:latest', result: true },
  ];
  test.each(real)('$name', (row) => {
    const ref = parseImageReference(row.input, { resolveSymlinks: false });
    expect(matchesDockerReference(row.match, ref, row.signed)).toBe(row.result);
  });
});

describe('remapReference (upstream TestPRMRemapIdentityRemapReferencePrefix)', () => {
  const remapRows: { name: string; prefix: string; signedPrefix: string; ref: string; expected: string | null }[] = [
    { name: 'non-matching host left alone', prefix: 'mirror.example', signedPrefix: 'vendor.example', ref: 'different.com/ns/image:tag', expected: 'different.com/ns/image:tag' },
    { name: 'non-matching namespace left alone', prefix: 'mirror.example/ns', signedPrefix: 'vendor.example/vendor-ns', ref: 'mirror.example/different-ns/image:tag', expected: 'mirror.example/different-ns/image:tag' },
    { name: 'docker.io to a namespace keeps library/', prefix: 'docker.io', signedPrefix: 'not-docker-signed.example/ns', ref: 'busybox', expected: 'not-docker-signed.example/ns/library/busybox' },
    { name: 'host rewrite', prefix: 'mirror.example', signedPrefix: 'vendor.example', ref: 'mirror.example/ns/image:tag', expected: 'vendor.example/ns/image:tag' },
    { name: 'namespace rewrite', prefix: 'example.com/mirror', signedPrefix: 'example.com/vendor', ref: 'example.com/mirror/image:tag', expected: 'example.com/vendor/image:tag' },
    { name: 'whole repository rewrite', prefix: 'example.com/ns/mirror', signedPrefix: 'example.com/ns/vendor', ref: 'example.com/ns/mirror:tag', expected: 'example.com/ns/vendor:tag' },
    { name: 'prefixmirror.example is not under mirror.example', prefix: 'mirror.example', signedPrefix: 'vendor.example', ref: 'prefixmirror.example/ns/image:tag', expected: 'prefixmirror.example/ns/image:tag' },
    { name: 'docker.io/library to a namespace', prefix: 'docker.io/library', signedPrefix: 'not-docker-signed.example/ns', ref: 'busybox', expected: 'not-docker-signed.example/ns/busybox' },
    { name: 'repository to another repository', prefix: 'docker.io/library/busybox', signedPrefix: 'not-docker-signed.example/ns/notbusybox', ref: 'busybox', expected: 'not-docker-signed.example/ns/notbusybox' },
    { name: 'digest preserved', prefix: 'mirror.example', signedPrefix: 'vendor.example', ref: `mirror.example/image${D}`, expected: `vendor.example/image${D}` },
    { name: 'tag and digest preserved', prefix: 'mirror.example', signedPrefix: 'vendor.example', ref: `mirror.example/image:tag${D}`, expected: `vendor.example/image:tag${D}` },
    { name: 'invalid result: host:port:tag', prefix: 'mirror.example/ns/image', signedPrefix: 'vendor.example:5000', ref: 'mirror.example/ns/image:tag', expected: null },
    { name: 'non-canonical result: host:port@digest', prefix: 'mirror.example/ns/image', signedPrefix: 'vendor.example:5000', ref: `mirror.example/ns/image${D}`, expected: null },
    { name: 'non-canonical result: short name', prefix: 'mirror.example/ns/image', signedPrefix: 'notlocalhost', ref: 'mirror.example/ns/image:tag', expected: null },
  ];
  test.each(remapRows)('$name', (row) => {
    const result = remapReference(
      { type: 'remapIdentity', prefix: row.prefix, signedPrefix: row.signedPrefix },
      parseDockerReference(row.ref),
    );
    if (row.expected === null) {
      expect(result.kind).toBe('invalid');
    } else {
      expect(result.kind).not.toBe('invalid');
      if (result.kind !== 'invalid') expect(result.ref.toString()).toBe(row.expected);
    }
  });
});

describe('describeMatch', () => {
  const busybox = parseImageReference('busybox', { resolveSymlinks: false });
  const digested = parseImageReference(`quay.io/a/b${D}`, { resolveSymlinks: false });
  const dir = parseImageReference('dir:/nonexistent-imgpolicy/x', { resolveSymlinks: false });
  const describeRows: { name: string; match: PolicyReferenceMatch; image?: ImageReference; text: string }[] = [
    { name: 'repoDigestOrExact, tagged', match: matchRepoDigestOrExact, image: busybox, text: 'matchRepoDigestOrExact: the signature must name docker.io/library/busybox:latest' },
    { name: 'repoDigestOrExact, digested', match: matchRepoDigestOrExact, image: digested, text: 'matchRepoDigestOrExact: the signature must name repository quay.io/a/b with any tag or digest' },
    { name: 'matchExact', match: matchExact, image: busybox, text: 'matchExact: the signature must name exactly docker.io/library/busybox:latest' },
    { name: 'matchRepository', match: matchRepository, image: busybox, text: 'matchRepository: the signature must name repository docker.io/library/busybox (any tag or digest)' },
    { name: 'no docker identity', match: matchRepository, image: dir, text: 'matchRepository: no signature can match: dir:/nonexistent-imgpolicy/x has no Docker reference identity' },
    { name: 'exactReference', match: exactReference('busybox:1'), text: 'exactReference: the signature must name exactly docker.io/library/busybox:1 (whatever the image is called)' },
    { name: 'exactRepository', match: exactRepository('busybox:1'), text: 'exactRepository: the signature must name repository docker.io/library/busybox (any tag or digest, whatever the image is called)' },
    {
      name: 'remapIdentity rewritten',
      match: remap('docker.io/library', 'not-docker-signed.example/ns'),
      image: busybox,
      text: 'remapIdentity "docker.io/library" → "not-docker-signed.example/ns": docker.io/library/busybox:latest is rewritten to not-docker-signed.example/ns/busybox:latest; the signature must name not-docker-signed.example/ns/busybox:latest',
    },
    {
      name: 'remapIdentity not applicable',
      match: remap('mirror.example', 'vendor.example'),
      image: busybox,
      text: 'remapIdentity "mirror.example" → "vendor.example": prefix does not apply to docker.io/library/busybox; the signature must name docker.io/library/busybox:latest',
    },
  ];
  test.each(describeRows)('$name', (row) => {
    expect(describeMatch(row.match, row.image)).toBe(row.text);
  });
  test('remapIdentity invalid rewrite mentions the failure', () => {
    const img = parseImageReference('mirror.example/ns/image:tag', { resolveSymlinks: false });
    expect(describeMatch(remap('mirror.example/ns/image', 'notlocalhost'), img)).toContain(
      'error rewriting reference from "mirror.example/ns/image:tag" to "notlocalhost:tag": repository name must be canonical',
    );
  });
  test('every type has a generic description', () => {
    for (const m of [matchExact, matchRepoDigestOrExact, matchRepository, remap('a.com', 'b.com')]) {
      expect(describeMatch(m)).toMatch(new RegExp(`^${m.type}`));
    }
  });
});
