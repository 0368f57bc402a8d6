/** `atomic:`: the retired OpenShift transport; a registry image with a `hostname/namespace/stream:tag` shape. */
import { goQuote } from '../../go/fmt.js';
import type { DockerReference } from '../types.js';
import { ReferenceParseError, dockerReferenceIdentity, parseDockerReference } from '../docker-reference.js';
import { RegistryImageReference, type Transport } from './base.js';

export class AtomicImageReference extends RegistryImageReference {
  readonly transport = 'atomic' as const;
  stringWithinTransport(): string {
    return this.ref.familiar();
  }
}

function parseAtomic(within: string): AtomicImageReference {
  let ref: DockerReference;
  try {
    ref = parseDockerReference(within);
  } catch (e) {
    throw new ReferenceParseError(`failed to parse image reference ${goQuote(within)}: ${(e as Error).message}`);
  }
  if (ref.tag === undefined) {
    throw new ReferenceParseError(
      `invalid image reference ${within}, expected format: 'hostname/namespace/stream:tag'`,
    );
  }
  if (ref.path.split('/').length !== 2) {
    throw new ReferenceParseError(
      `invalid image reference: ${ref.familiar()}, expected format: 'hostname/namespace/stream:tag'`,
    );
  }
  // Upstream accepts tag+digest here and then panics computing the identity; fail cleanly instead.
  dockerReferenceIdentity(ref);
  return new AtomicImageReference(ref);
}

const ATOMIC_SCOPE_RE = /^[^/]*(\/[^:/]*(\/[^:/]*(:[^:/]*)?)?)?$/;

export const atomicTransport: Transport = {
  name: 'atomic',
  parse: (within) => parseAtomic(within),
  scopeError: (scope) => (ATOMIC_SCOPE_RE.test(scope) ? undefined : `Invalid scope name ${scope}`),
};
