/** `docker://`: a registry image, scoped like every docker reference. */
import type { ImageReference } from '../types.js';
import { ReferenceParseError, parseDockerReference, tagNameOnly } from '../docker-reference.js';
import { RegistryImageReference, type Transport } from './base.js';

export class DockerImageReference extends RegistryImageReference {
  readonly transport = 'docker' as const;
  /** `ref` is always tagged or digested, never both (refused at parse time, as c/image does). */
  stringWithinTransport(): string {
    return `//${this.ref.familiar()}`;
  }
}

export function parseDockerWithin(refString: string): DockerImageReference {
  const ref = tagNameOnly(parseDockerReference(refString));
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new ReferenceParseError('Docker references with both a tag and digest are currently not supported');
  }
  return new DockerImageReference(ref);
}

function parseDocker(within: string): DockerImageReference {
  if (!within.startsWith('//')) {
    throw new ReferenceParseError(`docker: image reference ${within} does not start with //`);
  }
  return parseDockerWithin(within.slice(2));
}

export const dockerTransport: Transport = {
  name: 'docker',
  parse: (within): ImageReference => parseDocker(within),
  scopeError: () => undefined,
};
