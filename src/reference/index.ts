// Public face of the reference module. (Implementation files are filled in by the reference work.)
export type { DockerReference, ImageReference, TransportName } from './types.js';
export {
  parseDockerReference,
  parseCanonicalDockerReference,
  ReferenceParseError,
} from './docker-reference.js';
export { parseImageReference, validatePolicyScope, isKnownTransport, type ParseImageReferenceOptions } from './transports.js';
export { isValidIdentityRemappingPrefix } from './remap-prefix.js';
