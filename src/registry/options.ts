import type { Trace } from '../trace.js';
import type { RegistryPool } from './pool.js';

/** `os/arch[/variant]` as `--platform` takes it (same shape as image/platform.ts's Platform). */
export interface PlatformChoice {
  os: string;
  architecture: string;
  variant?: string;
}

/** Retry policy for 429 / 5xx answers to body-less requests (c/image: 5 attempts, 2 s doubling, at most 60 s). */
export interface RetryOptions {
  /** Total attempts including the first one. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Everything the docker transport reads from the outside world comes through this object (no globals), so that
 * tests and the CLI decide what "environment" and "home" mean. Field names follow skopeo's flags.
 */
export interface RegistryOptions {
  /** `--authfile`; when unset, `env.REGISTRY_AUTH_FILE` (as skopeo/podman default their flag), then c/image's defaults. */
  authfile?: string;
  /** `--creds user[:password]`: used for every request to the image's registry, auth files are then not read. */
  creds?: string;
  /** `--cert-dir`: replaces the per-host certs.d lookup. */
  certDir?: string;
  /** `--tls-verify`; `false` = c/image's DockerInsecureSkipTLSVerify: https without verification, then http. */
  tlsVerify?: boolean;
  /** `--registries.d` override. */
  registriesDir?: string;
  /**
   * `--registries-conf` (c/image SystemRegistriesConfPath): registries.conf with `[[registry]]` prefixes, location
   * rewrites, mirrors, insecure and blocked. Unset: `$HOME/.config/containers/registries.conf` if it exists, else
   * `/etc/containers/registries.conf` (CONTAINERS_REGISTRIES_CONF is podman's, c/image ignores it); the
   * `registries.conf.d` drop-ins are read in every case (see registries-conf.ts).
   */
  registriesConf?: string;
  /** Instance choice for manifest lists; unset = this machine, with c/image's variant detection. */
  platform?: PlatformChoice | string;
  /** Per-request timeout (default LIMITS.requestTimeoutMs). */
  timeoutMs?: number;
  /** Aborted when the caller gives up on this image (its deadline): every request and back-off stops. */
  cancel?: AbortSignal;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  trace: Trace;
  /** Effective uid for c/image's root/rootless defaults (lookaside dir, /run/containers/UID); default process.geteuid(). */
  euid?: number;
  retry?: RetryOptions;
  /**
   * When sigstore attachments are disabled by configuration, HEAD the `.sig` tag and, if it exists, record a trace
   * hint. Off by default: c/image makes no such request, and nothing a verdict depends on changes either way.
   */
  probeDisabledAttachments?: boolean;
  /** Share connections, TLS setup and bearer tokens between image sources of one run. */
  pool?: RegistryPool;
  /** registries.conf `credential-helpers` (set by the docker source from the loaded registries.conf). */
  credentialHelpers?: readonly string[];
  /** Root directory for certs.d and registries.conf(.d) lookups in tests (default: the real /etc). */
  etcDir?: string;
}
