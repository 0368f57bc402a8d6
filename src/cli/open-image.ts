import { UsageError } from '../errors.js';
import { openDirImageSource, openOCIImageSource, type ImageSource } from '../image/index.js';
import { parsePlatformChoice } from '../registry/platform.js';
import { RegistryPool } from '../registry/pool.js';
import { DirImageReference, OciImageReference, type ImageReference } from '../reference/index.js';
import type { Trace } from '../trace.js';
import type { ImageAccessOptions } from './options.js';
import type { ProcessEnv } from './context.js';

/** Connections and tokens shared by every image of one run; closed once at the end so the process can exit. */
export class ImageSession {
  private pool: RegistryPool | undefined;
  registryPool(): RegistryPool {
    return (this.pool ??= new RegistryPool());
  }
  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/** Opens the lazy image source for a reference's transport. Nothing is read until evaluation asks. */
export async function openImageSource(
  ref: ImageReference,
  access: ImageAccessOptions,
  pe: ProcessEnv,
  trace: Trace,
  session: ImageSession,
  limits: { requestMs?: number; cancel?: AbortSignal } = {},
): Promise<ImageSource> {
  // No --platform means "this machine", with c/image's CPU-variant detection; an explicit one acts like --override-arch.
  const platform = access.platform ? parsePlatformChoice(access.platform) : undefined;
  switch (ref.transport) {
    case 'dir':
      if (ref instanceof DirImageReference) return openDirImageSource(ref, ref.resolvedPath, { ...(platform ? { platform } : {}), trace });
      break;
    case 'oci':
      if (ref instanceof OciImageReference) {
        return openOCIImageSource(ref, { directory: ref.resolvedDir, image: ref.image, sourceIndex: ref.sourceIndex }, { ...(platform ? { platform } : {}), trace });
      }
      break;
    case 'docker': {
      // The registry client (node:https, TLS, credentials, registries.conf/.d) is only loaded for docker: images.
      const { openDockerImageSource } = await import('../image/docker-source.js');
      return openDockerImageSource(ref, {
        ...(access.authfile !== undefined ? { authfile: access.authfile } : {}),
        ...(access.creds !== undefined ? { creds: access.creds } : {}),
        ...(access.certDir !== undefined ? { certDir: access.certDir } : {}),
        ...((access.registriesD ?? access['registries.d']) !== undefined ? { registriesDir: (access.registriesD ?? access['registries.d'])! } : {}),
        ...(access.registriesConf !== undefined ? { registriesConf: access.registriesConf } : {}),
        ...(limits.requestMs !== undefined ? { timeoutMs: limits.requestMs } : {}),
        ...(limits.cancel ? { cancel: limits.cancel } : {}),
        tlsVerify: access.tlsVerify,
        ...(access.probeDisabledAttachments ? { probeDisabledAttachments: true } : {}),
        ...(platform ? { platform } : {}),
        env: pe.env,
        homeDir: pe.homeDir,
        ...(pe.etcDir ? { etcDir: pe.etcDir } : {}),
        trace,
        pool: session.registryPool(),
      });
    }
  }
  throw new UsageError(`reading images from the ${ref.transport} transport is not supported by imgpolicy (policy lookup for it is: try \`imgpolicy explain\`)`);
}

