// Public face of the sigstore (cosign) signature verifier. Heavy only in what it computes: node:crypto and our own
// DER/JSON readers, no network, no global state; the CLI imports it lazily when a sigstoreSigned requirement runs.
export { verifySigstoreSignature, type SigstoreMode, type SigstoreVerificationDetails } from './verify.js';
export { sigstoreSignatureFacts, type SigstoreSignatureFacts } from './facts.js';
export {
  SIGSTORE_SIGNATURE_ANNOTATION,
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_SET_ANNOTATION,
  SIGSTORE_SIGNATURE_MIME_TYPE,
} from './annotations.js';
