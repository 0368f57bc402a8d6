import { readFileSync } from 'node:fs';
import { arch as nodeArch } from 'node:os';
import { ImageSourceError } from '../errors.js';
import type { PlatformChoice } from './options.js';

/**
 * c/image's instance choice for a manifest list (internal/pkg/platform + internal/manifest):
 * WantedPlatforms builds an ordered list of acceptable (os, arch, variant) triples — the wanted variant and the
 * older variants compatible with it, then "no variant" — and
 *  - an OCI index takes the entry whose platform is earliest in that list (entries without a platform rank last),
 *    preferring non-zstd instances, then list order;
 *  - a Docker schema2 list takes, for each wanted platform in order, the first entry that matches.
 */

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };

/** c/image platform compatibility: a v8 arm CPU also runs v7, v6 and v5 images. */
const COMPATIBILITY: Record<string, string[]> = { arm: ['v8', 'v7', 'v6', 'v5'], arm64: ['v8'] };

interface Wanted {
  os: string;
  architecture: string;
  variant: string;
}

/** `os/arch[/variant]`. */
export function parsePlatformChoice(text: string): PlatformChoice {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new ImageSourceError(`invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`);
  }
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

/** c/image getCPUVariant for Linux: only arm needs /proc/cpuinfo. */
function currentVariant(goarch: string, readCpuinfo: () => string): string {
  if (goarch !== 'arm' && goarch !== 'arm64') return '';
  let info: string;
  try {
    info = readCpuinfo();
  } catch {
    return '';
  }
  const field = (name: string): string | undefined => {
    for (const line of info.split('\n')) {
      const [k, ...rest] = line.split(':');
      if (rest.length > 0 && k!.trim().toLowerCase() === name.toLowerCase()) return rest.join(':').trim();
    }
    return undefined;
  };
  const v = (field('Cpu architecture') ?? '').toLowerCase();
  switch (v) {
    case '8':
    case 'aarch64':
      return 'v8';
    case '7m':
    case '?(12)':
    case '?(13)':
    case '?(14)':
    case '?(15)':
    case '?(16)':
    case '?(17)':
      return 'v7';
    case '7':
      return (field('model name') ?? '').toLowerCase().startsWith('armv6-compatible') ? 'v6' : 'v7';
    case '6':
    case '6tej':
      return 'v6';
    case '5':
    case '5t':
    case '5te':
    case '5tej':
      return 'v5';
    case '4':
    case '4t':
      return 'v4';
    case '3':
      return 'v3';
    default:
      return '';
  }
}

/**
 * c/image WantedPlatforms. `choice` undefined = this machine (with CPU variant detection); a choice acts like
 * skopeo's `--override-os/--override-arch/--override-variant` (an explicit arch switches variant detection off).
 */
export function wantedPlatforms(choice: PlatformChoice | undefined, readCpuinfo: () => string = () => readFileSync('/proc/cpuinfo', 'utf8')): Wanted[] {
  const hostArch = GOARCH[nodeArch()] ?? nodeArch();
  const wantedArch = choice ? choice.architecture : hostArch;
  let wantedVariant = choice ? '' : currentVariant(hostArch, readCpuinfo);
  if (choice?.variant) wantedVariant = choice.variant;
  const wantedOS = choice ? choice.os : 'linux';

  let variants: string[] = [];
  if (wantedVariant !== '') {
    const order = COMPATIBILITY[wantedArch];
    const i = order ? order.indexOf(wantedVariant) : -1;
    variants = order && i !== -1 ? order.slice(i) : [wantedVariant];
    variants.push('');
  } else {
    variants = ['', ...(COMPATIBILITY[wantedArch] ?? [])];
  }
  return variants.map((variant) => ({ os: wantedOS, architecture: wantedArch, variant }));
}

export interface ListEntry {
  digest: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string } | null;
  annotations?: Record<string, string> | null;
}

function matches(p: ListEntry['platform'], w: Wanted): boolean {
  return (p?.architecture ?? '') === w.architecture && (p?.os ?? '') === w.os && (p?.variant ?? '') === w.variant;
}

/** Returns the chosen entry; errors are c/image's texts. */
export function chooseInstance(kind: 'oci-index' | 'docker-list', entries: readonly ListEntry[], wanted: Wanted[]): ListEntry {
  if (kind === 'docker-list') {
    for (const w of wanted) {
      for (const e of entries) if (matches(e.platform, w)) return e;
    }
    const w0 = wanted[0]!;
    throw new ImageSourceError(`no image found in manifest list for architecture ${JSON.stringify(w0.architecture)}, variant ${JSON.stringify(w0.variant)}, OS ${JSON.stringify(w0.os)}`);
  }
  let best: { platformIndex: number; zstd: boolean; position: number; entry: ListEntry } | undefined;
  entries.forEach((entry, position) => {
    let platformIndex = Number.MAX_SAFE_INTEGER;
    if (entry.platform) {
      platformIndex = wanted.findIndex((w) => matches(entry.platform, w));
      if (platformIndex === -1) return;
    }
    const zstd = entry.annotations?.['io.github.containers.compression.zstd'] === 'true';
    const cand = { platformIndex, zstd, position, entry };
    if (
      !best ||
      cand.platformIndex < best.platformIndex ||
      (cand.platformIndex === best.platformIndex && cand.zstd !== best.zstd && cand.zstd) // c/image prefers zstd unless asked for gzip
    ) {
      best = cand;
    }
  });
  if (best) return best.entry;
  const w0 = wanted[0]!;
  throw new ImageSourceError(`no image found in image index for architecture ${JSON.stringify(w0.architecture)}, variant ${JSON.stringify(w0.variant)}, OS ${JSON.stringify(w0.os)}`);
}
