import { arch as nodeArch } from 'node:os';
import { ImageSourceError } from '../errors.js';

/** `os/arch[/variant]`, as `--platform` takes it and as c/image's platform matcher compares it. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Go's GOARCH names for Node's process.arch values. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function currentPlatform(): Platform {
  return { os: 'linux', architecture: GOARCH[nodeArch()] ?? nodeArch() };
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new ImageSourceError(`invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  }
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

export interface IndexEntry {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * The instance c/image would copy for a pull: the first entry whose os and architecture match the wanted platform
 * (and variant when one is wanted). Go orders candidates by variant compatibility; an exact os/arch match with no
 * variant preference is what matters for the amd64/arm64 cases CRI-O meets.
 */
export function chooseInstance(manifests: readonly IndexEntry[], wanted: Platform): IndexEntry {
  const matches = manifests.filter(
    (m) =>
      m.platform?.os === wanted.os &&
      m.platform?.architecture === wanted.architecture &&
      (wanted.variant === undefined || m.platform?.variant === wanted.variant),
  );
  const choice = matches[0];
  if (!choice) {
    const v = wanted.variant ? `, variant: "${wanted.variant}"` : '';
    throw new ImageSourceError(
      `no image found in manifest list for architecture "${wanted.architecture}"${v}, OS "${wanted.os}"`,
    );
  }
  return choice;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return (
    mediaType === 'application/vnd.oci.image.index.v1+json' ||
    mediaType === 'application/vnd.docker.distribution.manifest.list.v2+json'
  );
}
