/**
 * Every media type imgpolicy recognises, spelled once (c/image manifest/ and internal/manifest, the OCI image
 * spec, cosign and sigstore). Other modules import these; a type written out anywhere else is a second fact that
 * can drift.
 */

/** imgspecv1.MediaTypeImageManifest */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** imgspecv1.MediaTypeImageIndex */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** imgspecv1.MediaTypeImageConfig */
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** imgspecv1.MediaTypeEmptyJSON (go-containerregistry records it as the artifactType of referrers). */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
/** manifest.DockerV2Schema1MediaType */
export const DOCKER_SCHEMA1 = 'application/vnd.docker.distribution.manifest.v1+json';
/** manifest.DockerV2Schema1SignedMediaType */
export const DOCKER_SCHEMA1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
/** manifest.DockerV2Schema2MediaType */
export const DOCKER_SCHEMA2 = 'application/vnd.docker.distribution.manifest.v2+json';
/** manifest.DockerV2Schema2ConfigMediaType */
export const DOCKER_SCHEMA2_CONFIG = 'application/vnd.docker.container.image.v1+json';
/** manifest.DockerV2ListMediaType */
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** What c/image's docker transport sends as Accept for manifests (manifest.DefaultRequestedManifestMIMETypes). */
export const MANIFEST_ACCEPT: readonly string[] = [OCI_MANIFEST, DOCKER_SCHEMA2, DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1, DOCKER_LIST, OCI_INDEX];

/** The only sigstore attachment MIME type that is a signature (c/image internal/signature.SigstoreSignatureMIMEType). */
export const COSIGN_SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** A DSSE envelope (attestations): an attachment that is not a signature. */
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';

/** The sigstore bundle media types (protobuf-specs), oldest first. cosign v3 writes the last one. */
export const SIGSTORE_BUNDLE_TYPES = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
] as const;
/** The artifactType cosign v3 gives bundle referrers. */
export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** manifest.MIMETypeIsMultiImage */
export function isMultiImage(mimeType: string): boolean {
  return mimeType === DOCKER_LIST || mimeType === OCI_INDEX;
}

/** c/image NormalizedMIMEType: what a server's Content-Type means; anything unknown is tried as signed schema 1. */
export function normalizedMIMEType(input: string): string {
  switch (input) {
    case 'application/json':
      return DOCKER_SCHEMA1_SIGNED;
    case DOCKER_SCHEMA1:
    case DOCKER_SCHEMA1_SIGNED:
    case OCI_MANIFEST:
    case OCI_INDEX:
    case DOCKER_SCHEMA2:
    case DOCKER_LIST:
      return input;
    default:
      // "Crane registries can also return text/plain": c/image's last resort is schema 1.
      return DOCKER_SCHEMA1_SIGNED;
  }
}
