// Public face of the reference module.
export type { DockerReference, ImageReference, TransportName } from './types.js';
export {
  parseDockerReference,
  parseCanonicalDockerReference,
  parseRawDockerReference,
  ReferenceParseError,
  tagNameOnly,
  isNameOnly,
  withTag,
  trimNamed,
  isFullIdentifier,
  isValidDigest,
  digestValidationError,
  dockerReferenceIdentity,
  dockerReferenceNamespaces,
} from './docker-reference.js';
export {
  parseImageReference,
  validatePolicyScope,
  policyScopeError,
  isKnownTransport,
  KNOWN_TRANSPORTS,
  cleanPath,
  DockerImageReference,
  DirImageReference,
  OciImageReference,
  OciArchiveImageReference,
  DockerArchiveImageReference,
  DockerDaemonImageReference,
  ContainersStorageImageReference,
  AtomicImageReference,
  SifImageReference,
  TarballImageReference,
  type ParseImageReferenceOptions,
  type StorageSpec,
} from './transports/index.js';
export { isValidIdentityRemappingPrefix } from './remap-prefix.js';
