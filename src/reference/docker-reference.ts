/**
 * Docker reference grammar and normalisation, behaving like containers/image's fork of docker/distribution's
 * `reference` package (`docker/reference/{regexp,reference,normalize,helpers}.go`) together with the
 * opencontainers/go-digest v1.0.0 validation it calls. Policy decisions compare the *strings* these functions
 * produce, so every quirk matters: a reference we normalise differently from CRI-O would make a scope or a
 * signedIdentity match where CRI-O's would not (or the other way round).
 *
 * Notably *not* supported, on purpose, because containers/image does not support them either:
 * IPv6 literal domains (`[::1]:5000/foo` is `invalid reference format` there, unlike newer upstream
 * distribution/reference).
 */
import type { DockerReference } from './types.js';

/** A reference string that does not parse; `message` is exactly containers/image's error text. */
export class ReferenceParseError extends Error {
  override readonly name = 'ReferenceParseError';
}

// ---------------------------------------------------------------------------------------------------------------
// Grammar. Built from the same pieces as upstream so that JavaScript's backtracking matcher picks the same
// sub-matches (domain vs. path split) as Go's leftmost-first RE2 does. One deliberate rewrite: upstream's path
// separator is `(?:[._]|__|[-]*)`, whose empty alternative makes `(?:sep alnum)+` ambiguous; harmless for RE2
// (linear time) but exponential for a backtracking engine on inputs like `aaaa…a!`. `-+` instead of `[-]*`
// accepts exactly the same language (an empty separator between two alphanumeric runs just lengthens the run)
// and adds no capture groups, so results are identical and matching stays fast.

const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const NAME_COMPONENT = `${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** `reference.DomainRegexp`: `label(.label)*(:port)?`; upper case allowed; no IPv6 brackets. */
export const DOMAIN_PATTERN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const TAG_PATTERN = '[\\w][\\w.-]{0,127}';
// Syntactic digest shape only (note the upper-case letters and ≥32 hex digits); go-digest validates it after.
const DIGEST_PATTERN = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
/** `reference.NameRegexp`: an optional domain, then `/`-separated path components (unanchored). */
export const NAME_PATTERN = `(?:${DOMAIN_PATTERN}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*`;

const REFERENCE_RE = new RegExp(`^(${NAME_PATTERN})(?::(${TAG_PATTERN}))?(?:@(${DIGEST_PATTERN}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${DOMAIN_PATTERN})/)?(${NAME_COMPONENT}(?:/${NAME_COMPONENT})*)$`);
const ANCHORED_TAG_RE = new RegExp(`^${TAG_PATTERN}$`);
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;

const NAME_TOTAL_LENGTH_MAX = 255;
const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_NAME = 'library';
const DEFAULT_TAG = 'latest';

// Messages, verbatim from distribution/reference and go-digest: they surface in policy errors
// (`Invalid format of dockerReference %q: %s`) and users grep for them.
export const ERR_REFERENCE_INVALID_FORMAT = 'invalid reference format';
const ERR_NAME_CONTAINS_UPPERCASE = 'repository name must be lowercase';
const ERR_NAME_EMPTY = 'repository name must have at least one component';
const ERR_NAME_TOO_LONG = `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`;
const ERR_NAME_NOT_CANONICAL = 'repository name must be canonical';
const ERR_DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
const ERR_DIGEST_INVALID_LENGTH = 'invalid checksum digest length';
const ERR_DIGEST_UNSUPPORTED = 'unsupported digest algorithm';

// ---------------------------------------------------------------------------------------------------------------
// go-digest (v1.0.0, the version containers/image pins)

/** Hex lengths of the algorithms go-digest knows (all three are linked into containers/image binaries). */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const GO_DIGEST_ANCHORED_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * `digest.Parse(d)` / `Digest.Validate()`: returns the go-digest error message, or undefined when `d` is a
 * valid digest. Order matters (it decides which message users see): format, then algorithm, then length, then hex.
 */
export function digestValidationError(d: string): string | undefined {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) return ERR_DIGEST_INVALID_FORMAT;
  const algorithm = d.slice(0, i);
  const encoded = d.slice(i + 1);
  const hexLength = Object.hasOwn(DIGEST_HEX_LENGTH, algorithm) ? DIGEST_HEX_LENGTH[algorithm] : undefined;
  if (hexLength === undefined) {
    return GO_DIGEST_ANCHORED_RE.test(d) ? ERR_DIGEST_UNSUPPORTED : ERR_DIGEST_INVALID_FORMAT;
  }
  if (encoded.length !== hexLength) return ERR_DIGEST_INVALID_LENGTH;
  return /^[a-f0-9]+$/.test(encoded) ? undefined : ERR_DIGEST_INVALID_FORMAT;
}

export function isValidDigest(d: string): boolean {
  return digestValidationError(d) === undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The reference value

class ParsedDockerReference implements DockerReference {
  readonly tag?: string;
  readonly digest?: string;

  constructor(
    readonly domain: string,
    readonly path: string,
    tag?: string,
    digest?: string,
  ) {
    // Empty strings mean "absent", as in Go; keep the optional fields truly absent so `'tag' in ref` and
    // deep equality in tests behave.
    if (tag) this.tag = tag;
    if (digest) this.digest = digest;
    Object.freeze(this);
  }

  name(): string {
    return this.domain === '' ? this.path : `${this.domain}/${this.path}`;
  }

  toString(): string {
    return withTagAndDigest(this.name(), this.tag, this.digest);
  }

  familiar(): string {
    let domain = this.domain;
    let path = this.path;
    if (domain === DEFAULT_DOMAIN) {
      domain = '';
      const parts = path.split('/');
      // Only a lone `library/x` loses its namespace: `library/a/b` stays as written, as upstream does.
      if (parts.length === 2 && parts[0] === OFFICIAL_REPO_NAME) path = parts[1]!;
    }
    const name = domain === '' ? path : `${domain}/${path}`;
    return withTagAndDigest(name, this.tag, this.digest);
  }
}

function withTagAndDigest(name: string, tag: string | undefined, digest: string | undefined): string {
  let s = name;
  if (tag !== undefined) s += `:${tag}`;
  if (digest !== undefined) s += `@${digest}`;
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** `reference.Parse`: the raw grammar, no normalisation (short names keep an empty or non-host domain). */
export function parseRawDockerReference(s: string): DockerReference {
  return parseRaw(s);
}

function parseRaw(s: string): ParsedDockerReference {
  const m = REFERENCE_RE.exec(s);
  if (m === null) {
    if (s === '') throw new ReferenceParseError(ERR_NAME_EMPTY);
    if (REFERENCE_RE.test(s.toLowerCase())) throw new ReferenceParseError(ERR_NAME_CONTAINS_UPPERCASE);
    throw new ReferenceParseError(ERR_REFERENCE_INVALID_FORMAT);
  }
  const fullName = m[1]!;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) throw new ReferenceParseError(ERR_NAME_TOO_LONG);

  // Upstream re-matches the name to split the domain; when the first component is not a valid domain the whole
  // name becomes the path with an empty domain (e.g. `a_b.com/foo`), and we must keep that quirk.
  const nm = ANCHORED_NAME_RE.exec(fullName);
  const domain = nm?.[1] ?? '';
  const path = nm ? nm[2]! : fullName;

  const digest = m[3];
  if (digest !== undefined) {
    const err = digestValidationError(digest);
    if (err !== undefined) throw new ReferenceParseError(err);
  }
  return new ParsedDockerReference(domain, path, m[2], digest);
}

/** `splitDockerDomain`: docker.io defaulting, index.docker.io rewriting, `library/` for official images. */
function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== 'localhost')) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = name.slice(0, i);
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `${OFFICIAL_REPO_NAME}/${remainder}`;
  return [domain, remainder];
}

/**
 * `reference.ParseNormalizedNamed`: what every policy-relevant docker string goes through (image names, signed
 * identities, `exactReference`/`exactRepository` values). Adds no default tag.
 */
export function parseDockerReference(s: string): DockerReference {
  if (ANCHORED_IDENTIFIER_RE.test(s)) {
    throw new ReferenceParseError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) {
    throw new ReferenceParseError(`${ERR_REFERENCE_INVALID_FORMAT}: ${ERR_NAME_CONTAINS_UPPERCASE}`);
  }
  return parseRaw(`${domain}/${remainder}`);
}

/**
 * `reference.ParseNamed`: like {@link parseDockerReference} but the input must already be the canonical, fully
 * qualified form (`docker.io/library/busybox:latest`, not `busybox:latest`). remapIdentity relies on this so that a
 * rewrite producing a short name (which would silently mean docker.io) is refused rather than reinterpreted.
 */
export function parseCanonicalDockerReference(s: string): DockerReference {
  const ref = parseDockerReference(s);
  if (ref.toString() !== s) throw new ReferenceParseError(ERR_NAME_NOT_CANONICAL);
  return ref;
}

/** `reference.IsNameOnly`: neither a tag nor a digest. */
export function isNameOnly(ref: DockerReference): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

/** `reference.TagNameOnly`: adds `:latest` when the reference has neither a tag nor a digest. */
export function tagNameOnly(ref: DockerReference): DockerReference {
  if (!isNameOnly(ref)) return ref;
  return new ParsedDockerReference(ref.domain, ref.path, DEFAULT_TAG, undefined);
}

/** `reference.WithTag` (used by transports that default or replace a tag). */
export function withTag(ref: DockerReference, tag: string): DockerReference {
  if (!ANCHORED_TAG_RE.test(tag)) throw new ReferenceParseError('invalid tag format');
  return new ParsedDockerReference(ref.domain, ref.path, tag, ref.digest);
}

/** Repository only (`reference.TrimNamed`). */
export function trimNamed(ref: DockerReference): DockerReference {
  return new ParsedDockerReference(ref.domain, ref.path);
}

/** `reference.IsFullIdentifier`: a full 64-hex image ID. */
export function isFullIdentifier(s: string): boolean {
  return ANCHORED_IDENTIFIER_RE.test(s);
}

/**
 * `policyconfiguration.DockerReferenceIdentity`: `Name:tag` or `Name@digest`. Refuses name-only and tag+digest
 * references, which no transport may hand to the policy lookup.
 */
export function dockerReferenceIdentity(ref: DockerReference): string {
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new ReferenceParseError(`Unexpected Docker reference ${ref.familiar()} with both a name and a digest`);
  }
  if (ref.tag !== undefined) return `${ref.name()}:${ref.tag}`;
  if (ref.digest !== undefined) return `${ref.name()}@${ref.digest}`;
  throw new ReferenceParseError(
    `Internal inconsistency: Docker reference ${ref.familiar()} with neither a tag nor a digest`,
  );
}

/**
 * `policyconfiguration.DockerReferenceNamespaces`: the repository, each parent down to the host, then `*.`
 * wildcards of the host without its port (most specific first). The host itself never becomes `*.host`.
 */
export function dockerReferenceNamespaces(ref: DockerReference): string[] {
  const res: string[] = [];
  let name = ref.name();
  for (;;) {
    res.push(name);
    const lastSlash = name.lastIndexOf('/');
    if (lastSlash === -1) break;
    name = name.slice(0, lastSlash);
  }
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  for (;;) {
    const dot = name.indexOf('.');
    if (dot === -1) break;
    name = name.slice(dot + 1);
    res.push(`*.${name}`);
  }
  return res;
}
