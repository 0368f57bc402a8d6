/**
 * What every transport shares: the {@link Transport} interface (parse a reference, validate a policy scope), the
 * reference base classes with c/image's `PolicyConfigurationIdentity` / `PolicyConfigurationNamespaces`
 * behaviour for registry-named and path-named images, and the absolute-path scope rule of the file transports.
 */
import { cleanPath } from '../../go/path-filepath.js';
import type { DockerReference, ImageReference, TransportName } from '../types.js';
import { dockerReferenceIdentity, dockerReferenceNamespaces } from '../docker-reference.js';
import { parentDirectories, selfAndParentDirectories, type PathContext } from './paths.js';

export interface ParseImageReferenceOptions {
  /** Directory relative paths are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /**
   * Resolve symlinks and check existence as c/image does (default true). With false, paths are only made
   * absolute and cleaned — useful when explaining a policy for a machine whose file system is not this one.
   */
  readonly resolveSymlinks?: boolean;
  /** containers-storage defaults when the reference has no `[driver@root]` part (c/image reads storage.conf). */
  readonly storageDriver?: string;
  readonly storageRoot?: string;
  readonly storageRunRoot?: string;
}

/** One c/image transport: its `ParseReference` and `ValidatePolicyConfigurationScope`. */
export interface Transport {
  readonly name: TransportName;
  /** `within` is the part after `transport:`. */
  parse(within: string, ctx: PathContext, opts: ParseImageReferenceOptions): ImageReference;
  /** Why a non-empty scope is refused for this transport, or undefined when it is acceptable. */
  scopeError(scope: string): string | undefined;
}

export abstract class BaseImageReference implements ImageReference {
  abstract readonly transport: TransportName;
  abstract stringWithinTransport(): string;
  abstract dockerReference(): DockerReference | null;
  abstract policyConfigurationIdentity(): string;
  abstract policyConfigurationNamespaces(): string[];

  /** `transports.ImageName`: what c/image prints in `Running image %s is rejected by policy.` */
  toString(): string {
    return `${this.transport}:${this.stringWithinTransport()}`;
  }
}

/**
 * Transports that name a registry image (docker:, atomic:): c/image scopes them exactly like docker references,
 * so they share the identity and namespace rules and differ only in how they print.
 */
export abstract class RegistryImageReference extends BaseImageReference {
  constructor(readonly ref: DockerReference) {
    super();
  }
  dockerReference(): DockerReference {
    return this.ref;
  }
  policyConfigurationIdentity(): string {
    return dockerReferenceIdentity(this.ref);
  }
  policyConfigurationNamespaces(): string[] {
    return dockerReferenceNamespaces(this.ref);
  }
}

/**
 * Transports that name a local file or directory (dir:, sif:, oci:, oci-archive:): the resolved path is the
 * identity and its parent directories are the namespaces; the OCI layouts also list the path itself (c/image's
 * oci transports do, the others do not).
 */
export abstract class PathImageReference extends BaseImageReference {
  // ES-private, so that a reference's own (enumerable, serialisable) fields stay the ones its transport declares.
  readonly #identityPath: string;
  readonly #selfIsNamespace: boolean;
  constructor(identityPath: string, selfIsNamespace: boolean) {
    super();
    this.#identityPath = identityPath;
    this.#selfIsNamespace = selfIsNamespace;
  }
  dockerReference(): null {
    return null;
  }
  policyConfigurationIdentity(): string {
    return this.#identityPath;
  }
  policyConfigurationNamespaces(): string[] {
    return this.#selfIsNamespace ? selfAndParentDirectories(this.#identityPath) : parentDirectories(this.#identityPath);
  }
}

export function absolutePathScopeError(scope: string, nonCanonicalWording: 'format' | 'path format'): string | undefined {
  if (!scope.startsWith('/')) {
    return nonCanonicalWording === 'format'
      ? `Invalid scope ${scope}: Must be an absolute path`
      : `Invalid scope ${scope}: must be an absolute path`;
  }
  if (scope === '/') return 'Invalid scope "/": Use the generic default scope ""';
  const cleaned = cleanPath(scope);
  if (cleaned !== scope) {
    return nonCanonicalWording === 'format'
      ? `Invalid scope ${scope}: Uses non-canonical format, perhaps try ${cleaned}`
      : `Invalid scope ${scope}: Uses non-canonical path format, perhaps try with path ${cleaned}`;
  }
  return undefined;
}
