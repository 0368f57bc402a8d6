/**
 * Discovery of sigstore bundles stored as OCI 1.1 referrers of an image — cosign v3's default layout, which
 * containers/image 5.34 never reads. Opt-in only (docker-source.ts calls this when `bundles()` is asked for).
 *
 *  1. `GET /v2/<name>/referrers/<digest>?artifactType=application/vnd.dev.sigstore.bundle.v0.3+json` (what cosign
 *     v3 writes). Registries may ignore the filter, so results are filtered here too; when the filtered answer
 *     holds no bundle, one unfiltered request finds bundles stored under the older media types.
 *  2. Without the API (distribution 2.8 answers 404): the referrers tag schema, an OCI index at tag
 *     `sha256-<hex>`. Its entries' `artifactType` is not reliable — go-containerregistry (hence cosign) records the
 *     config media type `application/vnd.oci.empty.v1+json` there — so entries with that, or none, are opened too.
 *  3. Each candidate referrer manifest (digest-checked, ≤ 4 MiB) must name the image as its `subject` — a tag index
 *     is just a tag anyone with push rights can point anywhere — and each of its layers with a bundle media type
 *     is fetched (≤ 4 MiB, digest-checked) as one attachment. At most LIMITS.maxSigstoreAttachments referrers.
 */
import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { isManifestUnknownError, validateDigest, type RegistryClient } from '../registry/index.js';
import type { Trace } from '../trace.js';
import type { BundleAttachment } from './types.js';
import { GoStruct, goUnmarshal, sliceOf, str, stringMapOf, structOf, type GoValue } from '../go/encoding/json/unmarshal.js';
import { OCI1, OCI1_INDEX, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, SIGSTORE_BUNDLE_TYPES, SIGSTORE_BUNDLE_V03 } from '../manifest/index.js';

export const BUNDLE_LAYER_MEDIA_TYPES: readonly string[] = SIGSTORE_BUNDLE_TYPES;
export const COSIGN_V3_BUNDLE_ARTIFACT_TYPE = SIGSTORE_BUNDLE_V03;

export type ReferrersClient = Pick<RegistryClient, 'name' | 'fetchReferrers' | 'fetchManifest' | 'fetchBlob'>;

interface IndexEntry {
  digest: string;
  mediaType?: string;
  artifactType?: string;
}

/** Go's json.Unmarshal with the image-spec shapes, as oras/cosign (Go) read referrers. */
function decode(bytes: Uint8Array, shape: typeof OCI1 | typeof OCI1_INDEX, what: string): GoStruct {
  const r = goUnmarshal(bytes, shape);
  if (r.error) throw new ImageSourceError(`parsing ${what}: ${r.error.message}`);
  return r.value as GoStruct;
}

function indexEntries(bytes: Uint8Array, what: string): IndexEntry[] {
  return (sliceOf(decode(bytes, OCI1_INDEX, what), 'manifests') ?? []).map((e: GoValue) => {
    const f = (e as GoStruct).f;
    return {
      digest: str(e, 'digest'),
      ...(f['mediaType'] !== '' ? { mediaType: str(e, 'mediaType') } : {}),
      ...(f['artifactType'] !== '' ? { artifactType: str(e, 'artifactType') } : {}),
    };
  });
}

/** Could this index entry be a bundle referrer? (See step 2 for why "empty" and "absent" qualify.) */
function mayBeBundle(e: IndexEntry): boolean {
  if (e.mediaType !== undefined && e.mediaType !== OCI_MANIFEST) return false;
  return e.artifactType === undefined || e.artifactType === OCI_EMPTY || BUNDLE_LAYER_MEDIA_TYPES.includes(e.artifactType);
}

async function listReferrers(client: ReferrersClient, digest: string, trace: Trace): Promise<{ entries: IndexEntry[]; source: BundleAttachment['source'] } > {
  const max = LIMITS.maxSignatureManifestBytes;
  const filtered = await client.fetchReferrers(digest, COSIGN_V3_BUNDLE_ARTIFACT_TYPE, max, trace);
  if (filtered.supported) {
    let entries = indexEntries(filtered.bytes, `referrers of ${digest}`).filter(mayBeBundle);
    trace.debug(`Referrers API lists ${entries.length} possible sigstore bundle referrers of ${digest}`);
    if (entries.length === 0 && filtered.filtersApplied) {
      const all = await client.fetchReferrers(digest, undefined, max, trace);
      if (all.supported) entries = indexEntries(all.bytes, `referrers of ${digest}`).filter(mayBeBundle);
    }
    return { entries, source: 'referrers-api' };
  }
  const tag = digest.replace(':', '-');
  trace.debug(`Referrers API not available (status ${filtered.statusCode}); looking for the referrers tag ${client.name}:${tag}`);
  let fetched;
  try {
    fetched = await client.fetchManifest(tag, max, trace);
  } catch (e) {
    if (isManifestUnknownError(e)) {
      trace.debug(`No referrers tag ${tag}`);
      return { entries: [], source: 'referrers-tag' };
    }
    throw e;
  }
  if (fetched.mimeType !== OCI_INDEX) {
    trace.debug(`Referrers tag ${tag} is ${fetched.mimeType || 'untyped'}, not an OCI index; ignored`);
    return { entries: [], source: 'referrers-tag' };
  }
  return { entries: indexEntries(fetched.bytes, `referrers tag ${tag}`).filter(mayBeBundle), source: 'referrers-tag' };
}

export async function discoverBundles(client: ReferrersClient, digest: string, trace: Trace): Promise<BundleAttachment[]> {
  validateDigest(digest, (m) => m);
  const { entries, source } = await listReferrers(client, digest, trace);
  if (entries.length > LIMITS.maxSigstoreAttachments) {
    throw new ImageSourceError(`${client.name}@${digest} has ${entries.length} referrers, more than the ${LIMITS.maxSigstoreAttachments} imgpolicy reads`);
  }
  const out: BundleAttachment[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.digest)) continue;
    seen.add(e.digest);
    const algorithm = validateDigest(e.digest, (m) => `invalid referrer digest: ${m}`);
    const m = await client.fetchManifest(e.digest, LIMITS.maxSignatureManifestBytes, trace);
    if (`${algorithm}:${createHash(algorithm).update(m.bytes).digest('hex')}` !== e.digest) {
      throw new ImageSourceError(`referrer manifest ${e.digest} does not match its digest`);
    }
    const doc = decode(m.bytes, OCI1, `referrer manifest ${e.digest}`);
    const subjectDigest = str(structOf(doc, 'subject'), 'digest');
    if (subjectDigest !== digest) {
      trace.debug(`Referrer ${e.digest} names subject ${subjectDigest || 'undefined'}, not ${digest}; ignored`);
      continue;
    }
    const annotations: Record<string, string> = Object.fromEntries(stringMapOf(doc, 'annotations') ?? []);
    for (const l of sliceOf(doc, 'layers') ?? []) {
      const mediaType = str(l, 'mediaType');
      if (!BUNDLE_LAYER_MEDIA_TYPES.includes(mediaType)) continue;
      const ld = str(l, 'digest');
      trace.debug(`Fetching sigstore bundle ${ld} from referrer ${e.digest}`);
      const bytes = await client.fetchBlob(ld, LIMITS.maxSignatureBytes, trace);
      out.push({ format: 'sigstore-bundle', mediaType, bytes, subjectDigest: digest, referrer: e.digest, source, annotations });
      if (out.length > LIMITS.maxSigstoreAttachments) {
        throw new ImageSourceError(`${client.name}@${digest} has more than ${LIMITS.maxSigstoreAttachments} sigstore bundles`);
      }
    }
  }
  trace.debug(`Found ${out.length} sigstore bundles for ${digest} (${source})`, { bundles: out.length, source });
  return out;
}
