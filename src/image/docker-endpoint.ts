/**
 * Endpoint choice for the `docker:` transport: which registry (the image's own location or a registries.conf
 * mirror) an image is read from, with which credentials, TLS setting, lookaside and `.sig` configuration — and the
 * top-level manifest that decided it. c/image 5.34's newImageSource / newImageSourceAttempt.
 */
import { ImageSourceError } from '../errors.js';
import { goQuote } from '../go/fmt.js';
import { DockerImageReference, type DockerReference, type ImageReference } from '../reference/index.js';
import {
  checkNotBlocked,
  defaultRegistryFor,
  effectiveEuid,
  explicitRegistriesConfPath,
  findRegistry,
  loadRegistriesConf,
  loadRegistriesD,
  lookasideBaseURL,
  memoTraced,
  openRegistryClient,
  pullSourcesFromReference,
  useSigstoreAttachments,
  type LookasideURL,
  type PullSource,
  type RegistriesConf,
  type RegistriesDConfig,
  type RegistryClient,
  type RegistryOptions,
  type RegistryPool,
} from '../registry/index.js';
import { checkContentDigestHeader, type FetchedManifest } from './docker-digests.js';

/** The registry an image is read from, and what c/image settles when it opens it. */
export interface DockerEndpoint {
  client: RegistryClient;
  lookasideBase: LookasideURL;
  useAttachments: boolean;
  toplevel: FetchedManifest;
}

export interface EndpointContext {
  pool: RegistryPool;
  /** Receives "Using mirror … for …" when the image is not read from its own location. */
  notes: string[];
}

/**
 * c/image newImageSource: configuration, then the pull sources registries.conf gives (applicable mirrors in file
 * order, the registry's own location last); the first source whose manifest can be read is used for everything
 * that follows (instance manifests, lookaside, `.sig` attachments), each failure is logged, and when all fail the
 * error is the primary's, prefixed by the mirrors' ("initializing source …"). The policy keeps seeing `ref`.
 */
export async function openDockerEndpoint(
  ref: ImageReference,
  dref: DockerReference,
  opts: RegistryOptions,
  ctx: EndpointContext,
): Promise<DockerEndpoint> {
  const trace = opts.trace;
  try {
    if (dref.digest === undefined && dref.tag === undefined) {
      throw new ImageSourceError(`reading images from docker: reference ${goQuote(ref.stringWithinTransport())} without a tag or digest is not supported`);
    }
    const config = await registriesD(opts, ctx.pool);
    const conf = await registriesConf(opts, ctx.pool);
    const registry = findRegistry(conf, dref.name()) ?? defaultRegistryFor(dref);
    const attempts: { ref: string; err: Error }[] = [];
    for (const source of pullSourcesFromReference(registry, dref)) {
      const physical = source.reference.toString();
      trace.debug(`Trying to access ${goQuote(physical)}`);
      try {
        const endpoint = await openAttempt(dref, opts, ctx.pool, config, conf, source);
        if (physical !== dref.toString() || source.mirror) {
          const line = `Using ${source.mirror ? 'mirror' : 'location'} ${physical} for ${dref.toString()}`;
          trace.debug(line, { pullSource: physical, mirror: source.mirror });
          ctx.notes.push(line);
        }
        return endpoint;
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
}

// Once per run: every image of a batch reads the same registries.d and registries.conf (debug lines replayed).
function registriesD(opts: RegistryOptions, pool: RegistryPool): Promise<RegistriesDConfig> {
  const rdOpts = {
    ...(opts.registriesDir !== undefined ? { registriesDir: opts.registriesDir } : {}),
    ...(opts.etcDir !== undefined ? { etcDir: opts.etcDir } : {}),
    homeDir: opts.homeDir,
  };
  return memoTraced(pool, `registries.d\0${JSON.stringify(rdOpts)}`, opts.trace, (t) => loadRegistriesD({ ...rdOpts, trace: t }));
}

async function registriesConf(opts: RegistryOptions, pool: RegistryPool): Promise<RegistriesConf> {
  const rcOpts = {
    ...(opts.registriesConf !== undefined ? { registriesConf: opts.registriesConf } : {}),
    ...(opts.etcDir !== undefined ? { etcDir: opts.etcDir } : {}),
    env: opts.env,
    homeDir: opts.homeDir,
  };
  const rcKey = JSON.stringify([rcOpts.registriesConf, rcOpts.etcDir, rcOpts.homeDir, explicitRegistriesConfPath(rcOpts)]);
  try {
    return await memoTraced(pool, `registries.conf\0${rcKey}`, opts.trace, (t) => loadRegistriesConf({ ...rcOpts, trace: t }));
  } catch (e) {
    throw new ImageSourceError(`loading registries configuration: ${(e as Error).message}`);
  }
}

/**
 * c/image newImageSourceAttempt: credentials, lookaside and `.sig` settings for the PHYSICAL reference (a mirror
 * needs its own registries.d entry), --creds only sent to the logical registry's domain, TLS verification as the
 * endpoint's `insecure` says unless --tls-verify was given, the blocked check, then the top-level manifest.
 */
async function openAttempt(
  dref: DockerReference,
  opts: RegistryOptions,
  pool: RegistryPool,
  config: RegistriesDConfig,
  conf: RegistriesConf,
  source: PullSource,
): Promise<DockerEndpoint> {
  const trace = opts.trace;
  const phys = source.reference;
  const physRef = new DockerImageReference(phys);
  const endpointOpts: RegistryOptions = {
    ...opts,
    tlsVerify: opts.tlsVerify ?? !source.endpoint.insecure,
    ...(conf.credentialHelpers ? { credentialHelpers: conf.credentialHelpers } : {}),
  };
  if (phys.domain !== dref.domain) delete endpointOpts.creds;
  const client = await openRegistryClient(phys.domain, phys.path, endpointOpts, { pool, trace });
  const lookasideBase = lookasideBaseURL(config, physRef, { homeDir: opts.homeDir, euid: effectiveEuid(opts) }, trace);
  checkNotBlocked(conf, phys.name());
  const useAttachments = useSigstoreAttachments(config, physRef, trace);
  const toplevel = await client.fetchManifest((phys.digest ?? phys.tag)!);
  checkContentDigestHeader(toplevel, trace);
  return { client, lookasideBase, useAttachments, toplevel };
}
