import { COSIGN_SIMPLESIGNING } from '../../manifest/index.js';
/** The annotation keys cosign and c/image use on a sigstore signature (c/image internal/signature/sigstore.go). */
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIGSTORE_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const SIGSTORE_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const SIGSTORE_SET_ANNOTATION = 'dev.sigstore.cosign/bundle';
/** The only MIME type that is a signature (others are attestations, SBOMs … attached to the same tag). */
export const SIGSTORE_SIGNATURE_MIME_TYPE = COSIGN_SIMPLESIGNING;
