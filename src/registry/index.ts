/**
 * Public face of the registry module: the docker transport's view of registries (distribution v2 / OCI API),
 * credentials, TLS and containers-registries.d. Importing this module loads no HTTP stack: node:http / node:https
 * are imported on the first request (see http.ts).
 */
import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Trace } from '../trace.js';
import { RegistryClient } from './client.js';
import { getCredentialsForRef } from './credentials.js';
import type { RegistryOptions } from './options.js';
import { memoTraced, RegistryPool } from './pool.js';
import { loadTLSMaterial } from './tls.js';

export type { RegistryOptions, RetryOptions, PlatformChoice } from './options.js';
export { RegistryPool, memoTraced } from './pool.js';
export { RegistryClient } from './client.js';
export { MANIFEST_ACCEPT, validateDigest } from '../manifest/index.js';
export { simplifyContentType } from './http.js';
export { RegistryHTTPError, isManifestUnknownError } from './errors.js';
export { getCredentialsForRef, parseCreds, authFilePaths, type Credentials } from './credentials.js';
export { loadTLSMaterial, dockerCertDir, type TLSMaterial } from './tls.js';
export {
  loadRegistriesD,
  loadAndMergeRegistriesD,
  registriesDirPath,
  useSigstoreAttachments,
  lookasideBaseURL,
  lookasideSignatureURL,
  type LookasideURL,
  type SchemelessURL,
  type RegistriesDConfig,
  type RegistryNamespace,
} from './registries-d.js';
export { wantedPlatforms, chooseInstance, parsePlatformChoice, type ListEntry } from './platform.js';
export {
  loadRegistriesConf,
  registriesConfPaths,
  explicitRegistriesConfPath,
  parseRegistriesConf,
  mergeRegistriesConf,
  findRegistry,
  defaultRegistryFor,
  pullSourcesFromReference,
  rewriteReference,
  refMatchingPrefix,
  checkNotBlocked,
  RegistriesConfError,
  type RegistriesConf,
  type RegistriesConfOptions,
  type RegistryEntry,
  type Endpoint,
  type PullSource,
} from './registries-conf.js';
export { parseAuthHeader, type Challenge } from './www-authenticate.js';

/** c/image: 5 attempts, 2 s initial delay doubling, at most 60 s. */
export const DEFAULT_RETRY = { maxAttempts: 5, initialDelayMs: 2000, maxDelayMs: 60_000 } as const;

export function effectiveEuid(opts: Pick<RegistryOptions, 'euid'>): number {
  return opts.euid ?? process.geteuid?.() ?? 0;
}

/**
 * c/image newDockerClientFromRef (pull side): credentials for `domain/repository`, TLS material for the host, and a
 * client that has not yet talked to the network. Trace lines come in c/image's order.
 */
export async function openRegistryClient(
  domain: string,
  repository: string,
  opts: RegistryOptions,
  extra: { pool?: RegistryPool; trace?: Trace } = {},
): Promise<RegistryClient> {
  const trace = extra.trace ?? opts.trace;
  const pool = extra.pool ?? opts.pool ?? new RegistryPool();
  const credOpts = {
    ...(opts.creds !== undefined ? { creds: opts.creds } : {}),
    ...(opts.authfile !== undefined ? { authfile: opts.authfile } : {}),
    env: opts.env,
    homeDir: opts.homeDir,
    euid: effectiveEuid(opts),
    ...(opts.credentialHelpers ? { helpers: opts.credentialHelpers } : {}),
  };
  let credentials;
  try {
    // Once per repository and run (auth files, credential helpers); the key holds no secret, only where to look.
    const e = opts.env;
    const where = [e['REGISTRY_AUTH_FILE'], e['XDG_RUNTIME_DIR'], e['XDG_CONFIG_HOME'], e['DOCKER_CONFIG']];
    const creds = opts.creds !== undefined ? createHash('sha256').update(opts.creds).digest('hex') : '';
    const key = `creds\0${domain}/${repository}\0${JSON.stringify([opts.authfile, creds, opts.homeDir, credOpts.euid, where, opts.credentialHelpers ?? null])}`;
    credentials = await memoTraced(pool, key, trace, (t) => getCredentialsForRef(`${domain}/${repository}`, { ...credOpts, trace: t }));
  } catch (e) {
    throw new ImageSourceError(`getting username and password: ${(e as Error).message}`);
  }
  const tlsOpts = {
    ...(opts.certDir !== undefined ? { certDir: opts.certDir } : {}),
    homeDir: opts.homeDir,
    ...(opts.etcDir !== undefined ? { etcDir: opts.etcDir } : {}),
    ...(opts.env['SSL_CERT_FILE'] ? { sslCertFile: opts.env['SSL_CERT_FILE'] } : {}),
    ...(opts.env['SSL_CERT_DIR'] ? { sslCertDir: opts.env['SSL_CERT_DIR'] } : {}),
  };
  const tls = await memoTraced(pool, `tls\0${domain}\0${JSON.stringify(tlsOpts)}`, trace, (t) => loadTLSMaterial(domain, tlsOpts, t));
  return new RegistryClient({
    domain,
    repository,
    credentials,
    tls,
    insecureSkipVerify: opts.tlsVerify === false,
    timeoutMs: opts.timeoutMs ?? LIMITS.requestTimeoutMs,
    ...(opts.cancel ? { cancel: opts.cancel } : {}),
    retry: { ...DEFAULT_RETRY, ...(opts.retry ?? {}) },
    env: opts.env,
    trace,
    pool,
  });
}
