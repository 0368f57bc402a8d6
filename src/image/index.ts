// Public face of the image module: sources evaluation reads images through.
export type * from './types.js';
export { manifestDigest, manifestMatchesDigest } from '../manifest/digest.js';
export { openDirImageSource } from './dir-source.js';
export { openOCIImageSource } from './oci-source.js';
export { parseSignatureBlob, serializeSignatureBlob } from './signature-blob.js';
