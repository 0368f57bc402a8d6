// Table-driven tests of per-transport policy identities, namespaces (the scope candidates, most specific first),
// ImageName strings and scope validation, after containers/image's *_transport_test.go and policy_eval_test.go.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import {
  ReferenceParseError,
  cleanPath,
  isKnownTransport,
  parseImageReference,
  policyScopeError,
  validatePolicyScope,
  type ParseImageReferenceOptions,
} from '../../../src/reference/index.js';

const HEX = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const HEX2 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const D = `sha256:${HEX}`;
const STORE = '[overlay@/var/lib/containers/storage]';

interface ScopeRow {
  name: string;
  input: string;
  transport: string;
  string: string;
  identity: string;
  namespaces: string[];
  dockerReference: string | null;
}

// Inputs without file-system dependence.
const scopeRows: ScopeRow[] = [
  {
    name: 'spec §3.2 worked example: host:port with nested namespaces',
    input: 'docker://my.registry.example.com:5000/ns1/ns2/repo:tag',
    transport: 'docker',
    string: 'docker://my.registry.example.com:5000/ns1/ns2/repo:tag',
    identity: 'my.registry.example.com:5000/ns1/ns2/repo:tag',
    namespaces: [
      'my.registry.example.com:5000/ns1/ns2/repo',
      'my.registry.example.com:5000/ns1/ns2',
      'my.registry.example.com:5000/ns1',
      'my.registry.example.com:5000',
      '*.registry.example.com',
      '*.example.com',
      '*.com',
    ],
    dockerReference: 'my.registry.example.com:5000/ns1/ns2/repo:tag',
  },
  {
    name: 'bare short name means docker, gets :latest',
    input: 'busybox',
    transport: 'docker',
    string: 'docker://busybox:latest',
    identity: 'docker.io/library/busybox:latest',
    namespaces: ['docker.io/library/busybox', 'docker.io/library', 'docker.io', '*.io'],
    dockerReference: 'docker.io/library/busybox:latest',
  },
  {
    name: 'docker:// short name',
    input: 'docker://busybox',
    transport: 'docker',
    string: 'docker://busybox:latest',
    identity: 'docker.io/library/busybox:latest',
    namespaces: ['docker.io/library/busybox', 'docker.io/library', 'docker.io', '*.io'],
    dockerReference: 'docker.io/library/busybox:latest',
  },
  {
    name: 'docker:// fully qualified prints familiar form',
    input: 'docker://docker.io/library/busybox:1.36',
    transport: 'docker',
    string: 'docker://busybox:1.36',
    identity: 'docker.io/library/busybox:1.36',
    namespaces: ['docker.io/library/busybox', 'docker.io/library', 'docker.io', '*.io'],
    dockerReference: 'docker.io/library/busybox:1.36',
  },
  {
    name: 'quay.io repository',
    input: 'docker://quay.io/a/b:c',
    transport: 'docker',
    string: 'docker://quay.io/a/b:c',
    identity: 'quay.io/a/b:c',
    namespaces: ['quay.io/a/b', 'quay.io/a', 'quay.io', '*.io'],
    dockerReference: 'quay.io/a/b:c',
  },
  {
    name: 'bare quay.io name (crictl style)',
    input: 'quay.io/a/b',
    transport: 'docker',
    string: 'docker://quay.io/a/b:latest',
    identity: 'quay.io/a/b:latest',
    namespaces: ['quay.io/a/b', 'quay.io/a', 'quay.io', '*.io'],
    dockerReference: 'quay.io/a/b:latest',
  },
  {
    name: 'IPv4 addresses are treated as dotted names',
    input: '192.168.1.1:5000/x/y',
    transport: 'docker',
    string: 'docker://192.168.1.1:5000/x/y:latest',
    identity: '192.168.1.1:5000/x/y:latest',
    namespaces: ['192.168.1.1:5000/x/y', '192.168.1.1:5000/x', '192.168.1.1:5000', '*.168.1.1', '*.1.1', '*.1'],
    dockerReference: '192.168.1.1:5000/x/y:latest',
  },
  {
    name: 'localhost:5000 has no wildcard (no dot)',
    input: 'localhost:5000/foo',
    transport: 'docker',
    string: 'docker://localhost:5000/foo:latest',
    identity: 'localhost:5000/foo:latest',
    namespaces: ['localhost:5000/foo', 'localhost:5000'],
    dockerReference: 'localhost:5000/foo:latest',
  },
  {
    name: 'myhost/foo is a docker.io namespace',
    input: 'myhost/foo',
    transport: 'docker',
    string: 'docker://myhost/foo:latest',
    identity: 'docker.io/myhost/foo:latest',
    namespaces: ['docker.io/myhost/foo', 'docker.io/myhost', 'docker.io', '*.io'],
    dockerReference: 'docker.io/myhost/foo:latest',
  },
  {
    name: 'digest reference identity uses @',
    input: `docker://quay.io/a/b@${D}`,
    transport: 'docker',
    string: `docker://quay.io/a/b@${D}`,
    identity: `quay.io/a/b@${D}`,
    namespaces: ['quay.io/a/b', 'quay.io/a', 'quay.io', '*.io'],
    dockerReference: `quay.io/a/b@${D}`,
  },
  {
    name: 'very.deep.com wildcards stop before the host itself',
    input: 'very.deep.com/n1/n2/n3/repo:tag2',
    transport: 'docker',
    string: 'docker://very.deep.com/n1/n2/n3/repo:tag2',
    identity: 'very.deep.com/n1/n2/n3/repo:tag2',
    namespaces: [
      'very.deep.com/n1/n2/n3/repo',
      'very.deep.com/n1/n2/n3',
      'very.deep.com/n1/n2',
      'very.deep.com/n1',
      'very.deep.com',
      '*.deep.com',
      '*.com',
    ],
    dockerReference: 'very.deep.com/n1/n2/n3/repo:tag2',
  },
  {
    name: 'atomic: like docker, always tagged',
    input: 'atomic:registry.example.com/ns/stream:tag',
    transport: 'atomic',
    string: 'atomic:registry.example.com/ns/stream:tag',
    identity: 'registry.example.com/ns/stream:tag',
    namespaces: ['registry.example.com/ns/stream', 'registry.example.com/ns', 'registry.example.com', '*.example.com', '*.com'],
    dockerReference: 'registry.example.com/ns/stream:tag',
  },
  {
    name: 'docker-daemon by name: like docker',
    input: 'docker-daemon:busybox:latest',
    transport: 'docker-daemon',
    string: 'docker-daemon:busybox:latest',
    identity: 'docker.io/library/busybox:latest',
    namespaces: ['docker.io/library/busybox', 'docker.io/library', 'docker.io', '*.io'],
    dockerReference: 'docker.io/library/busybox:latest',
  },
  {
    name: 'docker-daemon by ID: empty identity',
    input: `docker-daemon:${D}`,
    transport: 'docker-daemon',
    string: `docker-daemon:${D}`,
    identity: '',
    namespaces: [],
    dockerReference: null,
  },
  {
    name: 'docker-archive without a name',
    input: 'docker-archive:/tmp/archive.tar',
    transport: 'docker-archive',
    string: 'docker-archive:/tmp/archive.tar',
    identity: '',
    namespaces: [],
    dockerReference: null,
  },
  {
    name: 'docker-archive with a name: Docker identity for signedIdentity, still no scope',
    input: 'docker-archive:/tmp/archive.tar:busybox',
    transport: 'docker-archive',
    string: 'docker-archive:/tmp/archive.tar:docker.io/library/busybox:latest',
    identity: '',
    namespaces: [],
    dockerReference: 'docker.io/library/busybox:latest',
  },
  {
    name: 'docker-archive with a source index',
    input: 'docker-archive:/tmp/archive.tar:@1',
    transport: 'docker-archive',
    string: 'docker-archive:/tmp/archive.tar:@1',
    identity: '',
    namespaces: [],
    dockerReference: null,
  },
  {
    name: 'containers-storage short name',
    input: 'containers-storage:busybox',
    transport: 'containers-storage',
    string: 'containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]docker.io/library/busybox:latest',
    identity: `${STORE}docker.io/library/busybox:latest`,
    namespaces: [
      `${STORE}docker.io/library/busybox`,
      `${STORE}docker.io/library`,
      `${STORE}docker.io`,
      STORE,
      '[/var/lib/containers/storage]',
    ],
    dockerReference: 'docker.io/library/busybox:latest',
  },
  {
    name: 'containers-storage name with ID',
    input: `containers-storage:[vfs@/s]busybox:notlatest@${HEX}`,
    transport: 'containers-storage',
    string: `containers-storage:[vfs@/s+/run/containers/storage]docker.io/library/busybox:notlatest@${HEX}`,
    identity: `[vfs@/s]docker.io/library/busybox:notlatest@${HEX}`,
    namespaces: [
      '[vfs@/s]docker.io/library/busybox:notlatest',
      '[vfs@/s]docker.io/library/busybox',
      '[vfs@/s]docker.io/library',
      '[vfs@/s]docker.io',
      '[vfs@/s]',
      '[/s]',
    ],
    dockerReference: 'docker.io/library/busybox:notlatest',
  },
  {
    name: 'containers-storage tag+digest+ID',
    input: `containers-storage:[vfs@/s]busybox:notlatest@sha256:${HEX2}@${HEX}`,
    transport: 'containers-storage',
    string: `containers-storage:[vfs@/s+/run/containers/storage]docker.io/library/busybox:notlatest@sha256:${HEX2}@${HEX}`,
    identity: `[vfs@/s]docker.io/library/busybox:notlatest@sha256:${HEX2}@${HEX}`,
    namespaces: [
      `[vfs@/s]docker.io/library/busybox:notlatest@sha256:${HEX2}`,
      '[vfs@/s]docker.io/library/busybox:notlatest',
      '[vfs@/s]docker.io/library/busybox',
      '[vfs@/s]docker.io/library',
      '[vfs@/s]docker.io',
      '[vfs@/s]',
      '[/s]',
    ],
    dockerReference: `docker.io/library/busybox:notlatest@sha256:${HEX2}`,
  },
  {
    name: 'containers-storage by ID only',
    input: `containers-storage:@${HEX}`,
    transport: 'containers-storage',
    string: `containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]@${HEX}`,
    identity: `${STORE}@${HEX}`,
    namespaces: [STORE, '[/var/lib/containers/storage]'],
    dockerReference: null,
  },
  {
    name: 'tarball: no identity',
    input: 'tarball:/tmp/a.tar:/tmp/b.tar',
    transport: 'tarball',
    string: 'tarball:/tmp/a.tar:/tmp/b.tar',
    identity: '',
    namespaces: [],
    dockerReference: null,
  },
];

const pure: ParseImageReferenceOptions = { resolveSymlinks: false };

describe('identity and namespaces per transport', () => {
  test.each(scopeRows)('$name', (row) => {
    const ref = parseImageReference(row.input, pure);
    expect(ref.transport).toBe(row.transport);
    expect(ref.toString()).toBe(row.string);
    expect(ref.policyConfigurationIdentity()).toBe(row.identity);
    expect(ref.policyConfigurationNamespaces()).toEqual(row.namespaces);
    expect(ref.dockerReference()?.toString() ?? null).toBe(row.dockerReference);
  });
});

describe('path transports (with symlink resolution)', () => {
  let base: string;
  beforeAll(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'imgpolicy-ref-')));
    fs.mkdirSync(path.join(base, 'real', 'img'), { recursive: true });
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
    fs.writeFileSync(path.join(base, 'real', 'image.sif'), '');
  });
  afterAll(() => {
    fs.rmSync(base, { recursive: true, force: true });
  });

  const rows: {
    name: string;
    input: (b: string) => string;
    cwd?: (b: string) => string;
    string: (b: string) => string;
    identity: (b: string) => string;
    namespaces: (b: string) => string[];
  }[] = [
    {
      name: 'dir: existing directory through a symlink is resolved',
      input: (b) => `dir:${b}/link/img`,
      string: (b) => `dir:${b}/link/img`,
      identity: (b) => `${b}/real/img`,
      namespaces: (b) => [`${b}/real`, ...parents(b)],
    },
    {
      name: 'dir: not-yet-existing leaf under a symlinked parent',
      input: (b) => `dir:${b}/link/new`,
      string: (b) => `dir:${b}/link/new`,
      identity: (b) => `${b}/real/new`,
      namespaces: (b) => [`${b}/real`, ...parents(b)],
    },
    {
      name: 'dir: relative path resolved against cwd and cleaned',
      input: () => 'dir:./real/../real/img',
      cwd: (b) => b,
      string: () => 'dir:./real/../real/img',
      identity: (b) => `${b}/real/img`,
      namespaces: (b) => [`${b}/real`, ...parents(b)],
    },
    {
      name: 'oci: image name is not part of the identity; the directory is its own first namespace',
      input: (b) => `oci:${b}/link/img:myimage`,
      string: (b) => `oci:${b}/link/img:myimage`,
      identity: (b) => `${b}/real/img`,
      namespaces: (b) => [`${b}/real/img`, `${b}/real`, ...parents(b)],
    },
    {
      name: 'oci: without an image name prints a trailing colon (as upstream)',
      input: (b) => `oci:${b}/real/img`,
      string: (b) => `oci:${b}/real/img:`,
      identity: (b) => `${b}/real/img`,
      namespaces: (b) => [`${b}/real/img`, `${b}/real`, ...parents(b)],
    },
    {
      name: 'oci: source index',
      input: (b) => `oci:${b}/real/img:@2`,
      string: (b) => `oci:${b}/real/img:@2`,
      identity: (b) => `${b}/real/img`,
      namespaces: (b) => [`${b}/real/img`, `${b}/real`, ...parents(b)],
    },
    {
      name: 'oci-archive: the file then its parents',
      input: (b) => `oci-archive:${b}/link/archive.tar:tag`,
      string: (b) => `oci-archive:${b}/link/archive.tar:tag`,
      identity: (b) => `${b}/real/archive.tar`,
      namespaces: (b) => [`${b}/real/archive.tar`, `${b}/real`, ...parents(b)],
    },
    {
      name: 'sif: parents only',
      input: (b) => `sif:${b}/link/image.sif`,
      string: (b) => `sif:${b}/link/image.sif`,
      identity: (b) => `${b}/real/image.sif`,
      namespaces: (b) => [`${b}/real`, ...parents(b)],
    },
  ];
  test.each(rows)('$name', (row) => {
    const cwd = row.cwd?.(base);
    const ref = parseImageReference(row.input(base), cwd === undefined ? {} : { cwd });
    expect(ref.toString()).toBe(row.string(base));
    expect(ref.dockerReference()).toBeNull();
    expect(ref.policyConfigurationIdentity()).toBe(row.identity(base));
    expect(ref.policyConfigurationNamespaces()).toEqual(row.namespaces(base));
  });

  test('dir: missing parent directory is an error', () => {
    expect(() => parseImageReference(`dir:${base}/nope/nope`)).toThrow(`lstat ${base}/nope: no such file or directory`);
  });
});

/** An absolute path and each of its parents, most specific first, excluding `/`. */
function parents(p: string): string[] {
  const res: string[] = [];
  for (let q = p; q !== '/'; q = path.dirname(q)) res.push(q);
  return res;
}

describe('dir: namespaces without the file system', () => {
  const rows = [
    { name: 'dir: parents exclude / and the identity itself', input: 'dir:/a/b/c', identity: '/a/b/c', namespaces: ['/a/b', '/a'] },
    { name: 'dir: top-level directory has no namespaces', input: 'dir:/a', identity: '/a', namespaces: [] },
    { name: 'dir: unclean absolute path is cleaned', input: 'dir:/a//b/./c/../d/', identity: '/a/b/d', namespaces: ['/a/b', '/a'] },
    { name: 'oci: top-level directory is its own namespace', input: 'oci:/a', identity: '/a', namespaces: ['/a'] },
  ];
  test.each(rows)('$name', (row) => {
    const ref = parseImageReference(row.input, pure);
    expect(ref.policyConfigurationIdentity()).toBe(row.identity);
    expect(ref.policyConfigurationNamespaces()).toEqual(row.namespaces);
  });
});

describe('reference parse errors', () => {
  const rows: { name: string; input: string; error: string }[] = [
    { name: 'docker: tag and digest refused', input: `docker://busybox:latest@${D}`, error: 'Docker references with both a tag and digest are currently not supported' },
    { name: 'bare tag and digest refused too', input: `quay.io/a/b:c@${D}`, error: 'Docker references with both a tag and digest are currently not supported' },
    { name: 'docker: requires //', input: 'docker:busybox', error: 'docker: image reference busybox does not start with //' },
    { name: 'docker: grammar error surfaces verbatim', input: 'docker://Busybox', error: 'invalid reference format: repository name must be lowercase' },
    { name: 'bare invalid name', input: 'UPPER/case', error: 'invalid reference format: repository name must be lowercase' },
    { name: 'docker-daemon: name without tag', input: 'docker-daemon:busybox', error: 'docker-daemon: reference busybox has neither a tag nor a digest' },
    { name: 'docker-daemon: sha256 repository reserved', input: 'docker-daemon:sha256:abc', error: 'Invalid docker-daemon: reference sha256:abc: The sha256 repository name is reserved for (non-shortened) digest references' },
    { name: 'docker-daemon: only sha256 IDs', input: `docker-daemon:sha512:${'f'.repeat(128)}`, error: `Invalid docker-daemon: reference sha512:${'f'.repeat(128)}: only digest algorithm sha256 accepted` },
    { name: 'docker-archive: digest-only name', input: `docker-archive:/a.tar:busybox@${D}`, error: `reference does not include a tag: docker.io/library/busybox@${D}` },
    { name: 'docker-archive: bad name', input: 'docker-archive:/a.tar:BAD', error: 'docker-archive parsing reference: invalid reference format: repository name must be lowercase' },
    { name: 'docker-archive: bad index', input: 'docker-archive:/a.tar:@x', error: 'Invalid source index @x: strconv.Atoi: parsing "x": invalid syntax' },
    { name: 'docker-archive: empty', input: 'docker-archive:', error: "docker-archive reference  isn't of the form <path>[:<reference>]" },
    { name: 'oci: negative index', input: 'oci:/a:@-1', error: 'Invalid source index @-1: must not be negative' },
    { name: 'oci: invalid image name', input: 'oci:/a:-bad', error: 'Invalid image -bad' },
    { name: 'atomic: needs a tag', input: 'atomic:example.com/ns/stream', error: "invalid image reference example.com/ns/stream, expected format: 'hostname/namespace/stream:tag'" },
    { name: 'atomic: needs namespace/stream', input: 'atomic:example.com/a/b/c:t', error: "invalid image reference: example.com/a/b/c:t, expected format: 'hostname/namespace/stream:tag'" },
    { name: 'containers-storage: empty', input: 'containers-storage:', error: '"" is an empty reference: invalid reference' },
    { name: 'containers-storage: relative root', input: 'containers-storage:[vfs@rel]busybox', error: 'path name is not absolute' },
    { name: 'containers-storage: short ID', input: 'containers-storage:busybox@abc', error: '"abc" does not look like an image ID or digest: invalid reference' },
    { name: 'ostree: stub', input: 'ostree:/repo', error: 'The transport "ostree:" is not supported in this build' },
  ];
  test.each(rows)('$name', (row) => {
    expect(() => parseImageReference(row.input, pure)).toThrow(new ReferenceParseError(row.error));
  });
});

describe('validatePolicyScope', () => {
  const rows: { name: string; transport: string; scope: string; valid: boolean; reason?: string }[] = [
    { name: 'docker accepts anything', transport: 'docker', scope: 'bogus/key-data-example', valid: true },
    { name: 'docker accepts wildcard with port (it just never matches)', transport: 'docker', scope: '*.example.com:5000', valid: true },
    { name: 'unknown transport accepts anything', transport: 'nonsense', scope: 'whatever', valid: true },
    { name: 'ostree stub accepts anything', transport: 'ostree', scope: 'anything', valid: true },
    { name: 'empty scope is never validated', transport: 'tarball', scope: '', valid: true },
    { name: 'dir: absolute clean path', transport: 'dir', scope: '/a/b', valid: true },
    { name: 'dir: relative path', transport: 'dir', scope: 'a/b', valid: false, reason: 'Invalid scope a/b: Must be an absolute path' },
    { name: 'dir: root', transport: 'dir', scope: '/', valid: false, reason: 'Invalid scope "/": Use the generic default scope ""' },
    { name: 'dir: dot-dot', transport: 'dir', scope: '/a/../b', valid: false, reason: 'Invalid scope /a/../b: Uses non-canonical format, perhaps try /b' },
    { name: 'dir: trailing slash', transport: 'dir', scope: '/a/', valid: false, reason: 'Invalid scope /a/: Uses non-canonical format, perhaps try /a' },
    { name: 'dir: double slash', transport: 'dir', scope: '//a', valid: false, reason: 'Invalid scope //a: Uses non-canonical format, perhaps try /a' },
    { name: 'oci: absolute clean path', transport: 'oci', scope: '/var/lib/images', valid: true },
    { name: 'oci: relative path', transport: 'oci', scope: 'images', valid: false, reason: 'Invalid scope images: must be an absolute path' },
    { name: 'oci: non-canonical', transport: 'oci', scope: '/a/./b', valid: false, reason: 'Invalid scope /a/./b: Uses non-canonical path format, perhaps try with path /a/b' },
    { name: 'oci: root', transport: 'oci', scope: '/', valid: false },
    { name: 'oci-archive: same rules as oci', transport: 'oci-archive', scope: '/a/b.tar', valid: true },
    { name: 'sif: same rules as dir', transport: 'sif', scope: 'x.sif', valid: false },
    { name: 'docker-archive: only ""', transport: 'docker-archive', scope: '/a.tar', valid: false, reason: 'docker-archive: does not support any scopes except the default "" one' },
    { name: 'tarball: only ""', transport: 'tarball', scope: '/a.tar', valid: false },
    { name: 'docker-daemon: names are fine', transport: 'docker-daemon', scope: 'docker.io/library/busybox', valid: true },
    { name: 'docker-daemon: algo:digest refused', transport: 'docker-daemon', scope: D, valid: false, reason: `docker-daemon: can not use algo:digest value ${D} as a namespace` },
    { name: 'atomic: host/ns/stream:tag', transport: 'atomic', scope: 'host.example/ns/stream:tag', valid: true },
    { name: 'atomic: too deep', transport: 'atomic', scope: 'host/ns/stream/extra', valid: false, reason: 'Invalid scope name host/ns/stream/extra' },
    { name: 'containers-storage: store only', transport: 'containers-storage', scope: '[overlay@/var/lib/containers/storage]', valid: true },
    { name: 'containers-storage: driverless store', transport: 'containers-storage', scope: '[/var/lib/containers/storage]', valid: true },
    { name: 'containers-storage: name with digest', transport: 'containers-storage', scope: `[vfs@/s]busybox@${D}`, valid: true },
    { name: 'containers-storage: name with ID', transport: 'containers-storage', scope: `[vfs@/s]busybox:tag@${HEX}`, valid: true },
    { name: 'containers-storage: must start with [', transport: 'containers-storage', scope: 'busybox', valid: false, reason: 'invalid reference' },
    { name: 'containers-storage: relative root', transport: 'containers-storage', scope: '[vfs@rel]', valid: false, reason: 'path name is not absolute' },
    { name: 'containers-storage: bad suffix', transport: 'containers-storage', scope: '[/s]busybox@abc', valid: false },
  ];
  test.each(rows)('$name', (row) => {
    expect(validatePolicyScope(row.transport, row.scope)).toBe(row.valid);
    if (row.reason !== undefined) expect(policyScopeError(row.transport, row.scope)).toBe(row.reason);
  });
});

describe('helpers', () => {
  test.each([
    ['', '.'],
    ['/', '/'],
    ['/a/../..', '/'],
    ['a/../..', '..'],
    ['/a//b/./c/', '/a/b/c'],
  ])('cleanPath(%j) = %j', (input, expected) => {
    expect(cleanPath(input)).toBe(expected);
  });
  test.each([
    ['docker', true],
    ['containers-storage', true],
    ['ostree', true],
    ['https', false],
  ])('isKnownTransport(%j) = %j', (name, known) => {
    expect(isKnownTransport(name)).toBe(known);
  });
});
