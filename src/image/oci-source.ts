import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { ImageReference } from '../reference/index.js';
import { readFileLimited } from './files.js';
import { chooseInstance, wantedPlatforms } from '../registry/platform.js';
import type { PlatformChoice } from '../registry/options.js';
import type { ImageSource, Manifest, Signature } from './types.js';
import type { Trace } from '../trace.js';
import { DOCKER_LIST, OCI_INDEX, guessMIMEType, parseList, type ListInstance } from '../manifest/index.js';

/**
 * c/image's `oci:` transport (an OCI image layout directory). containers/image 5.34 reads no signatures from OCI
 * layouts (they cannot even be written there: "Pushing signatures for OCI images is not supported"), so a
 * signature requirement on an `oci:` image always finds none — we mirror that rather than invent a lookup.
 */
export function openOCIImageSource(
  ref: ImageReference,
  layout: { directory: string; image: string; sourceIndex: number },
  opts: { platform?: PlatformChoice; trace: Trace },
): ImageSource {
  let manifest: Promise<Manifest> | undefined;
  return {
    reference: ref,
    manifest: () => (manifest ??= readOCIManifest(layout, opts)),
    signatures: async (): Promise<Signature[]> => [],
  };
}

async function readOCIManifest(
  layout: { directory: string; image: string; sourceIndex: number },
  opts: { platform?: PlatformChoice; trace: Trace },
): Promise<Manifest> {
  const { directory } = layout;
  const indexBytes = await readFileLimited(join(directory, 'index.json'), LIMITS.maxManifestBytes, 'index');
  const entry = findDescriptor(parseIndex(indexBytes, directory), layout, directory);
  let { bytes, mediaType } = await readBlob(directory, entry);
  if (mediaType === OCI_INDEX || mediaType === DOCKER_LIST) {
    const kind = mediaType === OCI_INDEX ? 'oci-index' : 'docker-list';
    const instance = chooseInstance(kind, parseIndex(bytes, directory), wantedPlatforms(opts.platform));
    opts.trace.debug(`Source is a manifest list; copying (only) instance ${instance.digest} for current system`, {
      instance: instance.digest,
      platform: instance.platform,
    });
    ({ bytes, mediaType } = await readBlob(directory, instance));
  }
  return { bytes, mimeType: mediaType };
}

type IndexEntry = ListInstance;

/** index.json and nested indexes, through c/image's OCI index parser (Go decoder, ambiguity check). */
function parseIndex(bytes: Uint8Array, directory: string): IndexEntry[] {
  try {
    return parseList(bytes, OCI_INDEX).filter((m) => m.digest !== '');
  } catch (e) {
    throw new ImageSourceError(`parsing index.json in ${directory}: ${(e as Error).message}`);
  }
}

/** c/image ociReference.getManifestDescriptor: by position (`@N`), by ref name, or the only image when none is named. */
function findDescriptor(manifests: IndexEntry[], layout: { image: string; sourceIndex: number }, directory: string): IndexEntry {
  const { image, sourceIndex } = layout;
  if (sourceIndex >= 0) {
    const byIndex = manifests[sourceIndex];
    if (!byIndex) throw new ImageSourceError(`index ${sourceIndex} is too large, only ${manifests.length} entries available`);
    return byIndex;
  }
  if (image === '') {
    if (manifests.length !== 1) {
      throw new ImageSourceError(`more than one image in oci, choose an image`);
    }
    return manifests[0]!;
  }
  const found = manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === image);
  if (!found) throw new ImageSourceError(`no descriptor found for reference "${image}" in ${directory}`);
  return found;
}

async function readBlob(directory: string, d: { digest: string; mediaType?: string }): Promise<{ bytes: Uint8Array; mediaType: string }> {
  const m = /^sha256:([a-f0-9]{64})$/.exec(d.digest);
  if (!m) throw new ImageSourceError(`unsupported digest ${JSON.stringify(d.digest)} in ${directory}`);
  const bytes = await readFileLimited(join(directory, 'blobs', 'sha256', m[1]!), LIMITS.maxManifestBytes, 'manifest');
  const actual = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  if (actual !== d.digest) throw new ImageSourceError(`digest mismatch, expected ${JSON.stringify(d.digest)}, got ${JSON.stringify(actual)}`);
  // c/image: the descriptor's media type, else GuessMIMEType.
  const mediaType = d.mediaType || guessMIMEType(bytes);
  return { bytes, mediaType };
}
