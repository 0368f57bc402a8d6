import { ImageSourceError } from '../errors.js';
import { GoJSONError } from '../go/encoding/json/scanner.js';
import { parseSigstoreJSON } from '../manifest/index.js';
import type { Signature } from './types.js';

/**
 * The on-disk / lookaside signature format of containers/image (internal/signature.FromBlob):
 * either raw OpenPGP bytes (simple signing, recognised by the first byte being an OpenPGP packet tag), or
 * `\x00<format name>\n<body>` where format is `simple-signing` or `sigstore-json`.
 */

/** OpenPGP packet tags c/image treats as "this is a simple-signing blob" — including its 0x3D typo for 0x93. */
const OPENPGP_FIRST_BYTES = new Set([
  0xa0, 0xa1, 0xa2, 0xa3, 0xc8, 0x90, 0x91, 0x92, 0x3d, 0xc4, 0x88, 0x89, 0x8a, 0x8b, 0xc2,
]);

export function parseSignatureBlob(blob: Uint8Array): Signature {
  if (blob.length === 0) throw new ImageSourceError('invalid signature format, missing newline');
  const first = blob[0]!;
  if (OPENPGP_FIRST_BYTES.has(first)) return { format: 'simple-signing', blob };
  if (first !== 0x00) {
    throw new ImageSourceError(`unrecognized signature format, starting with binary 0x${first.toString(16)}`);
  }
  const newline = blob.indexOf(0x0a, 1);
  if (newline < 0) throw new ImageSourceError('invalid signature format, missing newline');
  const formatName = Buffer.from(blob.subarray(1, newline)).toString('utf8');
  const body = blob.subarray(newline + 1);
  switch (formatName) {
    case 'simple-signing':
      return { format: 'simple-signing', blob: body };
    case 'sigstore-json':
      return parseSigstoreBlob(body);
    default:
      throw new ImageSourceError(`unrecognized signature format ${JSON.stringify(formatName)}`);
  }
}

/** c/image sigstoreFromBlob: Go's json.Unmarshal into sigstoreJSONRepresentation; its error text unchanged. */
function parseSigstoreBlob(body: Uint8Array): Signature {
  try {
    return { format: 'sigstore', ...parseSigstoreJSON(body) };
  } catch (e) {
    if (e instanceof GoJSONError) throw new ImageSourceError(e.message);
    throw e;
  }
}

/** The inverse, for writing dir: layouts and lookasides in tests and fixtures. */
export function serializeSignatureBlob(sig: Signature): Uint8Array {
  if (sig.format === 'simple-signing') return sig.blob;
  const body = JSON.stringify({
    mimeType: sig.mimeType,
    payload: Buffer.from(sig.payload).toString('base64'),
    annotations: sig.annotations,
  });
  return new Uint8Array(Buffer.concat([Buffer.from('\x00sigstore-json\n'), Buffer.from(body)]));
}
