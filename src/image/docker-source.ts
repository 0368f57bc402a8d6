import { ImageSourceError, ImgpolicyError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { DockerImageReference, type DockerReference, type ImageReference } from '../reference/index.js';
import {
  chooseInstance,
  isManifestUnknownError,
  lookasideBaseURL,
  lookasideSignatureURL,
  type LookasideURL,
  effectiveEuid,
  loadRegistriesD,
  memoTraced,
  openRegistryClient,
  parsePlatformChoice,
  RegistryPool,
  useSigstoreAttachments,
  validateDigest,
  wantedPlatforms,
  loadRegistriesConf,
  explicitRegistriesConfPath,
  findRegistry,
  defaultRegistryFor,
  pullSourcesFromReference,
  checkNotBlocked,
  type RegistriesConf,
  type RegistriesDConfig,
  type PullSource,
  type ListEntry,
  type RegistryClient,
  type RegistryOptions,
} from '../registry/index.js';
import { Trace } from '../trace.js';
import { goQuote } from '../go/fmt.js';
import { readFileLimited, isNotFound } from './files.js';
import {
  DOCKER_LIST,
  OCI_MANIFEST,
  isMultiImage,
  manifestDigest,
  parseList,
  parseOCI1,
  type OCILayer,
} from '../manifest/index.js';
import { discoverBundles } from './referrers.js';
import { parseSignatureBlob } from './signature-blob.js';
import type { BundleAttachment, ImageSource, Manifest, Signature, SigstoreSignature } from './types.js';

/**
 * The `docker:` transport as containers/image 5.34's dockerImageSource + copy's instance choice read it for a
 * pull: nothing happens until `manifest()` or `signatures()` is called, each is fetched at most once, and
 *  - the manifest is the one the policy applies to: for a manifest list, the instance for this machine (or
 *    `opts.platform`), verified against its digest; for a digest reference, verified against that digest;
 *  - the signatures are c/image's list, in its order: simple-signing signatures from the lookaside (or the
 *    X-Registry-Supports-Signatures API), then — only if registries.d enables `use-sigstore-attachments` — every
 *    layer of the `sha256-<hex>.sig` attachment manifest.
 * Every document is read by src/manifest/ with Go's decoder and c/image's struct shapes (case-insensitive members,
 * last occurrence wins, merges, type errors): a registry answer means here what it means to CRI-O.
 */

export type DockerSourceOptions = RegistryOptions;

export interface DockerImageSource extends ImageSource {
  /** Releases keep-alive sockets when this source created its own connection pool. */
  close(): Promise<void>;
}

interface Opened {
  client: RegistryClient;
  lookasideBase: LookasideURL;
  useAttachments: boolean;
  toplevel: { bytes: Uint8Array; mimeType: string };
}

interface Resolved {
  manifest: Manifest;
  /** The per-platform instance digest when a list was resolved. */
  instanceDigest?: string;
}

export function openDockerImageSource(ref: ImageReference, opts: DockerSourceOptions): DockerImageSource {
  const dref = ref.dockerReference();
  if (ref.transport !== 'docker' || !dref) {
    throw new ImageSourceError(`internal error: ${ref.toString()} is not a docker: reference`);
  }
  const ownPool = opts.pool ? undefined : new RegistryPool();
  const pool = opts.pool ?? ownPool!;
  const trace = opts.trace;
  const notes: string[] = [];

  let opened: Promise<Opened> | undefined;
  let resolved: Promise<Resolved> | undefined;
  let signatures: Promise<Signature[]> | undefined;

  /**
   * c/image newImageSource: configuration, then the pull sources registries.conf gives (applicable mirrors in file
   * order, the registry's own location last); the first source whose manifest can be read is used for everything
   * that follows (instance manifests, lookaside, `.sig` attachments), each failure is logged, and when all fail the
   * error is the primary's, prefixed by the mirrors' ("initializing source …"). The policy keeps seeing `ref`.
   */
  const open = (): Promise<Opened> =>
    (opened ??= (async () => {
      try {
        if (dref.digest === undefined && dref.tag === undefined) {
          throw new ImageSourceError(`reading images from docker: reference ${goQuote(ref.stringWithinTransport())} without a tag or digest is not supported`);
        }
        // Once per run: every image of a batch reads the same registries.d and registries.conf (debug lines replayed).
        const rdOpts = {
          ...(opts.registriesDir !== undefined ? { registriesDir: opts.registriesDir } : {}),
          ...(opts.etcDir !== undefined ? { etcDir: opts.etcDir } : {}),
          homeDir: opts.homeDir,
        };
        const config = await memoTraced(pool, `registries.d\0${JSON.stringify(rdOpts)}`, trace, (t) => loadRegistriesD({ ...rdOpts, trace: t }));
        const rcOpts = {
          ...(opts.registriesConf !== undefined ? { registriesConf: opts.registriesConf } : {}),
          ...(opts.etcDir !== undefined ? { etcDir: opts.etcDir } : {}),
          env: opts.env,
          homeDir: opts.homeDir,
        };
        const rcKey = JSON.stringify([rcOpts.registriesConf, rcOpts.etcDir, rcOpts.homeDir, explicitRegistriesConfPath(rcOpts)]);
        let conf: RegistriesConf;
        try {
          conf = await memoTraced(pool, `registries.conf\0${rcKey}`, trace, (t) => loadRegistriesConf({ ...rcOpts, trace: t }));
        } catch (e) {
          throw new ImageSourceError(`loading registries configuration: ${(e as Error).message}`);
        }
        const registry = findRegistry(conf, dref.name()) ?? defaultRegistryFor(dref);
        const sources = pullSourcesFromReference(registry, dref);
        const attempts: { ref: string; err: Error }[] = [];
        for (const source of sources) {
          const physical = source.reference.toString();
          trace.debug(`Trying to access ${goQuote(physical)}`);
          try {
            const o = await openAttempt(config, conf, source);
            if (physical !== dref.toString() || source.mirror) {
              const line = `Using ${source.mirror ? 'mirror' : 'location'} ${physical} for ${dref.toString()}`;
              trace.debug(line, { pullSource: physical, mirror: source.mirror });
              notes.push(line);
            }
            return o;
          } catch (e) {
            trace.debug(`Accessing ${goQuote(physical)} failed: ${(e as Error).message}`);
            attempts.push({ ref: physical, err: e as Error });
          }
        }
        if (attempts.length === 1) throw attempts[0]!.err;
        const primary = attempts[attempts.length - 1]!;
        const extras = attempts.slice(0, -1).map((a) => `[${a.ref}: ${a.err.message}]`);
        throw new ImageSourceError(`(Mirrors also failed: ${extras.join('\n')}): ${primary.ref}: ${primary.err.message}`);
      } catch (e) {
        throw new ImageSourceError(`initializing source ${ref.toString()}: ${(e as Error).message}`);
      }
    })());

  /**
   * c/image newImageSourceAttempt: credentials, lookaside and `.sig` settings for the PHYSICAL reference (a mirror
   * needs its own registries.d entry), --creds only sent to the logical registry's domain, TLS verification as the
   * endpoint's `insecure` says unless --tls-verify was given, the blocked check, then the top-level manifest.
   */
  async function openAttempt(config: RegistriesDConfig, conf: RegistriesConf, source: PullSource): Promise<Opened> {
    const phys = source.reference;
    const physRef = new DockerImageReference(phys);
    const endpointOpts: RegistryOptions = {
      ...opts,
      tlsVerify: opts.tlsVerify ?? !source.endpoint.insecure,
      ...(conf.credentialHelpers ? { credentialHelpers: conf.credentialHelpers } : {}),
    };
    if (phys.domain !== dref!.domain) delete endpointOpts.creds;
    const client = await openRegistryClient(phys.domain, phys.path, endpointOpts, { pool, trace });
    const lookasideBase = lookasideBaseURL(config, physRef, { homeDir: opts.homeDir, euid: effectiveEuid(opts) }, trace);
    checkNotBlocked(conf, phys.name());
    const useAttachments = useSigstoreAttachments(config, physRef, trace);
    const toplevel = await client.fetchManifest((phys.digest ?? phys.tag)!);
    checkContentDigestHeader(toplevel, trace);
    return { client, lookasideBase, useAttachments, toplevel };
  }

  const resolve = (): Promise<Resolved> =>
    (resolved ??= (async () => {
      const o = await open();
      const top = o.toplevel;
      if (dref.digest !== undefined) verifyDigest(top.bytes, dref.digest);
      if (!isMultiImage(top.mimeType)) return { manifest: { bytes: top.bytes, mimeType: top.mimeType } };
      // c/image copy (CopySystemImage): the policy runs on the instance for this platform, never on the list.
      let entries: ListEntry[];
      try {
        entries = parseList(top.bytes, top.mimeType);
      } catch (e) {
        throw new ImageSourceError(`parsing primary manifest as list for ${ref.toString()}: ${(e as Error).message}`);
      }
      let instance: ListEntry;
      try {
        const choice = typeof opts.platform === 'string' ? parsePlatformChoice(opts.platform) : opts.platform;
        instance = chooseInstance(top.mimeType === DOCKER_LIST ? 'docker-list' : 'oci-index', entries, wantedPlatforms(choice));
      } catch (e) {
        throw new ImageSourceError(`choosing an image from manifest list ${ref.toString()}: ${(e as Error).message}`);
      }
      const line = `Source is a manifest list; copying (only) instance ${instance.digest} for current system`;
      trace.debug(line, { instance: instance.digest, platform: instance.platform ?? null });
      notes.push(line);
      // c/image copySingleImage on the instance: its errors read "copying system image from manifest list: …",
      // reading it (and checking its digest) also "determining manifest MIME type for <ref>: …".
      const onInstance = (what: string) => new ImageSourceError(`copying system image from manifest list: ${what}`);
      let m: Awaited<ReturnType<RegistryClient['fetchManifest']>>;
      try {
        validateDigest(instance.digest, (msg) => msg);
        m = await o.client.fetchManifest(instance.digest);
        checkContentDigestHeader(m, trace);
        verifyDigest(m.bytes, instance.digest);
      } catch (e) {
        throw onInstance(`determining manifest MIME type for ${ref.toString()}: ${(e as Error).message}`);
      }
      // The instance's own MIME type is checked before the policy runs.
      if (isMultiImage(m.mimeType)) throw onInstance('Unexpectedly received a manifest list instead of a manifest for a single image');
      return { manifest: { bytes: m.bytes, mimeType: m.mimeType }, instanceDigest: instance.digest };
    })());

  const readSignatures = (): Promise<Signature[]> =>
    (signatures ??= (async () => {
      const o = await open();
      const r = await resolve();
      const digest = signedDigest(dref, r);
      const out: Signature[] = [];
      if (o.client.supportsSignatures) {
        for (const blob of await o.client.fetchExtensionSignatures(digest)) out.push({ format: 'simple-signing', blob });
      } else {
        out.push(...(await readLookaside(o, digest)));
      }
      if (o.useAttachments) {
        out.push(...(await readSigstoreAttachments(o.client, digest)));
      } else {
        trace.debug('Not looking for sigstore attachments: disabled by configuration');
        if (opts.probeDisabledAttachments) await probeAttachments(o.client, digest);
      }
      return out;
    })());

  /** c/image appendSignaturesFromLookaside: signature-1, -2, … until the first missing one; at most 128. */
  async function readLookaside(o: Opened, digest: string): Promise<Signature[]> {
    const out: Signature[] = [];
    for (let i = 0; ; i++) {
      if (i >= LIMITS.maxLookasideSignatures) {
        throw new ImageSourceError(`server provided ${LIMITS.maxLookasideSignatures} signatures, assuming that's unreasonable and a server error`);
      }
      const url = lookasideSignatureURL(o.lookasideBase, digest, i + 1);
      let blob: Uint8Array | null;
      let where: string;
      switch (url.protocol) {
        case 'file:': {
          const path = decodeURIComponent((url as URL).pathname);
          where = goQuote(path);
          trace.debug(`Reading ${path}`);
          try {
            blob = await readFileLimited(path, LIMITS.maxSignatureBytes, 'signature');
          } catch (e) {
            if (isNotFound(e)) blob = null;
            else throw e;
          }
          break;
        }
        case 'http:':
        case 'https:':
          where = url.href;
          blob = await o.client.fetchLookasideSignature(url as URL);
          break;
        default:
          throw new ImageSourceError(`Unsupported scheme when reading signature from ${url.href}`);
      }
      if (blob === null) break;
      try {
        out.push(parseSignatureBlob(blob));
      } catch (e) {
        throw new ImageSourceError(`parsing signature ${where}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** c/image appendSignaturesFromSigstoreAttachments + getSigstoreAttachmentManifest. */
  async function readSigstoreAttachments(client: RegistryClient, digest: string): Promise<Signature[]> {
    const tag = sigstoreAttachmentTag(digest);
    const sigRef = `${client.name}:${tag}`;
    trace.debug(`Looking for sigstore attachments in ${sigRef}`, { tag });
    let fetched;
    try {
      fetched = await client.fetchManifest(tag, LIMITS.maxSignatureManifestBytes);
    } catch (e) {
      if (isManifestUnknownError(e)) {
        trace.debug(`Fetching sigstore attachment manifest failed, assuming it does not exist: ${(e as Error).message}`);
        return [];
      }
      trace.debug(`Fetching sigstore attachment manifest failed: ${(e as Error).message}`);
      throw e;
    }
    if (fetched.mimeType !== OCI_MANIFEST) {
      throw new ImageSourceError(`unexpected MIME type for sigstore attachment manifest ${sigRef}: ${goQuote(fetched.mimeType)}`);
    }
    const layers = parseAttachmentManifest(fetched.bytes, sigRef);
    trace.debug(`Found a sigstore attachment manifest with ${layers.length} layers`, { layers: layers.length });
    // No count limit: c/image reads every layer; the 4 MiB manifest bound is the bound.
    // The blobs are independent: fetch a few at once (sigstoreFetchConcurrency). Each fetch's debug lines are
    // buffered and appended in layer order, and the first failing layer (in order) is the error, as in c/image's
    // sequential loop. Layers naming the same blob (two signatures over one payload) share a fetch.
    const fetches = new Map<string, { trace: Trace; p: Promise<Uint8Array> }>();
    const slots = { free: LIMITS.sigstoreFetchConcurrency as number, waiting: [] as (() => void)[] };
    const limited = async <T>(f: () => Promise<T>): Promise<T> => {
      if (slots.free === 0) await new Promise<void>((r) => slots.waiting.push(r));
      else slots.free--;
      try {
        return await f();
      } finally {
        const next = slots.waiting.shift();
        if (next) next();
        else slots.free++;
      }
    };
    for (const layer of layers) {
      if (fetches.has(layer.digest)) continue;
      const t = new Trace();
      // c/image getBlob: a layer's `urls` are tried before the registry.
      const p = limited(() => client.fetchBlob(layer.digest, LIMITS.maxSignatureBytes, t, layer.urls));
      p.catch(() => undefined); // awaited below, in order
      fetches.set(layer.digest, { trace: t, p });
    }
    const replayed = new Set<string>();
    const out: SigstoreSignature[] = [];
    for (const [i, layer] of layers.entries()) {
      trace.debug(`Fetching sigstore attachment ${i + 1}/${layers.length}: ${layer.digest}`);
      const f = fetches.get(layer.digest)!;
      if (!replayed.has(layer.digest)) {
        replayed.add(layer.digest);
        await f.p.catch(() => undefined);
        trace.events.push(...f.trace.events);
      }
      const payload = await f.p;
      out.push({ format: 'sigstore', mimeType: layer.mediaType, payload, annotations: layer.annotations });
    }
    return out;
  }

  /**
   * Opt-in diagnosis: attachments exist but registries.d does not enable them. Only recorded; nothing a verdict
   * depends on changes (c/image would not even look).
   */
  async function probeAttachments(client: RegistryClient, digest: string): Promise<void> {
    const tag = sigstoreAttachmentTag(digest);
    try {
      if (await client.manifestExists(tag)) {
        trace.info(
          `${client.name}:${tag} holds sigstore attachments, but use-sigstore-attachments is not enabled for this image in registries.d, so they are not read`,
          { hint: 'sigstore-attachments-disabled', tag },
        );
      }
    } catch (e) {
      trace.debug(`Probing for sigstore attachments failed: ${(e as Error).message}`);
    }
  }

  let manifestP: Promise<Manifest> | undefined;
  let signaturesP: Promise<Signature[]> | undefined;
  let bundlesP: Promise<BundleAttachment[]> | undefined;
  /** Opt-in (beyond c/image): OCI 1.1 referrers of the digest the signatures are looked up for. Never called unless asked. */
  const readBundles = (t: Trace): Promise<BundleAttachment[]> =>
    (bundlesP ??= (async () => {
      const o = await open();
      const r = await resolve();
      return discoverBundles(o.client, signedDigest(dref, r), t);
    })());
  return {
    reference: ref,
    notes,
    manifest: () => (manifestP ??= resolve().then((r) => r.manifest, (e: unknown) => Promise.reject(asImageSourceError(e)))),
    signatures: () => (signaturesP ??= readSignatures().catch((e: unknown) => Promise.reject(asImageSourceError(e)))),
    bundles: (o?: { trace?: Trace }) => readBundles(o?.trace ?? trace).catch((e: unknown) => Promise.reject(asImageSourceError(e))),
    manifestList: async () => {
      const top = (await open().catch((e: unknown) => Promise.reject(asImageSourceError(e)))).toplevel;
      if (!isMultiImage(top.mimeType)) return undefined;
      return { digest: manifestDigest(top.bytes), instances: parseList(top.bytes, top.mimeType).map((e) => ({ digest: e.digest, ...(e.platform ? { platform: e.platform } : {}) })) };
    },
    close: async () => {
      if (ownPool) await ownPool.close();
    },
  };
}

/** c/image dockerImageSource.manifestDigest: the instance digest, else a sha256 reference digest, else computed. */
function signedDigest(dref: DockerReference, r: Resolved): string {
  if (r.instanceDigest !== undefined) return r.instanceDigest;
  if (dref.digest !== undefined && dref.digest.startsWith('sha256:')) return dref.digest;
  return manifestDigest(r.manifest.bytes);
}

/** c/image sigstoreAttachmentTag: `sha256:abc…` → `sha256-abc….sig`. */
export function sigstoreAttachmentTag(digest: string): string {
  validateDigest(digest, (m) => m);
  return digest.replace(':', '-') + '.sig';
}

/** c/image UnparsedImage.Manifest: a manifest read for a digest must be that digest (MatchesDigest: sha256 only). */
function verifyDigest(bytes: Uint8Array, expected: string): void {
  let actual: string;
  try {
    actual = manifestDigest(bytes);
  } catch (e) {
    throw new ImageSourceError(`computing manifest digest: ${(e as Error).message}`);
  }
  if (actual !== expected) throw new ImageSourceError(`Manifest does not match provided manifest digest ${expected}`);
}

/**
 * c/image does not check `Docker-Content-Digest` ("we might validate … here"). We compare it and only *record*
 * a mismatch: failing here would turn verdicts c/image reaches into errors, and the bytes we evaluate are the
 * bytes we digest ourselves, so a lying header cannot make anything pass.
 */
function checkContentDigestHeader(m: { bytes: Uint8Array; dockerContentDigest?: string }, trace: RegistryOptions['trace']): void {
  const header = m.dockerContentDigest;
  if (!header || !header.startsWith('sha256:')) return;
  let actual: string;
  try {
    actual = manifestDigest(m.bytes);
  } catch {
    return;
  }
  if (actual !== header) {
    trace.warn(`Docker-Content-Digest ${header} does not match the manifest received (${actual})`, {
      hint: 'docker-content-digest-mismatch',
      header,
      actual,
    });
  }
}

/** manifest.OCI1FromManifest over a `.sig` attachment manifest, wrapped as `parsing manifest %s: %w`. */
function parseAttachmentManifest(bytes: Uint8Array, sigRef: string): OCILayer[] {
  try {
    return parseOCI1(bytes).layers;
  } catch (e) {
    throw new ImageSourceError(`parsing manifest ${sigRef}: ${(e as Error).message}`);
  }
}

/** Errors keep their class; anything unexpected becomes an ImageSourceError (never a raw exception). */
export function asImageSourceError(e: unknown): ImgpolicyError {
  return e instanceof ImgpolicyError ? e : new ImageSourceError(String((e as Error)?.message ?? e));
}
