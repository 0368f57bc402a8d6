/**
 * `signedIdentity` / `baseLayerIdentity` objects (c/image `newPolicyReferenceMatchFromJSON` and the prm* parsers).
 * Only parsing lives here; matching is `../identity.ts`.
 */
import { isValidIdentityRemappingPrefix, parseDockerReference, type DockerReference } from '../../reference/index.js';
import { goQuote } from '../../go/fmt.js';
import { decodeString, fail, lenientType, paranoidObjectExactFields } from '../go-decode.js';
import type { JsonLocation, JsonNode } from '../../go/encoding/json/scanner.js';
import type { PolicyReferenceMatch } from '../types.js';

/** What c/image uses when `signedIdentity` is absent. */
export const DEFAULT_SIGNED_IDENTITY: PolicyReferenceMatch = { type: 'matchRepoDigestOrExact' };

/** Parses a docker reference, or returns the inner message (the reference module words it as upstream does). */
function tryParseReference(s: string): DockerReference | { error: string } {
  try {
    return parseDockerReference(s);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Parses an identity-match value. As upstream: the type is found leniently first (an unknown or missing one is
 * `Unknown policy reference match type %q`), then the object is re-read strictly with exactly that type's fields.
 */
export function parseReferenceMatch(node: JsonNode): PolicyReferenceMatch {
  const { type, at } = lenientType(node, 'prmCommon', 'prmTypeIdentifier');
  const typeField = { type: (v: JsonNode) => void decodeString(v, 'signature.prmTypeIdentifier') };
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      paranoidObjectExactFields(node, typeField);
      return { type };
    case 'exactReference': {
      let ref = '';
      let refLoc: JsonLocation = node.loc;
      paranoidObjectExactFields(node, {
        ...typeField,
        dockerReference: (v) => {
          ref = decodeString(v);
          refLoc = v.loc;
        },
      });
      const parsed = tryParseReference(ref);
      if ('error' in parsed) fail(`Invalid format of dockerReference ${goQuote(ref)}: ${parsed.error}`, refLoc);
      // An exactReference names one image: a bare repository would silently mean ":latest" to some readers.
      if (parsed.tag === undefined && parsed.digest === undefined) {
        fail(`dockerReference ${goQuote(ref)} contains neither a tag nor digest`, refLoc);
      }
      return { type, dockerReference: ref };
    }
    case 'exactRepository': {
      let repo = '';
      let repoLoc: JsonLocation = node.loc;
      paranoidObjectExactFields(node, {
        ...typeField,
        dockerRepository: (v) => {
          repo = decodeString(v);
          repoLoc = v.loc;
        },
      });
      // A tag or digest is accepted here (and ignored when matching), exactly as upstream.
      const parsed = tryParseReference(repo);
      if ('error' in parsed) fail(`Invalid format of dockerRepository ${goQuote(repo)}: ${parsed.error}`, repoLoc);
      return { type, dockerRepository: repo };
    }
    case 'remapIdentity': {
      let prefix = '';
      let signedPrefix = '';
      let prefixLoc: JsonLocation = node.loc;
      let signedPrefixLoc: JsonLocation = node.loc;
      paranoidObjectExactFields(node, {
        ...typeField,
        prefix: (v) => {
          prefix = decodeString(v);
          prefixLoc = v.loc;
        },
        signedPrefix: (v) => {
          signedPrefix = decodeString(v);
          signedPrefixLoc = v.loc;
        },
      });
      // Upstream uses the same wording for both fields.
      if (!isValidIdentityRemappingPrefix(prefix)) fail(`prefix ${goQuote(prefix)} is not valid`, prefixLoc);
      if (!isValidIdentityRemappingPrefix(signedPrefix)) {
        fail(`prefix ${goQuote(signedPrefix)} is not valid`, signedPrefixLoc);
      }
      return { type, prefix, signedPrefix };
    }
    default:
      fail(`Unknown policy reference match type ${goQuote(type)}`, at);
  }
}
