import { SIGSTORE_BUNDLE_TYPES } from '../../manifest/index.js';

/** The sigstore bundle media types (protobuf-specs), oldest first. cosign v3 writes the last one. */
export const BUNDLE_MEDIA_TYPES = SIGSTORE_BUNDLE_TYPES;

export function isBundleMediaType(mt: string | undefined): boolean {
  return mt !== undefined && (BUNDLE_MEDIA_TYPES as readonly string[]).includes(mt);
}

/** cosign v3 `sign` (types.CosignSignPredicateType): the in-toto predicate that makes a bundle an image *signature*. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPES = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'] as const;
