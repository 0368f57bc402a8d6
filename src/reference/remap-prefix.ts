/**
 * The `prefix` / `signedPrefix` check of `remapIdentity` (containers/image `validateIdentityRemappingPrefix`).
 */
import { DOMAIN_PATTERN, NAME_PATTERN } from './docker-reference.js';

const DOMAIN_RE = new RegExp(`^${DOMAIN_PATTERN}$`);
// Starts with a domain followed by `/`: the name grammar alone would also accept short names with docker.io implied.
const DOMAIN_PREFIX_RE = new RegExp(`^${DOMAIN_PATTERN}/`);
const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

/**
 * Valid iff `s` is a bare registry domain (`host` or `host:port`) or a repository name (no tag, no digest) whose
 * first component is a domain. Like upstream this cannot tell a host from a short name, so `shortname` and
 * `ns/shortname` pass even though they can never match anything (a rewrite with them fails the canonical re-parse).
 */
export function isValidIdentityRemappingPrefix(s: string): boolean {
  return DOMAIN_RE.test(s) || (NAME_RE.test(s) && DOMAIN_PREFIX_RE.test(s));
}
