/**
 * The Go struct shapes c/image decodes registry and on-disk documents into (image-spec v1 and c/image manifest/),
 * with their Go type names: the names appear in c/image's error texts, the shapes decide which members are read.
 */
import type { GoField, GoStructType, GoType } from '../go/encoding/json/unmarshal.js';

const STRING: GoType = { k: 'string' };
const DIGEST: GoType = { k: 'string', name: 'digest.Digest' };
const INT64: GoType = { k: 'int', name: 'int64' };
const INT: GoType = { k: 'int', name: 'int' };
const STRINGS: GoType = { k: 'slice', elem: STRING };
const STRING_MAP: GoType = { k: 'map', elem: STRING };

const struct = (name: string, pkg: string, fields: GoField[]): GoStructType => ({ k: 'struct', name, typeName: pkg ? `${pkg}.${name}` : name, fields });

/** imgspecv1.Platform */
export const OCI_PLATFORM = struct('Platform', 'v1', [
  { json: 'architecture', type: STRING },
  { json: 'os', type: STRING },
  { json: 'os.version', type: STRING },
  { json: 'os.features', type: STRINGS },
  { json: 'variant', type: STRING },
]);

/** imgspecv1.Descriptor */
export const OCI_DESCRIPTOR = struct('Descriptor', 'v1', [
  { json: 'mediaType', type: STRING },
  { json: 'digest', type: DIGEST },
  { json: 'size', type: INT64 },
  { json: 'urls', type: STRINGS },
  { json: 'annotations', type: STRING_MAP },
  { json: 'data', type: { k: 'bytes' } },
  { json: 'platform', type: { k: 'ptr', elem: OCI_PLATFORM } },
  { json: 'artifactType', type: STRING },
]);

const VERSIONED: GoField = { json: 'schemaVersion', type: INT, via: ['Versioned'] };

/** manifest.OCI1 = struct { imgspecv1.Manifest } */
export const OCI1 = struct('OCI1', 'manifest', [
  { ...VERSIONED, via: ['Manifest', 'Versioned'] },
  { json: 'mediaType', type: STRING, via: ['Manifest'] },
  { json: 'artifactType', type: STRING, via: ['Manifest'] },
  { json: 'config', type: OCI_DESCRIPTOR, via: ['Manifest'] },
  { json: 'layers', type: { k: 'slice', elem: OCI_DESCRIPTOR }, via: ['Manifest'] },
  { json: 'subject', type: { k: 'ptr', elem: OCI_DESCRIPTOR }, via: ['Manifest'] },
  { json: 'annotations', type: STRING_MAP, via: ['Manifest'] },
]);

/** manifest.OCI1IndexPublic = struct { imgspecv1.Index } (the internal OCI1Index embeds it once more) */
export const OCI1_INDEX = struct('OCI1IndexPublic', 'manifest', [
  { ...VERSIONED, via: ['Index', 'Versioned'] },
  { json: 'mediaType', type: STRING, via: ['Index'] },
  { json: 'artifactType', type: STRING, via: ['Index'] },
  { json: 'manifests', type: { k: 'slice', elem: OCI_DESCRIPTOR }, via: ['Index'] },
  { json: 'subject', type: { k: 'ptr', elem: OCI_DESCRIPTOR }, via: ['Index'] },
  { json: 'annotations', type: STRING_MAP, via: ['Index'] },
]);

/** manifest.Schema2Descriptor */
const SCHEMA2_DESCRIPTOR_FIELDS: GoField[] = [
  { json: 'mediaType', type: STRING },
  { json: 'size', type: INT64 },
  { json: 'digest', type: DIGEST },
  { json: 'urls', type: STRINGS },
];
export const SCHEMA2_DESCRIPTOR = struct('Schema2Descriptor', 'manifest', SCHEMA2_DESCRIPTOR_FIELDS);

/** manifest.Schema2 */
export const SCHEMA2 = struct('Schema2', 'manifest', [
  { json: 'schemaVersion', type: INT },
  { json: 'mediaType', type: STRING },
  { json: 'config', type: SCHEMA2_DESCRIPTOR },
  { json: 'layers', type: { k: 'slice', elem: SCHEMA2_DESCRIPTOR } },
]);

/** manifest.Schema2PlatformSpec */
export const SCHEMA2_PLATFORM = struct('Schema2PlatformSpec', 'manifest', [
  { json: 'architecture', type: STRING },
  { json: 'os', type: STRING },
  { json: 'os.version', type: STRING },
  { json: 'os.features', type: STRINGS },
  { json: 'variant', type: STRING },
  { json: 'features', type: STRINGS },
]);

/** manifest.Schema2ManifestDescriptor = struct { Schema2Descriptor; Platform Schema2PlatformSpec } */
export const SCHEMA2_MANIFEST_DESCRIPTOR = struct('Schema2ManifestDescriptor', 'manifest', [
  ...SCHEMA2_DESCRIPTOR_FIELDS.map((f) => ({ ...f, via: ['Schema2Descriptor'] })),
  { json: 'platform', type: SCHEMA2_PLATFORM },
]);

/** manifest.Schema2ListPublic */
export const SCHEMA2_LIST = struct('Schema2ListPublic', 'manifest', [
  { json: 'schemaVersion', type: INT },
  { json: 'mediaType', type: STRING },
  { json: 'manifests', type: { k: 'slice', elem: SCHEMA2_MANIFEST_DESCRIPTOR } },
]);

/** manifest.Schema1 (the members FromBlob reads; history entries are decoded again by initialize()). */
export const SCHEMA1 = struct('Schema1', 'manifest', [
  { json: 'name', type: STRING },
  { json: 'tag', type: STRING },
  { json: 'architecture', type: STRING },
  { json: 'fsLayers', type: { k: 'slice', elem: struct('Schema1FSLayers', 'manifest', [{ json: 'blobSum', type: DIGEST }]) } },
  { json: 'history', type: { k: 'slice', elem: struct('Schema1History', 'manifest', [{ json: 'v1Compatibility', type: STRING }]) } },
  { json: 'schemaVersion', type: INT },
]);

/** The anonymous struct of ValidateUnambiguousManifestFormat. */
export const DETECTED_FIELDS = struct('', '', [
  { json: 'config', type: { k: 'any' } },
  { json: 'fsLayers', type: { k: 'any' } },
  { json: 'history', type: { k: 'any' } },
  { json: 'layers', type: { k: 'any' } },
  { json: 'manifests', type: { k: 'any' } },
]);

/** c/image internal/signature sigstoreJSONRepresentation (the `sigstore-json` blob format). */
export const SIGSTORE_JSON = struct('sigstoreJSONRepresentation', 'signature', [
  { json: 'mimeType', type: STRING },
  { json: 'payload', type: { k: 'bytes' } },
  { json: 'annotations', type: STRING_MAP },
]);

/** libtrust jsParsedHeader / jsParsedSignature (schema-1 JWS blocks). */
export const JS_PARSED_HEADER = struct('jsParsedHeader', 'libtrust', [
  { json: 'jwk', type: { k: 'raw' } },
  { json: 'alg', type: STRING },
  { json: 'x5c', type: STRINGS },
]);
export const JS_PARSED_SIGNATURE = struct('jsParsedSignature', 'libtrust', [
  { json: 'header', type: { k: 'ptr', elem: JS_PARSED_HEADER } },
  { json: 'signature', type: STRING },
  { json: 'protected', type: STRING },
]);
