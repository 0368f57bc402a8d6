// Table-driven tests of docker reference normalisation (containers/image docker/reference ParseNormalizedNamed,
// ParseNamed, TagNameOnly) and go-digest validation. Rows come from upstream's normalize_test.go /
// reference_test.go plus the quirks the policy depends on.
import { describe, expect, test } from '@jest/globals';

import {
  ReferenceParseError,
  digestValidationError,
  dockerReferenceIdentity,
  isNameOnly,
  parseCanonicalDockerReference,
  parseDockerReference,
  tagNameOnly,
} from '../../../src/reference/index.js';

const HEX = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const D = `sha256:${HEX}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;

interface Ok {
  name: string;
  input: string;
  /** String(): fully qualified */
  string: string;
  /** Name() */
  repo: string;
  domain: string;
  tag?: string;
  digest?: string;
  familiar: string;
}
interface Bad {
  name: string;
  input: string;
  error: string;
}

const valid: Ok[] = [
  { name: 'short official name gets docker.io/library', input: 'busybox', string: 'docker.io/library/busybox', repo: 'docker.io/library/busybox', domain: 'docker.io', familiar: 'busybox' },
  { name: 'short name with tag', input: 'busybox:latest', string: 'docker.io/library/busybox:latest', repo: 'docker.io/library/busybox', domain: 'docker.io', tag: 'latest', familiar: 'busybox:latest' },
  { name: 'library/ prefix kept once', input: 'library/busybox:1', string: 'docker.io/library/busybox:1', repo: 'docker.io/library/busybox', domain: 'docker.io', tag: '1', familiar: 'busybox:1' },
  { name: 'docker.io/busybox gets library/', input: 'docker.io/busybox', string: 'docker.io/library/busybox', repo: 'docker.io/library/busybox', domain: 'docker.io', familiar: 'busybox' },
  { name: 'fully qualified stays', input: 'docker.io/library/busybox:latest', string: 'docker.io/library/busybox:latest', repo: 'docker.io/library/busybox', domain: 'docker.io', tag: 'latest', familiar: 'busybox:latest' },
  { name: 'index.docker.io rewritten to docker.io', input: 'index.docker.io/library/debian', string: 'docker.io/library/debian', repo: 'docker.io/library/debian', domain: 'docker.io', familiar: 'debian' },
  { name: 'index.docker.io single component gets library/', input: 'index.docker.io/debian', string: 'docker.io/library/debian', repo: 'docker.io/library/debian', domain: 'docker.io', familiar: 'debian' },
  { name: 'user namespace on docker.io', input: 'docker/docker', string: 'docker.io/docker/docker', repo: 'docker.io/docker/docker', domain: 'docker.io', familiar: 'docker/docker' },
  { name: 'first component without dot is not a host', input: 'myhost/foo', string: 'docker.io/myhost/foo', repo: 'docker.io/myhost/foo', domain: 'docker.io', familiar: 'myhost/foo' },
  { name: 'library/ with two more levels is not shortened', input: 'library/a/b', string: 'docker.io/library/a/b', repo: 'docker.io/library/a/b', domain: 'docker.io', familiar: 'library/a/b' },
  { name: 'localhost is a domain', input: 'localhost/foo', string: 'localhost/foo', repo: 'localhost/foo', domain: 'localhost', familiar: 'localhost/foo' },
  { name: 'localhost with port', input: 'localhost:5000/foo:bar', string: 'localhost:5000/foo:bar', repo: 'localhost:5000/foo', domain: 'localhost:5000', tag: 'bar', familiar: 'localhost:5000/foo:bar' },
  { name: 'host with port and deep path', input: 'my.registry.example.com:5000/ns1/ns2/repo:tag', string: 'my.registry.example.com:5000/ns1/ns2/repo:tag', repo: 'my.registry.example.com:5000/ns1/ns2/repo', domain: 'my.registry.example.com:5000', tag: 'tag', familiar: 'my.registry.example.com:5000/ns1/ns2/repo:tag' },
  { name: 'IPv4 host with port', input: '192.168.1.1:5000/x/y', string: '192.168.1.1:5000/x/y', repo: '192.168.1.1:5000/x/y', domain: '192.168.1.1:5000', familiar: '192.168.1.1:5000/x/y' },
  { name: 'non-numeric host with port (colon makes a domain)', input: 'test:5000/repo', string: 'test:5000/repo', repo: 'test:5000/repo', domain: 'test:5000', familiar: 'test:5000/repo' },
  { name: 'quay.io three components', input: 'quay.io/a/b:c', string: 'quay.io/a/b:c', repo: 'quay.io/a/b', domain: 'quay.io', tag: 'c', familiar: 'quay.io/a/b:c' },
  { name: 'upper case in the domain is kept', input: 'Example.com/foo', string: 'Example.com/foo', repo: 'Example.com/foo', domain: 'Example.com', familiar: 'Example.com/foo' },
  { name: 'upper case in the tag is allowed', input: 'lowercase:Uppercase', string: 'docker.io/library/lowercase:Uppercase', repo: 'docker.io/library/lowercase', domain: 'docker.io', tag: 'Uppercase', familiar: 'lowercase:Uppercase' },
  { name: 'digest only', input: `busybox@${D}`, string: `docker.io/library/busybox@${D}`, repo: 'docker.io/library/busybox', domain: 'docker.io', digest: D, familiar: `busybox@${D}` },
  { name: 'tag and digest', input: `busybox:latest@${D}`, string: `docker.io/library/busybox:latest@${D}`, repo: 'docker.io/library/busybox', domain: 'docker.io', tag: 'latest', digest: D, familiar: `busybox:latest@${D}` },
  { name: 'sha512 digest with punycode host', input: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`, string: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}`, repo: 'xn--7o8h.com/myimage', domain: 'xn--7o8h.com', tag: 'xn--7o8h.com', digest: SHA512, familiar: `xn--7o8h.com/myimage:xn--7o8h.com@${SHA512}` },
  { name: 'sha384 digest', input: `quay.io/a/b@sha384:${'a'.repeat(96)}`, string: `quay.io/a/b@sha384:${'a'.repeat(96)}`, repo: 'quay.io/a/b', domain: 'quay.io', digest: `sha384:${'a'.repeat(96)}`, familiar: `quay.io/a/b@sha384:${'a'.repeat(96)}` },
  { name: 'port-looking suffix without slash is a tag', input: 'test.com:5000', string: 'docker.io/library/test.com:5000', repo: 'docker.io/library/test.com', domain: 'docker.io', tag: '5000', familiar: 'test.com:5000' },
  { name: 'localhost:5000 alone is repository localhost with tag 5000', input: 'localhost:5000', string: 'docker.io/library/localhost:5000', repo: 'docker.io/library/localhost', domain: 'docker.io', tag: '5000', familiar: 'localhost:5000' },
  { name: 'underscore names without slash', input: 'foo_bar.com:8080', string: 'docker.io/library/foo_bar.com:8080', repo: 'docker.io/library/foo_bar.com', domain: 'docker.io', tag: '8080', familiar: 'foo_bar.com:8080' },
  { name: 'dotted second component', input: 'b.gcr.io/test.example.com/my-app:test.example.com', string: 'b.gcr.io/test.example.com/my-app:test.example.com', repo: 'b.gcr.io/test.example.com/my-app', domain: 'b.gcr.io', tag: 'test.example.com', familiar: 'b.gcr.io/test.example.com/my-app:test.example.com' },
  { name: 'multiple hyphens and double underscores', input: 'docker---rules/dock__er', string: 'docker.io/docker---rules/dock__er', repo: 'docker.io/docker---rules/dock__er', domain: 'docker.io', familiar: 'docker---rules/dock__er' },
  { name: '64-char non-hex name is fine', input: 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', string: 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', repo: 'docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev', domain: 'docker.io', familiar: 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev' },
  { name: '64-hex with a host is fine', input: `docker.io/${HEX}`, string: `docker.io/library/${HEX}`, repo: `docker.io/library/${HEX}`, domain: 'docker.io', familiar: HEX },
  { name: 'quirk: invalid domain label makes an empty domain', input: 'a_b.com/foo', string: 'a_b.com/foo', repo: 'a_b.com/foo', domain: '', familiar: 'a_b.com/foo' },
  { name: 'tag of 128 characters', input: `busybox:${'t'.repeat(128)}`, string: `docker.io/library/busybox:${'t'.repeat(128)}`, repo: 'docker.io/library/busybox', domain: 'docker.io', tag: 't'.repeat(128), familiar: `busybox:${'t'.repeat(128)}` },
  { name: 'name of exactly 255 characters', input: `docker.io/library/${'a'.repeat(237)}`, string: `docker.io/library/${'a'.repeat(237)}`, repo: `docker.io/library/${'a'.repeat(237)}`, domain: 'docker.io', familiar: 'a'.repeat(237) },
];

const invalid: Bad[] = [
  { name: 'empty', input: '', error: 'invalid reference format' },
  { name: 'upper case repository', input: 'Busybox:latest', error: 'invalid reference format: repository name must be lowercase' },
  { name: 'upper case path after host', input: 'docker.io/docker/Docker', error: 'invalid reference format: repository name must be lowercase' },
  { name: 'LOCALHOST is not a domain', input: 'LOCALHOST/foo', error: 'invalid reference format: repository name must be lowercase' },
  { name: 'upper case path after host:port', input: 'test:5000/Uppercase/lowercase:tag', error: 'invalid reference format: repository name must be lowercase' },
  { name: 'upper-case digest algorithm counts as repository text', input: `busybox@SHA256:${HEX}`, error: 'invalid reference format: repository name must be lowercase' },
  { name: '64 hex characters alone', input: HEX, error: `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings` },
  { name: 'name too long', input: `${'a/'.repeat(128)}a:tag`, error: 'repository name must not be more than 255 characters' },
  { name: 'name of 256 characters', input: `docker.io/library/${'a'.repeat(238)}`, error: 'repository name must not be more than 255 characters' },
  { name: 'scheme', input: 'https://github.com/docker/docker', error: 'invalid reference format' },
  { name: 'leading hyphen', input: '-docker', error: 'invalid reference format' },
  { name: 'trailing hyphen in namespace', input: 'docker-/docker', error: 'invalid reference format' },
  { name: 'domain label starting with hyphen', input: '-docker.io/docker/docker', error: 'invalid reference format' },
  { name: 'empty path components', input: 'docker///docker', error: 'invalid reference format' },
  { name: 'underscore-only components', input: '____/____', error: 'invalid reference format' },
  { name: 'consecutive periods', input: 'dock..er/docker', error: 'invalid reference format' },
  { name: 'mixed separators', input: 'dock_.er/docker', error: 'invalid reference format' },
  { name: 'trailing slash', input: 'docker/', error: 'invalid reference format' },
  { name: 'tag only', input: ':justtag', error: 'invalid reference format' },
  { name: 'digest only without name', input: `@${D}`, error: 'invalid reference format' },
  { name: 'bad characters', input: 'aa/asdf$$^/aa', error: 'invalid reference format' },
  { name: 'tag too long', input: `busybox:${'t'.repeat(129)}`, error: 'invalid reference format' },
  { name: 'tag starting with a dot', input: 'busybox:.tag', error: 'invalid reference format' },
  { name: 'IPv6 literal host (not in the containers/image grammar)', input: '[::1]:5000/foo', error: 'invalid reference format' },
  { name: 'non-numeric port', input: 'foo:bar/baz', error: 'invalid reference format' },
  { name: 'short digest hex is a grammar error', input: `busybox@sha256:${'a'.repeat(31)}`, error: 'invalid reference format' },
  { name: 'digest too short for sha256', input: `repo@sha256:${'f'.repeat(34)}`, error: 'invalid checksum digest length' },
  { name: 'digest too long for sha256', input: `repo@sha256:${'f'.repeat(65)}`, error: 'invalid checksum digest length' },
  { name: 'upper-case hex digest', input: `busybox@sha256:${'A'.repeat(64)}`, error: 'invalid checksum digest format' },
  { name: 'unknown digest algorithm', input: `validname@invaliddigest:${'f'.repeat(64)}`, error: 'unsupported digest algorithm' },
  { name: 'md5 is not supported', input: `busybox@md5:${'a'.repeat(32)}`, error: 'unsupported digest algorithm' },
  { name: 'unknown algorithm with upper case hex', input: `busybox@foo:${'A'.repeat(32)}`, error: 'unsupported digest algorithm' },
  { name: 'whitespace', input: 'busybox latest', error: 'invalid reference format' },
];

describe('parseDockerReference (ParseNormalizedNamed): valid', () => {
  test.each(valid)('$name: $input', (row) => {
    const ref = parseDockerReference(row.input);
    expect(ref.toString()).toBe(row.string);
    expect(`${ref}`).toBe(row.string);
    expect(ref.name()).toBe(row.repo);
    expect(ref.domain).toBe(row.domain);
    expect(ref.tag).toBe(row.tag);
    expect(ref.digest).toBe(row.digest);
    expect(ref.familiar()).toBe(row.familiar);
  });
});

describe('parseDockerReference (ParseNormalizedNamed): invalid', () => {
  test.each(invalid)('$name', (row) => {
    let caught: unknown;
    try {
      parseDockerReference(row.input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ReferenceParseError);
    expect((caught as Error).message).toBe(row.error);
  });
});

describe('parseCanonicalDockerReference (ParseNamed)', () => {
  const rows: { name: string; input: string; error?: string }[] = [
    { name: 'canonical tagged', input: 'docker.io/library/busybox:latest' },
    { name: 'canonical digested', input: `quay.io/a/b@${D}` },
    { name: 'canonical name only', input: 'example.com/ns/repo' },
    { name: 'short name is not canonical', input: 'busybox:latest', error: 'repository name must be canonical' },
    { name: 'docker.io without library is not canonical', input: 'docker.io/busybox', error: 'repository name must be canonical' },
    { name: 'index.docker.io is not canonical', input: 'index.docker.io/library/busybox', error: 'repository name must be canonical' },
    { name: 'host:port:tag rewrite result does not even parse', input: 'vendor.example:5000:tag', error: 'invalid reference format' },
    { name: 'host:port@digest rewrite result is a short name', input: `vendor.example:5000@${D}`, error: 'repository name must be canonical' },
    { name: 'short-name rewrite result would imply docker.io', input: 'notlocalhost:tag', error: 'repository name must be canonical' },
    { name: 'grammar errors pass through', input: 'Example.com/UPPER', error: 'invalid reference format: repository name must be lowercase' },
  ];
  test.each(rows)('$name', (row) => {
    if (row.error === undefined) {
      expect(parseCanonicalDockerReference(row.input).toString()).toBe(row.input);
    } else {
      expect(() => parseCanonicalDockerReference(row.input)).toThrow(new ReferenceParseError(row.error));
    }
  });
});

describe('tagNameOnly / identity helpers', () => {
  const rows: { name: string; input: string; tagged: string; identity?: string; identityError?: string }[] = [
    { name: 'name only gets :latest', input: 'busybox', tagged: 'docker.io/library/busybox:latest', identity: 'docker.io/library/busybox:latest' },
    { name: 'tag kept', input: 'quay.io/a/b:c', tagged: 'quay.io/a/b:c', identity: 'quay.io/a/b:c' },
    { name: 'digest kept, no tag added', input: `busybox@${D}`, tagged: `docker.io/library/busybox@${D}`, identity: `docker.io/library/busybox@${D}` },
    {
      name: 'tag+digest has no policy identity',
      input: `busybox:1@${D}`,
      tagged: `docker.io/library/busybox:1@${D}`,
      identityError: `Unexpected Docker reference busybox:1@${D} with both a name and a digest`,
    },
  ];
  test.each(rows)('$name', (row) => {
    const ref = tagNameOnly(parseDockerReference(row.input));
    expect(ref.toString()).toBe(row.tagged);
    expect(isNameOnly(ref)).toBe(false);
    if (row.identity !== undefined) expect(dockerReferenceIdentity(ref)).toBe(row.identity);
    else expect(() => dockerReferenceIdentity(ref)).toThrow(row.identityError);
  });
});

describe('digestValidationError (go-digest Validate)', () => {
  const rows: { name: string; input: string; error: string | undefined }[] = [
    { name: 'valid sha256', input: D, error: undefined },
    { name: 'no colon', input: HEX, error: 'invalid checksum digest format' },
    { name: 'empty algorithm', input: `:${HEX}`, error: 'invalid checksum digest format' },
    { name: 'empty encoded part', input: 'sha256:', error: 'invalid checksum digest format' },
    { name: 'bad length', input: 'sha256:abc', error: 'invalid checksum digest length' },
    { name: 'unknown algorithm', input: 'foo:abc', error: 'unsupported digest algorithm' },
    { name: 'unknown upper-case algorithm', input: `SHA256:${HEX}`, error: 'invalid checksum digest format' },
  ];
  test.each(rows)('$name', (row) => {
    expect(digestValidationError(row.input)).toBe(row.error);
  });
});

describe('pathological inputs stay fast (the grammar is rewritten to avoid regex backtracking blow-ups)', () => {
  const rows = [
    { name: 'long alphanumeric run then a bad character', input: `${'a'.repeat(100_000)}!` },
    { name: 'long hyphenated run', input: `${'a-'.repeat(50_000)}!` },
    { name: 'long dotted domain', input: `${'a.'.repeat(50_000)}/!` },
    { name: 'long underscore run in path', input: `x/${'a_'.repeat(50_000)}:` },
  ];
  test.each(rows)('$name', (row) => {
    const start = Date.now();
    expect(() => parseDockerReference(row.input)).toThrow(ReferenceParseError);
    expect(Date.now() - start).toBeLessThan(1000);
  });
});
