import { join } from 'node:path';
import { LIMITS } from '../limits.js';
import type { ImageReference } from '../reference/index.js';
import { chooseInstance, wantedPlatforms } from '../registry/platform.js';
import type { PlatformChoice } from '../registry/options.js';
import { DOCKER_LIST, guessMIMEType, isMultiImage, manifestDigest, parseList } from '../manifest/index.js';
import type { Trace } from '../trace.js';
import { readFileLimited, isNotFound } from './files.js';
import { parseSignatureBlob } from './signature-blob.js';
import type { ImageSource, Manifest, Signature } from './types.js';
import { EvaluationError, ImageSourceError } from '../errors.js';
import { goQuote } from '../go/fmt.js';

/**
 * c/image's `dir:` transport: `manifest.json` plus `signature-1`, `signature-2`, … (reading stops at the first
 * missing file). Each signature file is in the typed blob format (raw OpenPGP or `\0sigstore-json\n…`). The MIME
 * type of a manifest is c/image's GuessMIMEType (a directory has no Content-Type); a manifest list's instances are
 * `<hex>.manifest.json`, chosen for the platform as a pull chooses them, and their signatures
 * `<hex>.signature-N`.
 */
export function openDirImageSource(ref: ImageReference, directory: string, opts: { platform?: PlatformChoice; trace?: Trace } = {}): ImageSource {
  let manifest: Promise<{ manifest: Manifest; instance?: string }> | undefined;
  let signatures: Promise<Signature[]> | undefined;
  const resolve = () => (manifest ??= readDirManifest(ref, directory, opts));
  return {
    reference: ref,
    manifest: () => resolve().then((r) => r.manifest),
    signatures: () => (signatures ??= resolve().then((r) => readDirSignatures(directory, r.instance))),
  };
}

async function readDirManifest(ref: ImageReference, directory: string, opts: { platform?: PlatformChoice; trace?: Trace }): Promise<{ manifest: Manifest; instance?: string }> {
  const bytes = await readFileLimited(join(directory, 'manifest.json'), LIMITS.maxManifestBytes, 'manifest');
  const mimeType = guessMIMEType(bytes);
  if (!isMultiImage(mimeType)) return { manifest: { bytes, mimeType } };
  let entries;
  try {
    entries = parseList(bytes, mimeType);
  } catch (e) {
    throw new ImageSourceError(`parsing primary manifest as list for ${ref.toString()}: ${(e as Error).message}`);
  }
  let digest: string;
  try {
    digest = chooseInstance(mimeType === DOCKER_LIST ? 'docker-list' : 'oci-index', entries, wantedPlatforms(opts.platform)).digest;
  } catch (e) {
    throw new ImageSourceError(`choosing an image from manifest list ${ref.toString()}: ${(e as Error).message}`);
  }
  opts.trace?.debug(`Source is a manifest list; copying (only) instance ${digest} for current system`, { instance: digest });
  // c/image copySingleImage on the instance: its errors read "copying system image from manifest list: …".
  const onInstance = (what: string) => new ImageSourceError(`copying system image from manifest list: ${what}`);
  const hex = /^[a-z0-9]+:([0-9a-f]+)$/.exec(digest)?.[1];
  if (hex === undefined) throw onInstance(`determining manifest MIME type for ${ref.toString()}: invalid instance digest ${JSON.stringify(digest)}`);
  let instance: Uint8Array;
  try {
    instance = await readFileLimited(join(directory, `${hex}.manifest.json`), LIMITS.maxManifestBytes, 'manifest');
  } catch (e) {
    throw onInstance(`determining manifest MIME type for ${ref.toString()}: ${(e as Error).message}`);
  }
  let actual: string;
  try {
    actual = manifestDigest(instance);
  } catch (e) {
    throw onInstance(`determining manifest MIME type for ${ref.toString()}: computing manifest digest: ${(e as Error).message}`);
  }
  if (actual !== digest) throw onInstance(`determining manifest MIME type for ${ref.toString()}: Manifest does not match provided manifest digest ${digest}`);
  const instanceType = guessMIMEType(instance);
  if (isMultiImage(instanceType)) throw onInstance('Unexpectedly received a manifest list instead of a manifest for a single image');
  return { manifest: { bytes: instance, mimeType: instanceType }, instance: hex };
}

async function readDirSignatures(directory: string, instanceHex: string | undefined): Promise<Signature[]> {
  const out: Signature[] = [];
  const prefix = instanceHex === undefined ? '' : `${instanceHex}.`;
  for (let i = 1; ; i++) {
    if (i > LIMITS.maxLookasideSignatures) {
      throw new ImageSourceError(`too many signatures in ${directory}: more than ${LIMITS.maxLookasideSignatures}`);
    }
    let blob: Uint8Array;
    try {
      blob = await readFileLimited(join(directory, `${prefix}signature-${i}`), LIMITS.maxSignatureBytes, 'signature');
    } catch (e) {
      if (isNotFound(e)) break;
      throw e;
    }
    try {
      out.push(parseSignatureBlob(blob));
    } catch (e) {
      // c/image dir_src.go: `parsing signature %q: %w`; the error reaches the policy check, so skopeo/CRI-O report a
      // rejection ("Source image rejected: …", exit 1), not an unreadable image.
      throw new EvaluationError(`parsing signature ${goQuote(join(directory, `${prefix}signature-${i}`))}: ${(e as Error).message}`);
    }
  }
  return out;
}
