import { goUnmarshal, str, structOf, sliceOf, type GoStructType } from '../go/encoding/json/unmarshal.js';
import { DOCKER_LIST, DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA2, DOCKER_SCHEMA2_CONFIG, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { OCI_DESCRIPTOR } from './shapes.js';

const META: GoStructType = {
  k: 'struct',
  name: '',
  typeName: 'struct',
  fields: [
    { json: 'mediaType', type: { k: 'string' } },
    { json: 'schemaVersion', type: { k: 'int' } },
    { json: 'signatures', type: { k: 'any' } },
  ],
};
const OCI_MAN: GoStructType = {
  k: 'struct',
  name: '',
  typeName: 'struct',
  fields: [{ json: 'config', type: { k: 'struct', name: '', typeName: 'struct', fields: [{ json: 'mediaType', type: { k: 'string' } }] } }],
};
const OCI_INDEX_MANIFESTS: GoStructType = {
  k: 'struct',
  name: '',
  typeName: 'struct',
  fields: [{ json: 'manifests', type: { k: 'slice', elem: OCI_DESCRIPTOR } }],
};

/**
 * c/image manifest.GuessMIMEType, exactly (internal/manifest/manifest.go): the one implementation, used by every
 * transport. It is security-relevant: it alone decides whether a manifest is *signed schema 1*, whose digest is
 * computed over the JWS payload instead of the bytes — so a looser guess would let whoever serves a manifest choose
 * the bytes that are digested. Any decoding error means "" (unknown).
 */
export function guessMIMEType(manifest: Uint8Array): string {
  const meta = goUnmarshal(manifest, META);
  if (meta.error) return '';
  const mediaType = str(meta.value, 'mediaType');
  switch (mediaType) {
    case DOCKER_SCHEMA2:
    case DOCKER_LIST:
    case OCI_MANIFEST:
    case OCI_INDEX:
      return mediaType;
  }
  const m = meta.value as { f: Record<string, unknown> };
  const schemaVersion = m.f['schemaVersion'] as bigint;
  if (schemaVersion === 1n) return m.f['signatures'] !== undefined ? DOCKER_SCHEMA1_SIGNED : DOCKER_SCHEMA1;
  if (schemaVersion !== 2n) return '';
  // OCI image-spec < 1.0.2 manifests may lack mediaType: c/image guesses from the config's type, then `manifests`.
  const ociMan = goUnmarshal(manifest, OCI_MAN);
  if (ociMan.error) return '';
  const configType = str(structOf(ociMan.value, 'config'), 'mediaType');
  if (configType === OCI_CONFIG) return OCI_MANIFEST;
  if (configType === DOCKER_SCHEMA2_CONFIG) return DOCKER_SCHEMA2;
  const ociIndex = goUnmarshal(manifest, OCI_INDEX_MANIFESTS);
  if (ociIndex.error) return '';
  if ((sliceOf(ociIndex.value, 'manifests') ?? []).length !== 0) {
    // c/image's own FIXME: this mixes manifest and config media types.
    return configType === '' ? OCI_INDEX : configType;
  }
  return OCI_MANIFEST;
}
