/** Kept as an import path for sigstore code: the decoder is shared with the policy parser. */
export * from '../../go/encoding/base64.js';
