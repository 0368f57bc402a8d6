/** `docker-daemon:`: an image in the local Docker engine, by ID (transport default only) or by name (docker rules). */
import type { DockerReference } from '../types.js';
import {
  ReferenceParseError,
  dockerReferenceIdentity,
  dockerReferenceNamespaces,
  isNameOnly,
  isValidDigest,
  parseDockerReference,
  trimNamed,
} from '../docker-reference.js';
import { BaseImageReference, type Transport } from './base.js';

export class DockerDaemonImageReference extends BaseImageReference {
  readonly transport = 'docker-daemon' as const;
  constructor(
    /** `sha256:<hex>` image ID, or '' */
    readonly id: string,
    readonly ref: DockerReference | null,
  ) {
    super();
  }
  stringWithinTransport(): string {
    return this.id !== '' ? this.id : this.ref!.familiar();
  }
  dockerReference(): DockerReference | null {
    return this.ref;
  }
  /** By ID → "" (so the transport default applies); by name → like docker. */
  policyConfigurationIdentity(): string {
    return this.id !== '' ? '' : dockerReferenceIdentity(this.ref!);
  }
  policyConfigurationNamespaces(): string[] {
    return this.id !== '' ? [] : dockerReferenceNamespaces(this.ref!);
  }
}

function parseDockerDaemon(within: string): DockerDaemonImageReference {
  if (isValidDigest(within)) {
    if (!within.startsWith('sha256:')) {
      throw new ReferenceParseError(
        `Invalid docker-daemon: reference ${within}: only digest algorithm sha256 accepted`,
      );
    }
    return new DockerDaemonImageReference(within, null);
  }
  const ref = parseDockerReference(within);
  // `sha256:<short hex>` parses as repository "sha256" with a tag; upstream reserves that name to avoid confusion.
  if (trimNamed(ref).familiar() === 'sha256') {
    throw new ReferenceParseError(
      `Invalid docker-daemon: reference ${within}: The sha256 repository name is reserved for (non-shortened) digest references`,
    );
  }
  // No `:latest` defaulting here, unlike docker: (upstream behaviour).
  if (isNameOnly(ref)) {
    throw new ReferenceParseError(`docker-daemon: reference ${ref.familiar()} has neither a tag nor a digest`);
  }
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new ReferenceParseError('docker-daemon: references with both a tag and digest are currently not supported');
  }
  return new DockerDaemonImageReference('', ref);
}

export const dockerDaemonTransport: Transport = {
  name: 'docker-daemon',
  parse: (within) => parseDockerDaemon(within),
  scopeError: (scope) =>
    isValidDigest(scope) ? `docker-daemon: can not use algo:digest value ${scope} as a namespace` : undefined,
};
