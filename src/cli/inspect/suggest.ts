/**
 * The policy.json entry `inspect` suggests for a signature it found: the least permissive scope and
 * signedIdentity that accept what the signature claims, and placeholders for trust roots it cannot know.
 */
import { parseDockerReference, type ImageReference } from '../../reference/index.js';

/** Placeholders for trust roots `inspect` cannot know; a suggestion using one says so. */
export const PLACEHOLDER = {
  cosignKey: '/etc/containers/keys/REPLACE-cosign.pub',
  gpgKey: '/etc/containers/keys/REPLACE-gpg-key.asc',
  fulcioCa: '/etc/containers/fulcio_v1.crt.pem',
  rekorKey: '/etc/containers/rekor.pub',
  pkiRoots: '/etc/containers/REPLACE-pki-roots.pem',
} as const;

/**
 * The least permissive signedIdentity that accepts what the signature claims for this image: undefined means the
 * default (matchRepoDigestOrExact) already does; null means none can (the claim is not a docker reference).
 */
export function suggestIdentity(ref: ImageReference, claimed: string | undefined): Record<string, unknown> | undefined | null {
  if (claimed === undefined) return null;
  let c;
  try {
    c = parseDockerReference(claimed);
  } catch {
    return null;
  }
  const r = ref.dockerReference();
  if (r === null) return { type: 'exactRepository', dockerRepository: c.name() };
  if (c.name() === r.name()) {
    if (r.digest !== undefined && r.tag === undefined) return undefined; // matchRepoDigestOrExact: any claim of the repo
    if (r.tag !== undefined && c.tag === r.tag && c.digest === undefined) return undefined; // exact tag
    return { type: 'matchRepository' };
  }
  return { type: 'exactRepository', dockerRepository: c.name() };
}

/** The repository for docker images (every tag of it), the policy identity for the others. */
export function suggestScope(ref: ImageReference): { transport: string; scope: string } {
  const r = ref.dockerReference();
  if (ref.transport === 'docker' && r) return { transport: 'docker', scope: r.name() };
  return { transport: ref.transport, scope: ref.policyConfigurationIdentity() };
}

