/**
 * The `docker:` transport as containers/image 5.34's dockerImageSource + copy's instance choice read it for a
 * pull. Nothing happens until `manifest()` or `signatures()` is called, and each step runs at most once:
 *  1. the endpoint (docker-endpoint.ts): registries.conf mirrors, registries.d, credentials, the top-level manifest;
 *  2. the manifest the policy applies to (docker-instance.ts): for a list, this machine's instance, digest-checked;
 *  3. the signatures for that manifest's digest (docker-signatures.ts), in c/image's order;
 *  4. opt-in, beyond c/image: sigstore bundles attached as OCI 1.1 referrers (referrers.ts).
 * Every document is read by src/manifest/ with Go's decoder and c/image's struct shapes (case-insensitive members,
 * last occurrence wins, merges, type errors): a registry answer means here what it means to CRI-O.
 */
import { ImageSourceError, ImgpolicyError } from '../errors.js';
import { manifestDigest, isMultiImage, parseList } from '../manifest/index.js';
import type { DockerReference, ImageReference } from '../reference/index.js';
import { RegistryPool, type RegistryOptions } from '../registry/index.js';
import type { Trace } from '../trace.js';
import { signedDigest } from './docker-digests.js';
import { openDockerEndpoint, type DockerEndpoint } from './docker-endpoint.js';
import { resolveDockerInstance, type ResolvedImage } from './docker-instance.js';
import { readDockerSignatures } from './docker-signatures.js';
import { discoverBundles } from './referrers.js';
import type { BundleAttachment, ImageSource, Manifest, ManifestListInfo, Signature } from './types.js';

export type DockerSourceOptions = RegistryOptions;

export class DockerImageSource implements ImageSource {
  readonly notes: string[] = [];
  private readonly dref: DockerReference;
  /** Set when this source made its own connection pool (and so must close it). */
  private readonly ownPool: RegistryPool | undefined;
  private readonly pool: RegistryPool;
  private endpointP: Promise<DockerEndpoint> | undefined;
  private resolvedP: Promise<ResolvedImage> | undefined;
  private manifestP: Promise<Manifest> | undefined;
  private signaturesP: Promise<Signature[]> | undefined;
  private bundlesP: Promise<BundleAttachment[]> | undefined;

  constructor(
    readonly reference: ImageReference,
    private readonly opts: DockerSourceOptions,
  ) {
    const dref = reference.dockerReference();
    if (reference.transport !== 'docker' || !dref) {
      throw new ImageSourceError(`internal error: ${reference.toString()} is not a docker: reference`);
    }
    this.dref = dref;
    this.ownPool = opts.pool ? undefined : new RegistryPool();
    this.pool = opts.pool ?? this.ownPool!;
  }

  // Each step below is memoized once, with its errors already mapped, so asking twice returns the same promise.

  manifest(): Promise<Manifest> {
    return (this.manifestP ??= this.resolved().then((r) => r.manifest));
  }

  signatures(): Promise<Signature[]> {
    return (this.signaturesP ??= failAsSource(
      (async () => {
        const endpoint = await this.endpoint();
        const digest = await this.signedDigest();
        return readDockerSignatures(endpoint, digest, { trace: this.opts.trace, probeDisabledAttachments: this.opts.probeDisabledAttachments });
      })(),
    ));
  }

  /** Opt-in (beyond c/image): OCI 1.1 referrers of the digest the signatures are looked up for. Never called unless asked. */
  bundles(o?: { trace?: Trace }): Promise<BundleAttachment[]> {
    return (this.bundlesP ??= failAsSource(
      (async () => {
        const endpoint = await this.endpoint();
        return discoverBundles(endpoint.client, await this.signedDigest(), o?.trace ?? this.opts.trace);
      })(),
    ));
  }

  async manifestList(): Promise<ManifestListInfo | undefined> {
    const top = (await this.endpoint()).toplevel;
    if (!isMultiImage(top.mimeType)) return undefined;
    return {
      digest: manifestDigest(top.bytes),
      instances: parseList(top.bytes, top.mimeType).map((e) => ({ digest: e.digest, ...(e.platform ? { platform: e.platform } : {}) })),
    };
  }

  /** Releases keep-alive sockets when this source created its own connection pool. */
  async close(): Promise<void> {
    if (this.ownPool) await this.ownPool.close();
  }

  private endpoint(): Promise<DockerEndpoint> {
    return (this.endpointP ??= failAsSource(openDockerEndpoint(this.reference, this.dref, this.opts, { pool: this.pool, notes: this.notes })));
  }

  private resolved(): Promise<ResolvedImage> {
    return (this.resolvedP ??= failAsSource(
      this.endpoint().then((endpoint) =>
        resolveDockerInstance(this.reference, this.dref, endpoint, { platform: this.opts.platform, trace: this.opts.trace, notes: this.notes }),
      ),
    ));
  }

  private async signedDigest(): Promise<string> {
    const r = await this.resolved();
    return signedDigest(this.dref, r.manifest.bytes, r.instanceDigest);
  }
}

export function openDockerImageSource(ref: ImageReference, opts: DockerSourceOptions): DockerImageSource {
  return new DockerImageSource(ref, opts);
}

/** Errors keep their class; anything unexpected becomes an ImageSourceError (never a raw exception). */
function failAsSource<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => Promise.reject(e instanceof ImgpolicyError ? e : new ImageSourceError(String((e as Error)?.message ?? e))));
}
