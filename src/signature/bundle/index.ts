// Public face of sigstore-bundle verification (opt-in, beyond containers/image). Importing this module loads only
// our own code; @sigstore/verify, /bundle and /core are imported on the first verification.
export { verifySigstoreBundle, type BundleInput, type BundleVerificationDetails } from './verify.js';
export { verifyBundleWithTrustedRoot, type TrustedRootVerifyInput } from './trusted-root.js';
export {
  BUNDLE_MEDIA_TYPES,
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPES,
  isBundleMediaType,
} from './media-types.js';
