/** `docker-archive:`: a `docker save` tarball; it has no identity, so only the transport's "" scope applies. */
import { atoi } from '../../go/strconv.js';
import type { DockerReference } from '../types.js';
import { ReferenceParseError, parseDockerReference, tagNameOnly } from '../docker-reference.js';
import { BaseImageReference, type Transport } from './base.js';

export class DockerArchiveImageReference extends BaseImageReference {
  readonly transport = 'docker-archive' as const;
  constructor(
    readonly path: string,
    /** Tagged (never digested) name inside the archive, or null. */
    readonly ref: DockerReference | null,
    readonly sourceIndex: number,
  ) {
    super();
  }
  stringWithinTransport(): string {
    if (this.ref !== null) return `${this.path}:${this.ref.toString()}`;
    if (this.sourceIndex !== -1) return `${this.path}:@${this.sourceIndex}`;
    return this.path;
  }
  dockerReference(): DockerReference | null {
    return this.ref;
  }
  /** Archives have no identity: only the transport's "" scope can apply. */
  policyConfigurationIdentity(): string {
    return '';
  }
  policyConfigurationNamespaces(): string[] {
    return [];
  }
}

function parseDockerArchive(within: string): DockerArchiveImageReference {
  if (within === '') {
    throw new ReferenceParseError(`docker-archive reference ${within} isn't of the form <path>[:<reference>]`);
  }
  const i = within.indexOf(':');
  const path = i === -1 ? within : within.slice(0, i);
  if (i === -1) return new DockerArchiveImageReference(path, null, -1);
  const tagOrIndex = within.slice(i + 1);
  if (tagOrIndex.startsWith('@')) {
    const n = atoi(tagOrIndex.slice(1));
    if (typeof n === 'string') throw new ReferenceParseError(`Invalid source index ${tagOrIndex}: ${n}`);
    if (n < 0) throw new ReferenceParseError(`Invalid source index @${n}: must not be negative`);
    return new DockerArchiveImageReference(path, null, n);
  }
  let ref: DockerReference;
  try {
    ref = tagNameOnly(parseDockerReference(tagOrIndex));
  } catch (e) {
    throw new ReferenceParseError(`docker-archive parsing reference: ${(e as Error).message}`);
  }
  // TagNameOnly leaves a digest-only reference alone; archives can only name tags.
  if (ref.tag === undefined) throw new ReferenceParseError(`reference does not include a tag: ${ref.toString()}`);
  if (ref.digest !== undefined) {
    throw new ReferenceParseError(`docker-archive doesn't support digest references: ${ref.toString()}`);
  }
  return new DockerArchiveImageReference(path, ref, -1);
}

export const dockerArchiveTransport: Transport = {
  name: 'docker-archive',
  parse: (within) => parseDockerArchive(within),
  scopeError: () => `docker-archive: does not support any scopes except the default "" one`,
};
