/**
 * The public shapes of the reference module. Implementations live beside this file; other modules import
 * only from `reference/index.ts`.
 */

/** A parsed, normalised docker reference (distribution/reference "Named", possibly Tagged and/or Digested). */
export interface DockerReference {
  /** `docker.io`, `quay.io`, `localhost:5000`, … (as written, after index.docker.io → docker.io). */
  readonly domain: string;
  /** Repository path without the domain, e.g. `library/busybox`. */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<hex>` */
  readonly digest?: string;
  /** `Name()`: domain + '/' + path, e.g. `docker.io/library/busybox`. */
  name(): string;
  /** `String()`: fully qualified with tag and/or digest, e.g. `docker.io/library/busybox:latest`. */
  toString(): string;
  /** Familiar form: strips `docker.io/` and a lone `library/` (e.g. `busybox:latest`). */
  familiar(): string;
}

/** A reference to an image in one transport, as c/image's types.ImageReference. */
export interface ImageReference {
  readonly transport: TransportName;
  /** `StringWithinTransport()`, e.g. `//quay.io/a/b:c` for docker, `/abs/path` for dir. */
  stringWithinTransport(): string;
  /** `transport:stringWithinTransport` — the form used in `Running image %s is rejected by policy.` */
  toString(): string;
  /** The docker reference the image claims, or null (dir:, oci:, tarball …). Docker: always tagged or digested. */
  dockerReference(): DockerReference | null;
  /** `PolicyConfigurationIdentity()` */
  policyConfigurationIdentity(): string;
  /** `PolicyConfigurationNamespaces()`, most specific first. */
  policyConfigurationNamespaces(): string[];
}

export type TransportName =
  | 'docker'
  | 'dir'
  | 'oci'
  | 'oci-archive'
  | 'docker-archive'
  | 'docker-daemon'
  | 'containers-storage'
  | 'atomic'
  | 'sif'
  | 'tarball'
  | 'ostree';
