/**
 * c/image's manifest parsers (manifest.FromBlob, ListFromBlob, OCI1FromManifest, …) over the Go decoder: the same
 * struct shapes, the same ambiguity check, the same error texts. What comes out is only what c/image reads.
 */
import { goQuote } from '../go/fmt.js';
import { GoStruct, goUnmarshal, sliceOf, str, stringMapOf, structOf, type GoStructType, type GoValue } from '../go/encoding/json/unmarshal.js';
import { DOCKER_LIST, DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA2, OCI_INDEX, OCI_MANIFEST, normalizedMIMEType } from './media-types.js';
import { DETECTED_FIELDS, OCI1, OCI1_INDEX, SCHEMA1, SCHEMA2, SCHEMA2_LIST } from './shapes.js';

/** A manifest document c/image refuses, with c/image's text. */
export class ManifestFormatError extends Error {}

/** One instance of a manifest list, as c/image's instance choice sees it. */
export interface ListInstance {
  digest: string;
  mediaType?: string;
  /** Absent: the OCI entry has no platform (a candidate of last resort); a Docker list entry always has one. */
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

const FIELD_BITS = ['config', 'fsLayers', 'history', 'layers', 'manifests'] as const;
type ManifestField = (typeof FIELD_BITS)[number];

/** c/image ValidateUnambiguousManifestFormat: members of other formats (any case) make a manifest ambiguous. */
export function validateUnambiguousManifestFormat(manifest: Uint8Array, expectedMIMEType: string, allowed: readonly ManifestField[]): void {
  const detected = goUnmarshal(manifest, DETECTED_FIELDS);
  if (detected.error) throw new ManifestFormatError(detected.error.message);
  const f = (detected.value as GoStruct).f;
  const unexpected = FIELD_BITS.filter((name) => f[name] !== undefined && !allowed.includes(name));
  if (unexpected.length > 0) {
    throw new ManifestFormatError(`rejecting ambiguous manifest, unexpected fields []string{${unexpected.map(goQuote).join(', ')}} in supposedly ${expectedMIMEType}`);
  }
}

function toRecord(m: Map<string, string> | undefined): Record<string, string> | undefined {
  return m ? Object.fromEntries(m) : undefined;
}

/**
 * c/image ListFromBlob + the list's instances: OCI1IndexPublicFromManifest / Schema2ListPublicFromManifest
 * (json.Unmarshal, then the ambiguity check), errors quoted as c/image quotes them.
 */
export function parseList(manifest: Uint8Array, mimeType: string): ListInstance[] {
  const normalized = normalizedMIMEType(mimeType);
  const text = Buffer.from(manifest).toString('utf8');
  switch (normalized) {
    case OCI_INDEX: {
      const initial = new GoStruct({ schemaVersion: 2n, mediaType: OCI_INDEX, artifactType: '', manifests: undefined, subject: undefined, annotations: new Map() });
      const r = goUnmarshal(manifest, OCI1_INDEX, initial);
      if (r.error) throw new ManifestFormatError(`unmarshaling OCI1Index ${goQuote(text)}: ${r.error.message}`);
      validateUnambiguousManifestFormat(manifest, OCI_INDEX, ['manifests']);
      return (sliceOf(r.value, 'manifests') ?? []).map((d) => {
        const platform = structOf(d, 'platform');
        const annotations = toRecord(stringMapOf(d, 'annotations'));
        return {
          digest: str(d, 'digest'),
          mediaType: str(d, 'mediaType'),
          ...(platform ? { platform: { os: str(platform, 'os'), architecture: str(platform, 'architecture'), variant: str(platform, 'variant') } } : {}),
          ...(annotations ? { annotations } : {}),
        };
      });
    }
    case DOCKER_LIST: {
      const r = goUnmarshal(manifest, SCHEMA2_LIST);
      if (r.error) throw new ManifestFormatError(`unmarshaling Schema2List ${goQuote(text)}: ${r.error.message}`);
      validateUnambiguousManifestFormat(manifest, DOCKER_LIST, ['manifests']);
      return (sliceOf(r.value, 'manifests') ?? []).map((d) => {
        const platform = structOf(d, 'platform');
        return {
          digest: str(d, 'digest'),
          mediaType: str(d, 'mediaType'),
          platform: { os: str(platform, 'os'), architecture: str(platform, 'architecture'), variant: str(platform, 'variant') },
        };
      });
    }
    case DOCKER_SCHEMA1:
    case DOCKER_SCHEMA1_SIGNED:
    case OCI_MANIFEST:
    case DOCKER_SCHEMA2:
      throw new ManifestFormatError('Treating single images as manifest lists is not implemented');
  }
  throw new ManifestFormatError(`Unimplemented manifest list MIME type ${mimeType} (normalized as ${normalized})`);
}

/** One layer of an OCI manifest, as c/image reads a `.sig` attachment's layers. */
export interface OCILayer {
  digest: string;
  mediaType: string;
  size: bigint;
  urls: string[];
  annotations: Record<string, string>;
}

/** c/image manifest.OCI1FromManifest: json.Unmarshal into manifest.OCI1, then the ambiguity check. */
export function parseOCI1(manifest: Uint8Array): { layers: OCILayer[]; configMediaType: string } {
  const r = goUnmarshal(manifest, OCI1);
  if (r.error) throw new ManifestFormatError(r.error.message);
  validateUnambiguousManifestFormat(manifest, OCI_MANIFEST, ['config', 'layers']);
  const layers = (sliceOf(r.value, 'layers') ?? []).map((d: GoValue) => ({
    digest: str(d, 'digest'),
    mediaType: str(d, 'mediaType'),
    size: (d as GoStruct).f['size'] as bigint,
    urls: (sliceOf(d, 'urls') ?? []) as string[],
    annotations: toRecord(stringMapOf(d, 'annotations')) ?? {},
  }));
  return { layers, configMediaType: str(structOf(r.value, 'config'), 'mediaType') };
}

/**
 * c/image manifest.FromBlob: the manifest parsed as its (normalized) MIME type says — what `image.FromUnparsedImage`
 * does right after the policy allowed an image. Anything unknown is tried as schema 1 (`unsupported schema version 2`
 * for a schema-2 document served as text/plain).
 */
export function parseManifestByType(manifest: Uint8Array, mimeType: string): void {
  const normalized = normalizedMIMEType(mimeType);
  switch (normalized) {
    case DOCKER_SCHEMA1:
    case DOCKER_SCHEMA1_SIGNED: {
      const r = goUnmarshal(manifest, SCHEMA1);
      if (r.error) throw new ManifestFormatError(r.error.message);
      const version = (r.value as GoStruct).f['schemaVersion'] as bigint;
      if (version !== 1n) throw new ManifestFormatError(`unsupported schema version ${version}`);
      validateUnambiguousManifestFormat(manifest, DOCKER_SCHEMA1_SIGNED, ['fsLayers', 'history']);
      validateSchema1(r.value);
      return;
    }
    case OCI_MANIFEST:
      parseOCI1(manifest);
      return;
    case DOCKER_SCHEMA2: {
      const r = goUnmarshal(manifest, SCHEMA2);
      if (r.error) throw new ManifestFormatError(r.error.message);
      validateUnambiguousManifestFormat(manifest, DOCKER_SCHEMA2, ['config', 'layers']);
      return;
    }
    case DOCKER_LIST:
    case OCI_INDEX:
      throw new ManifestFormatError('Treating manifest lists as individual manifests is not implemented');
  }
  throw new ManifestFormatError(`Unimplemented manifest MIME type ${goQuote(mimeType)} (normalized as ${goQuote(normalized)})`);
}

/** manifest.Schema1V1Compatibility (the members initialize() and fixManifestLayers() read). */
const V1_COMPATIBILITY: GoStructType = {
  k: 'struct',
  name: 'Schema1V1Compatibility',
  typeName: 'manifest.Schema1V1Compatibility',
  fields: [
    { json: 'id', type: { k: 'string' } },
    { json: 'parent', type: { k: 'string' } },
    { json: 'comment', type: { k: 'string' } },
    { json: 'created', type: { k: 'raw' } },
    { json: 'container_config', type: { k: 'struct', name: 'schema1V1CompatibilityContainerConfig', typeName: 'manifest.schema1V1CompatibilityContainerConfig', fields: [{ json: 'Cmd', type: { k: 'slice', elem: { k: 'string' } } }] } },
    { json: 'author', type: { k: 'string' } },
    { json: 'throwaway', type: { k: 'bool' } },
  ],
};

/** What time.Time.UnmarshalJSON accepts without doubt: a quoted RFC 3339 time (or null). Anything else is refused. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Schema1.initialize + fixManifestLayers: history and fsLayers agree, each v1Compatibility is a JSON object with a
 * 64-hex id, and the ids form a parent chain. The `created` member is a Go time.Time whose parser we do not
 * reproduce: a value other than null or a plain RFC 3339 string is refused (never accepted on a guess).
 */
function validateSchema1(s1: GoValue): void {
  const fsLayers = sliceOf(s1, 'fsLayers') ?? [];
  const history = sliceOf(s1, 'history') ?? [];
  if (fsLayers.length !== history.length) throw new ManifestFormatError('length of history not equal to number of layers');
  if (fsLayers.length === 0) throw new ManifestFormatError('no FSLayers in manifest');
  const imgs = history.map((h, i) => {
    const r = goUnmarshal(Buffer.from(str(h, 'v1Compatibility')), V1_COMPATIBILITY);
    if (r.error) throw new ManifestFormatError(`parsing v2s1 history entry ${i}: ${r.error.message}`);
    const created = (r.value as GoStruct).f['created'] as { kind: string; value?: string } | undefined;
    if (created !== undefined && created.kind !== 'null' && !(created.kind === 'string' && RFC3339.test(created.value ?? ''))) {
      throw new ManifestFormatError(`parsing v2s1 history entry ${i}: a "created" time imgpolicy cannot read as Go does (refused)`);
    }
    return { id: str(r.value, 'id'), parent: str(r.value, 'parent') };
  });
  for (const img of imgs) if (!/^[a-f0-9]{64}$/.test(img.id)) throw new ManifestFormatError(`image ID ${goQuote(img.id)} is invalid`);
  if (imgs[imgs.length - 1]!.parent !== '') throw new ManifestFormatError('Invalid parent ID in the base layer of the image');
  const seen = new Set<string>();
  let last: string | undefined;
  for (const img of imgs) {
    if (img.id !== last && seen.has(img.id)) throw new ManifestFormatError(`ID ${img.id} appears multiple times in manifest`);
    last = img.id;
    seen.add(img.id);
  }
  for (let i = imgs.length - 2; i >= 0; i--) {
    if (imgs[i]!.id !== imgs[i + 1]!.id && imgs[i]!.parent !== imgs[i + 1]!.id) {
      throw new ManifestFormatError(`Invalid parent ID. Expected ${imgs[i + 1]!.id}, got ${imgs[i]!.parent}`);
    }
  }
}
