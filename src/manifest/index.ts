/** Manifest facts in one place: media types, GuessMIMEType, digests, and c/image's manifest parsers. */
export * from './media-types.js';
export { guessMIMEType } from './guess.js';
export { manifestDigest, manifestMatchesDigest, validateDigest } from './digest.js';
export { Schema1SignatureError, joseBase64UrlDecode, libtrustKeyID } from './schema1.js';
export {
  ManifestFormatError,
  parseList,
  parseOCI1,
  parseManifestByType,
  validateUnambiguousManifestFormat,
  type ListInstance,
  type OCILayer,
} from './parse.js';
export { parseSigstoreJSON, type SigstoreJSON } from './sigstore-json.js';
export { OCI1, OCI1_INDEX } from './shapes.js';
