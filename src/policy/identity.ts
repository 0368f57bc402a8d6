/**
 * signedIdentity / baseLayerIdentity matchers (containers/image `policy_reference_match.go`): does the Docker
 * reference a verified signature claims (`critical.identity.docker-reference`) fit the image being run?
 *
 * Every failure to parse either side is "no match", never an error: a signature naming garbage must not be
 * accepted, and the caller reports the uniform `Signature for identity %q is not accepted`.
 */
import {
  parseCanonicalDockerReference,
  parseDockerReference,
  type DockerReference,
  type ImageReference,
} from '../reference/index.js';
import type { PolicyReferenceMatch } from './types.js';

type RemapMatch = Extract<PolicyReferenceMatch, { type: 'remapIdentity' }>;

function isNameOnly(ref: DockerReference): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

function tryParse(s: string): DockerReference | null {
  try {
    return parseDockerReference(s);
  } catch {
    return null;
  }
}

/**
 * Both sides must carry a tag or digest: the image's reference already got its default `:latest`, and a signature
 * is supposed to name something exact, so a bare repository on either side is refused rather than defaulted.
 */
function exactMatch(intended: DockerReference, signed: DockerReference): boolean {
  if (isNameOnly(intended) || isNameOnly(signed)) return false;
  return signed.toString() === intended.toString();
}

/**
 * `matchRepoDigestOrExactReferenceValues`. A tagged image (also tag+digest) needs the exact same reference; a
 * digest-only image accepts any signature for the same repository, because the digest in the image reference is
 * checked against the manifest, and the signature's own manifest digest against the same manifest, elsewhere.
 */
function repoDigestOrExactMatch(intended: DockerReference, signed: DockerReference): boolean {
  if (isNameOnly(signed)) return false;
  if (intended.tag !== undefined) return signed.toString() === intended.toString();
  if (intended.digest !== undefined) return signed.name() === intended.name();
  return false;
}

/**
 * `refMatchesPrefix`: only `Name()` is compared, and only `/` may follow the prefix, so `example.com` matches
 * neither `example.com:5000/x` nor `example.comx/y`, and `docker.io/library` not `docker.io/libraryy/x`.
 */
function refMatchesPrefix(ref: DockerReference, prefix: string): boolean {
  const name = ref.name();
  if (name.length < prefix.length) return false;
  if (name.length === prefix.length) return name === prefix;
  return name.startsWith(prefix) && name[prefix.length] === '/';
}

export type RemapResult =
  | { readonly kind: 'unchanged'; readonly ref: DockerReference }
  | { readonly kind: 'rewritten'; readonly from: string; readonly to: string; readonly ref: DockerReference }
  | { readonly kind: 'invalid'; readonly from: string; readonly to: string; readonly error: string };

/**
 * `remapReferencePrefix`: textual replacement of the prefix in `String()`, then a *strict* re-parse. A rewrite
 * that lands on a non-canonical string (a short name that would silently mean docker.io, or `host:port:tag`)
 * is an error, not a reinterpretation.
 */
export function remapReference(match: RemapMatch, ref: DockerReference): RemapResult {
  if (!refMatchesPrefix(ref, match.prefix)) return { kind: 'unchanged', ref };
  const from = ref.toString();
  // The prefix matched Name(), which begins String(), so the first occurrence is the leading one.
  const to = from.replace(match.prefix, () => match.signedPrefix);
  try {
    return { kind: 'rewritten', from, to, ref: parseCanonicalDockerReference(to) };
  } catch (e) {
    const error = `error rewriting reference from ${JSON.stringify(from)} to ${JSON.stringify(to)}: ${(e as Error).message}`;
    return { kind: 'invalid', from, to, error };
  }
}

/**
 * `PolicyReferenceMatch.matchesDockerReference(image, signatureDockerReference)`.
 * `image` supplies the intended identity for the image-relative matchers; images without a Docker reference
 * (dir:, oci:, …) never match those (upstream creates, then discards, a "no known Docker reference identity" error).
 */
export function matchesDockerReference(
  match: PolicyReferenceMatch,
  image: ImageReference,
  signedDockerReference: string,
): boolean {
  switch (match.type) {
    case 'exactReference': {
      const intended = tryParse(match.dockerReference);
      const signed = tryParse(signedDockerReference);
      return intended !== null && signed !== null && exactMatch(intended, signed);
    }
    case 'exactRepository': {
      const intended = tryParse(match.dockerRepository);
      const signed = tryParse(signedDockerReference);
      return intended !== null && signed !== null && signed.name() === intended.name();
    }
    default:
      break;
  }
  // Image-relative matchers: the image's identity first (as upstream), then the signed string.
  const intended = image.dockerReference();
  if (intended === null) return false;
  const signed = tryParse(signedDockerReference);
  if (signed === null) return false;
  switch (match.type) {
    case 'matchExact':
      return exactMatch(intended, signed);
    case 'matchRepoDigestOrExact':
      return repoDigestOrExactMatch(intended, signed);
    case 'matchRepository':
      return signed.name() === intended.name();
    case 'remapIdentity': {
      const remapped = remapReference(match, intended);
      return remapped.kind !== 'invalid' && repoDigestOrExactMatch(remapped.ref, signed);
    }
  }
}

/** What a repoDigestOrExact comparison will demand of a signature for `intended`. */
function repoDigestOrExactExpectation(intended: DockerReference): string {
  if (intended.tag !== undefined) return `the signature must name ${intended.toString()}`;
  if (intended.digest !== undefined) {
    return `the signature must name repository ${intended.name()} with any tag or digest`;
  }
  return 'no signature can match (the image reference has neither a tag nor a digest)';
}

function noDockerIdentity(image: ImageReference): string {
  return `no signature can match: ${image.toString()} has no Docker reference identity`;
}

/**
 * One line saying what `match` expects of a signature's docker-reference, for explanations. With `image`, the
 * expectation is spelled out for that image (e.g. `matchRepoDigestOrExact: the signature must name
 * docker.io/library/busybox:latest`); without, it describes the rule.
 */
export function describeMatch(match: PolicyReferenceMatch, image?: ImageReference): string {
  const intended = image?.dockerReference() ?? null;
  switch (match.type) {
    case 'matchExact':
      if (image === undefined) return 'matchExact: the signature must name exactly the image reference (tag or digest included)';
      if (intended === null) return `matchExact: ${noDockerIdentity(image)}`;
      if (isNameOnly(intended)) return 'matchExact: no signature can match (the image reference has neither a tag nor a digest)';
      return `matchExact: the signature must name exactly ${intended.toString()}`;
    case 'matchRepoDigestOrExact':
      if (image === undefined) {
        return 'matchRepoDigestOrExact: for a tagged image the signature must name exactly that tag; for a digest-only image, any tag or digest of the same repository';
      }
      if (intended === null) return `matchRepoDigestOrExact: ${noDockerIdentity(image)}`;
      return `matchRepoDigestOrExact: ${repoDigestOrExactExpectation(intended)}`;
    case 'matchRepository':
      if (image === undefined) return 'matchRepository: the signature must name the same repository (any tag or digest)';
      if (intended === null) return `matchRepository: ${noDockerIdentity(image)}`;
      return `matchRepository: the signature must name repository ${intended.name()} (any tag or digest)`;
    case 'exactReference': {
      const ref = tryParse(match.dockerReference);
      if (ref === null) return `exactReference: ${JSON.stringify(match.dockerReference)} does not parse, so no signature can match`;
      if (isNameOnly(ref)) return `exactReference: ${ref.toString()} has neither a tag nor a digest, so no signature can match`;
      return `exactReference: the signature must name exactly ${ref.toString()} (whatever the image is called)`;
    }
    case 'exactRepository': {
      const ref = tryParse(match.dockerRepository);
      if (ref === null) return `exactRepository: ${JSON.stringify(match.dockerRepository)} does not parse, so no signature can match`;
      return `exactRepository: the signature must name repository ${ref.name()} (any tag or digest, whatever the image is called)`;
    }
    case 'remapIdentity': {
      const rule = `remapIdentity ${JSON.stringify(match.prefix)} → ${JSON.stringify(match.signedPrefix)}`;
      if (image === undefined) {
        return `${rule}: image names under the prefix are rewritten to the signed prefix, then matched as matchRepoDigestOrExact`;
      }
      if (intended === null) return `${rule}: ${noDockerIdentity(image)}`;
      const remapped = remapReference(match, intended);
      switch (remapped.kind) {
        case 'unchanged':
          return `${rule}: prefix does not apply to ${intended.name()}; ${repoDigestOrExactExpectation(intended)}`;
        case 'rewritten':
          return `${rule}: ${remapped.from} is rewritten to ${remapped.ref.toString()}; ${repoDigestOrExactExpectation(remapped.ref)}`;
        case 'invalid':
          return `${rule}: ${remapped.error}, so no signature can match`;
      }
    }
  }
}
