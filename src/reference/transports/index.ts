/**
 * Image references per transport, with the policy identity and namespaces containers/image computes for each
 * (`PolicyConfigurationIdentity` / `PolicyConfigurationNamespaces`), and per-transport scope validation
 * (`ValidatePolicyConfigurationScope`). The policy lookup is plain string equality against these candidates, so
 * they have to be byte-for-byte what CRI-O/podman/skopeo generate; error messages are theirs too. One file per
 * transport, as c/image has one package per transport.
 *
 * File-system access is limited to what c/image itself does while *parsing* a reference (resolving symlinks of
 * dir:/oci:/sif: paths, checking tarball: files exist); `resolveSymlinks: false` turns it off for pure use.
 */
import { ReferenceParseError } from '../docker-reference.js';
import type { ImageReference, TransportName } from '../types.js';
import { atomicTransport } from './atomic.js';
import type { ParseImageReferenceOptions, Transport } from './base.js';
import { containersStorageTransport } from './containers-storage.js';
import { dirTransport } from './dir.js';
import { dockerArchiveTransport } from './docker-archive.js';
import { dockerDaemonTransport } from './docker-daemon.js';
import { dockerTransport, parseDockerWithin } from './docker.js';
import { ociArchiveTransport } from './oci-archive.js';
import { ociTransport } from './oci.js';
import type { PathContext } from './paths.js';
import { sifTransport } from './sif.js';
import { tarballTransport } from './tarball.js';

export { cleanPath } from '../../go/path-filepath.js';
export type { ParseImageReferenceOptions, Transport } from './base.js';
export { AtomicImageReference } from './atomic.js';
export { ContainersStorageImageReference, type StorageSpec } from './containers-storage.js';
export { DirImageReference } from './dir.js';
export { DockerArchiveImageReference } from './docker-archive.js';
export { DockerDaemonImageReference } from './docker-daemon.js';
export { DockerImageReference } from './docker.js';
export { OciArchiveImageReference } from './oci-archive.js';
export { OciImageReference } from './oci.js';
export { SifImageReference } from './sif.js';
export { TarballImageReference } from './tarball.js';

/** Every transport name c/image registers (ostree only as a stub: scopes are accepted, references are not). */
export const KNOWN_TRANSPORTS: readonly TransportName[] = [
  'docker',
  'dir',
  'oci',
  'oci-archive',
  'docker-archive',
  'docker-daemon',
  'containers-storage',
  'atomic',
  'sif',
  'tarball',
  'ostree',
];

export function isKnownTransport(name: string): name is TransportName {
  return (KNOWN_TRANSPORTS as readonly string[]).includes(name);
}

/** ostree is registered upstream only as a stub: its scopes are accepted, its references are not. */
const ostreeTransport: Transport = {
  name: 'ostree',
  parse: () => {
    throw new ReferenceParseError(`The transport "ostree:" is not supported in this build`);
  },
  scopeError: () => undefined,
};

const TRANSPORTS: Readonly<Record<TransportName, Transport>> = {
  docker: dockerTransport,
  dir: dirTransport,
  oci: ociTransport,
  'oci-archive': ociArchiveTransport,
  'docker-archive': dockerArchiveTransport,
  'docker-daemon': dockerDaemonTransport,
  'containers-storage': containersStorageTransport,
  atomic: atomicTransport,
  sif: sifTransport,
  tarball: tarballTransport,
  ostree: ostreeTransport,
};

/**
 * Parses `transport:rest` like c/image's `alltransports.ParseImageName`, except that an input without a known
 * transport prefix is a docker reference (as crictl/CRI-O take image names): `quay.io/a/b`, `busybox`,
 * `localhost:5000/x` all mean `docker://…`. With the explicit `docker:` prefix, `//` is required as upstream.
 */
export function parseImageReference(input: string, opts: ParseImageReferenceOptions = {}): ImageReference {
  const ctx: PathContext = { cwd: opts.cwd ?? process.cwd(), resolveSymlinks: opts.resolveSymlinks ?? true };
  const colon = input.indexOf(':');
  const transport = colon === -1 ? '' : input.slice(0, colon);
  if (!isKnownTransport(transport)) return parseDockerWithin(input);
  return TRANSPORTS[transport].parse(input.slice(colon + 1), ctx, opts);
}

/**
 * Why containers/image's `ValidatePolicyConfigurationScope` refuses `scope` for `transport`, or undefined when it
 * is acceptable. The policy parser turns a refusal into `Unknown key "<scope>"`; the reason is ours, for `lint`.
 * The "" scope is never validated, and unknown transports accept anything (upstream has no transport to ask).
 */
export function policyScopeError(transport: string, scope: string): string | undefined {
  if (scope === '' || !isKnownTransport(transport)) return undefined;
  return TRANSPORTS[transport].scopeError(scope);
}

export function validatePolicyScope(transport: string, scope: string): boolean {
  return policyScopeError(transport, scope) === undefined;
}
