/**
 * Digest checks on manifests read from a registry: the one c/image makes (a manifest read for a digest must be
 * that digest), the one it does not make but we record (`Docker-Content-Digest`), and which digest the
 * signatures are looked up for.
 */
import { ImageSourceError } from '../errors.js';
import { manifestDigest } from '../manifest/index.js';
import type { DockerReference } from '../reference/index.js';
import type { Trace } from '../trace.js';

/** A manifest as the registry answered it. */
export interface FetchedManifest {
  bytes: Uint8Array;
  mimeType: string;
  dockerContentDigest?: string;
}

/** c/image UnparsedImage.Manifest: a manifest read for a digest must be that digest (MatchesDigest: sha256 only). */
export function verifyManifestDigest(bytes: Uint8Array, expected: string): void {
  let actual: string;
  try {
    actual = manifestDigest(bytes);
  } catch (e) {
    throw new ImageSourceError(`computing manifest digest: ${(e as Error).message}`);
  }
  if (actual !== expected) throw new ImageSourceError(`Manifest does not match provided manifest digest ${expected}`);
}

/**
 * c/image does not check `Docker-Content-Digest` ("we might validate … here"). We compare it and only *record*
 * a mismatch: failing here would turn verdicts c/image reaches into errors, and the bytes we evaluate are the
 * bytes we digest ourselves, so a lying header cannot make anything pass.
 */
export function checkContentDigestHeader(m: FetchedManifest, trace: Trace): void {
  const header = m.dockerContentDigest;
  if (!header || !header.startsWith('sha256:')) return;
  let actual: string;
  try {
    actual = manifestDigest(m.bytes);
  } catch {
    return;
  }
  if (actual !== header) {
    trace.warn(`Docker-Content-Digest ${header} does not match the manifest received (${actual})`, {
      hint: 'docker-content-digest-mismatch',
      header,
      actual,
    });
  }
}

/** c/image dockerImageSource.manifestDigest: the instance digest, else a sha256 reference digest, else computed. */
export function signedDigest(dref: DockerReference, manifestBytes: Uint8Array, instanceDigest: string | undefined): string {
  if (instanceDigest !== undefined) return instanceDigest;
  if (dref.digest !== undefined && dref.digest.startsWith('sha256:')) return dref.digest;
  return manifestDigest(manifestBytes);
}
