import { join } from 'node:path';
import { LIMITS } from '../limits.js';
import type { ImageReference } from '../reference/index.js';
import { readFileLimited, isNotFound } from './files.js';
import { parseSignatureBlob } from './signature-blob.js';
import type { ImageSource, Manifest, Signature } from './types.js';
import { EvaluationError, ImageSourceError } from '../errors.js';
import { goQuote } from '../go/fmt.js';

/**
 * c/image's `dir:` transport: `manifest.json` plus `signature-1`, `signature-2`, … (reading stops at the first
 * missing file). Each signature file is in the typed blob format (raw OpenPGP or `\0sigstore-json\n…`).
 */
export function openDirImageSource(ref: ImageReference, directory: string): ImageSource {
  let manifest: Promise<Manifest> | undefined;
  let signatures: Promise<Signature[]> | undefined;
  return {
    reference: ref,
    manifest: () =>
      (manifest ??= readFileLimited(join(directory, 'manifest.json'), LIMITS.maxManifestBytes, 'manifest').then((bytes) => ({
        bytes,
        mimeType: guessManifestMIMEType(bytes),
      }))),
    signatures: () => (signatures ??= readDirSignatures(directory)),
  };
}

async function readDirSignatures(directory: string): Promise<Signature[]> {
  const out: Signature[] = [];
  for (let i = 1; ; i++) {
    if (i > LIMITS.maxLookasideSignatures) {
      throw new ImageSourceError(`too many signatures in ${directory}: more than ${LIMITS.maxLookasideSignatures}`);
    }
    let blob: Uint8Array;
    try {
      blob = await readFileLimited(join(directory, `signature-${i}`), LIMITS.maxSignatureBytes, 'signature');
    } catch (e) {
      if (isNotFound(e)) break;
      throw e;
    }
    try {
      out.push(parseSignatureBlob(blob));
    } catch (e) {
      // c/image dir_src.go: `parsing signature %q: %w`; the error reaches the policy check, so skopeo/CRI-O report a
      // rejection ("Source image rejected: …", exit 1), not an unreadable image.
      throw new EvaluationError(`parsing signature ${goQuote(join(directory, `signature-${i}`))}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** Enough of c/image manifest.GuessMIMEType for reporting; verdicts never depend on it. */
export function guessManifestMIMEType(bytes: Uint8Array): string {
  try {
    const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    if (typeof o['mediaType'] === 'string') return o['mediaType'];
    if (o['schemaVersion'] === 1) return o['signatures'] ? 'application/vnd.docker.distribution.manifest.v1+prettyjws' : 'application/vnd.docker.distribution.manifest.v1+json';
    if (Array.isArray(o['manifests'])) return 'application/vnd.oci.image.index.v1+json';
    return 'application/vnd.oci.image.manifest.v1+json';
  } catch {
    return '';
  }
}
