/**
 * The manifest the policy applies to, as c/image's copy reads it for a pull: the top-level manifest, checked
 * against the reference's digest; for a manifest list, the instance for this machine (or `--platform`), read from
 * the same endpoint and checked against its digest (CopySystemImage: the policy never runs on the list).
 */
import { ImageSourceError } from '../errors.js';
import { DOCKER_LIST, isMultiImage, parseList } from '../manifest/index.js';
import type { DockerReference, ImageReference } from '../reference/index.js';
import { chooseInstance, parsePlatformChoice, validateDigest, wantedPlatforms, type ListEntry, type PlatformChoice } from '../registry/index.js';
import type { Trace } from '../trace.js';
import type { DockerEndpoint } from './docker-endpoint.js';
import { checkContentDigestHeader, verifyManifestDigest, type FetchedManifest } from './docker-digests.js';
import type { Manifest } from './types.js';

export interface ResolvedImage {
  manifest: Manifest;
  /** The per-platform instance digest when a list was resolved. */
  instanceDigest?: string;
}

export interface InstanceContext {
  platform: PlatformChoice | string | undefined;
  trace: Trace;
  /** Receives "Source is a manifest list; copying (only) instance …". */
  notes: string[];
}

export async function resolveDockerInstance(
  ref: ImageReference,
  dref: DockerReference,
  endpoint: DockerEndpoint,
  ctx: InstanceContext,
): Promise<ResolvedImage> {
  const top = endpoint.toplevel;
  if (dref.digest !== undefined) verifyManifestDigest(top.bytes, dref.digest);
  if (!isMultiImage(top.mimeType)) return { manifest: { bytes: top.bytes, mimeType: top.mimeType } };
  let entries: ListEntry[];
  try {
    entries = parseList(top.bytes, top.mimeType);
  } catch (e) {
    throw new ImageSourceError(`parsing primary manifest as list for ${ref.toString()}: ${(e as Error).message}`);
  }
  let instance: ListEntry;
  try {
    const choice = typeof ctx.platform === 'string' ? parsePlatformChoice(ctx.platform) : ctx.platform;
    instance = chooseInstance(top.mimeType === DOCKER_LIST ? 'docker-list' : 'oci-index', entries, wantedPlatforms(choice));
  } catch (e) {
    throw new ImageSourceError(`choosing an image from manifest list ${ref.toString()}: ${(e as Error).message}`);
  }
  const line = `Source is a manifest list; copying (only) instance ${instance.digest} for current system`;
  ctx.trace.debug(line, { instance: instance.digest, platform: instance.platform ?? null });
  ctx.notes.push(line);
  // c/image copySingleImage on the instance: its errors read "copying system image from manifest list: …",
  // reading it (and checking its digest) also "determining manifest MIME type for <ref>: …".
  const onInstance = (what: string) => new ImageSourceError(`copying system image from manifest list: ${what}`);
  let m: FetchedManifest;
  try {
    validateDigest(instance.digest, (msg) => msg);
    m = await endpoint.client.fetchManifest(instance.digest);
    checkContentDigestHeader(m, ctx.trace);
    verifyManifestDigest(m.bytes, instance.digest);
  } catch (e) {
    throw onInstance(`determining manifest MIME type for ${ref.toString()}: ${(e as Error).message}`);
  }
  // The instance's own MIME type is checked before the policy runs.
  if (isMultiImage(m.mimeType)) throw onInstance('Unexpectedly received a manifest list instead of a manifest for a single image');
  return { manifest: { bytes: m.bytes, mimeType: m.mimeType }, instanceDigest: instance.digest };
}
