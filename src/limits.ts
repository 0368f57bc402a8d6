/**
 * Every limit in one place, with the reason and the containers/image figure it mirrors.
 * A limit is a security property: a hostile registry or signature must not make us use unbounded memory or time.
 */
export const LIMITS = {
  /** c/image iolimits.MaxManifestBodySize: 4 MiB. */
  maxManifestBytes: 4 * 1024 * 1024,
  /** c/image iolimits.MaxSignatureManifestBodySize (sigstore attachment manifest): 4 MiB. */
  maxSignatureManifestBytes: 4 * 1024 * 1024,
  /** c/image iolimits.MaxSignatureBodySize: 4 MiB per signature blob (lookaside, .sig layer, dir: file). */
  maxSignatureBytes: 4 * 1024 * 1024,
  /**
   * Beyond c/image (gpg inflates without a bound): what a GPG signature's compressed packets may expand to, in all
   * (nested ones included). A 4 MiB blob of zeros compressed by BZIP2 would otherwise become gigabytes in memory
   * before any signature is checked; a real simple-signing payload is a few hundred bytes.
   */
  maxDecompressedSignatureBytes: 64 * 1024 * 1024,
  /** c/image lookaside reader stops at signature-128 (maxLookasideSignatures). */
  maxLookasideSignatures: 128,
  /**
   * Referrers (the opt-in bundle discovery, which c/image does not have) read for one digest. Not applied to `.sig`
   * layers: c/image reads every layer of an attachment manifest, bounded only by maxSignatureManifestBytes.
   */
  maxSigstoreAttachments: 128,
  /** `.sig` layer blobs fetched at once (c/image fetches them one by one; the bound keeps sockets and memory flat). */
  sigstoreFetchConcurrency: 8,
  /** c/image iolimits.MaxAuthTokenBodySize: 1 MiB. */
  maxTokenBytes: 1024 * 1024,
  /** c/image iolimits.MaxErrorBodySize: 1 MiB of a registry error body is read. */
  maxErrorBodyBytes: 1024 * 1024,
  /** Go's net/http follows at most 10 redirects. */
  maxRedirects: 10,
  /** Per request: Node's and undici's defaults are minutes long; a CI gate must not hang that long on a stalled registry. */
  requestTimeoutMs: 30_000,
  /**
   * Per image, by default (`--timeout` replaces it, `--timeout 0` removes it): whatever a registry does — retries,
   * token requests, redirects, lookaside reads, the bundle probe — one image's verdict is an error after this long.
   * Generous (four stalled requests in a row still fit), because a verdict c/image reaches must not become an error.
   */
  imageDeadlineMs: 120_000,
  /**
   * Total back-off one request may sleep between 429/5xx retries. c/image (5 attempts, 2 s doubling, Retry-After
   * honoured up to 60 s) can sleep 4 × 60 s = 240 s on a 429 storm; past 60 s the last answer is returned as the
   * error. Without Retry-After the c/image schedule (2+4+8+16 = 30 s) fits unchanged.
   */
  maxRetrySleepMs: 60_000,
  /** Go's encoding/json maxNestingDepth: deeper JSON (policy, signature payload) is a syntax error, never a stack overflow. */
  maxJSONNestingDepth: 10_000,
  /** Policy files: c/image reads them whole; we refuse absurd ones. */
  maxPolicyBytes: 16 * 1024 * 1024,
  /** Key, CA and keyring files named by a policy. */
  maxKeyFileBytes: 16 * 1024 * 1024,
  /**
   * The machine's configuration files: registries.conf and its drop-ins, registries.d, auth files, certs.d and TLS
   * root files, kubeconfig. c/image reads them whole with no limit; a path that names a device or a runaway file
   * must not exhaust memory, and no real configuration file comes near this.
   */
  maxConfigFileBytes: 16 * 1024 * 1024,
} as const;
