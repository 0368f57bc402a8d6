import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Trace } from '../trace.js';
import { goQuote, goQuoteBytes } from '../go/fmt.js';
import { MANIFEST_ACCEPT, OCI_INDEX } from '../manifest/index.js';
import type { Credentials } from './credentials.js';
import { goTransportError, httpResponseToError, registryHTTPResponseToError, RegistryHTTPError } from './errors.js';
import type { RetryOptions } from './options.js';
import { discardBody, GoGzipError, HttpAgent, type HttpBody } from './http.js';
import { headerBytesAsUTF8, parseMediaType } from '../go/mime.js';
import { decodeBearerToken, decodeExtensionSignatureList } from './go-documents.js';
import type { PingResult, RegistryPool } from './pool.js';
import { systemRoots, type TLSMaterial } from './tls.js';
import { parseAuthHeader, type Challenge } from './www-authenticate.js';

/**
 * A distribution v2 / OCI registry client for one repository, shaped after c/image's dockerClient:
 *  - a `GET /v2/` ping first (https; with `tlsVerify=false` unverified https, then plain http), which also collects
 *    the auth challenges;
 *  - Basic, or Bearer tokens for scope `repository:NAME:pull` fetched from the challenge's realm and cached with
 *    their lifetime (min 60 s) — one token per registry+repository for the life of the client;
 *  - bounded retries with backoff for 429 (c/image) and 5xx (our addition, see RETRYABLE) on body-less requests;
 *  - size limits on every body read, a per-request timeout and the image's deadline (both cancel everything,
 *    retries and token requests included);
 *  - redirects followed on every request as Go's http.Client follows them (at most 10; 301/302/303 turn a POST
 *    into a GET), with credentials never sent to another origin (stricter than Go, which sends them to the same
 *    host on another port or to a subdomain);
 *  - gzip asked for and decoded as Go's transport does (see http.ts).
 * Secrets (passwords, tokens, Authorization headers) never reach trace events or error messages.
 */

export { MANIFEST_ACCEPT };

const USER_AGENT = 'imgpolicy/0.1 (containers/image 5.34 compatible)';
/** c/image minimumTokenLifetimeSeconds. */
const MIN_TOKEN_LIFETIME_S = 60;
/**
 * c/image retries only 429. We also retry 502/503/504 (gateway / overload answers that are transient by definition);
 * a 500 is returned at once because registries use it for persistent faults too.
 */
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface RegistryClientConfig {
  /** The reference's domain (`docker.io`, `127.0.0.1:5000`); the client talks to `registry-1.docker.io` for docker.io. */
  domain: string;
  /** Repository path without the domain (`library/busybox`). */
  repository: string;
  credentials: Credentials;
  tls: TLSMaterial;
  /** c/image InsecureSkipVerify (`--tls-verify=false`): no certificate check, and http is tried after https. */
  insecureSkipVerify: boolean;
  timeoutMs: number;
  /** The image's deadline (and anything else that gives up on the image): aborts every request and back-off. */
  cancel?: AbortSignal;
  retry: Required<RetryOptions>;
  env: Readonly<Record<string, string | undefined>>;
  trace: Trace;
  pool: RegistryPool;
}

interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: HttpBody;
  url: string;
}

interface Scope {
  resourceType: string;
  remoteName: string;
  actions: string;
}

interface BearerToken {
  token: string;
  expiresAt: number;
}

export class RegistryClient {
  /** `registry-1.docker.io` for docker.io, else the domain. */
  readonly registry: string;
  private scheme: 'https' | 'http' = 'https';
  private challenges: Challenge[] = [];
  /** X-Registry-Supports-Signatures: 1 (OpenShift-style signature API instead of a lookaside). */
  supportsSignatures = false;
  private pingPromise: Promise<void> | undefined;
  private readonly tokens: Map<string, Promise<BearerToken>>;
  private agentPromise: Promise<HttpAgent> | undefined;
  private readonly scope: Scope;
  /** Strings that must never appear in a trace event or an error message. */
  private readonly secrets: string[] = [];

  constructor(private readonly cfg: RegistryClientConfig) {
    this.registry = cfg.domain === 'docker.io' ? 'registry-1.docker.io' : cfg.domain;
    this.scope = { resourceType: 'repository', remoteName: cfg.repository, actions: 'pull' };
    for (const s of [cfg.credentials.password, cfg.credentials.identityToken]) if (s) this.secrets.push(s);
    // The Basic header value itself: a registry that echoes `Authorization` in its error body would otherwise put
    // base64(user:password) into our error message (found by test/integration/hostile-secrets.test.ts).
    if (cfg.credentials.password) this.secrets.push(Buffer.from(`${cfg.credentials.username ?? ''}:${cfg.credentials.password}`).toString('base64'));
    // Tokens are shared through the pool per registry + repository + credentials (hashed: no secret in a map key).
    const who = createHash('sha256').update(JSON.stringify(cfg.credentials)).digest('hex').slice(0, 16);
    const key = `${this.registry}/${cfg.repository}#${who}`;
    let cache = cfg.pool.tokenCaches.get(key);
    if (!cache) {
      cache = new Map();
      cfg.pool.tokenCaches.set(key, cache);
    }
    this.tokens = cache;
  }

  get name(): string {
    return `${this.cfg.domain}/${this.cfg.repository}`;
  }

  // ---------------------------------------------------------------- public operations

  /** c/image fetchManifest. `maxBytes` defaults to the manifest limit. */
  async fetchManifest(
    tagOrDigest: string,
    maxBytes: number = LIMITS.maxManifestBytes,
    trace?: Trace,
  ): Promise<{ bytes: Uint8Array; mimeType: string; dockerContentDigest?: string }> {
    const debug = this.debugTo(trace);
    const res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT.join(', ') }, {}, debug);
    // Go reads header bytes as UTF-8 (Node hands them over as latin1).
    const contentType = headerBytesAsUTF8(headerValue(res.headers, 'content-type') ?? '');
    debug(`Content-Type from manifest GET is ${goQuote(contentType)}`);
    if (res.statusCode !== 200) {
      const err = await this.responseError(res);
      throw this.wrap(err, `reading manifest ${tagOrDigest} in ${this.name}: `);
    }
    const bytes = await this.readBody(res, maxBytes);
    const dcd = headerValue(res.headers, 'docker-content-digest');
    return { bytes, mimeType: simplifyContentType(contentType), ...(dcd ? { dockerContentDigest: dcd } : {}) };
  }

  /** Whether a manifest exists (HEAD); used only for the opt-in disabled-attachments hint. */
  async manifestExists(tagOrDigest: string): Promise<boolean> {
    const res = await this.makeRequest('HEAD', `/v2/${this.cfg.repository}/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT.join(', ') }, {});
    await dump(res);
    return res.statusCode === 200;
  }

  /**
   * c/image getOCIDescriptorContents: the blob by digest, at most `maxBytes`, and it must hash to the digest.
   * Blob redirects (to object storage) are followed; credentials only go to the registry's own origin.
   */
  async fetchBlob(digest: string, maxBytes: number, trace?: Trace, urls: readonly string[] = []): Promise<Uint8Array> {
    const algorithm = validateDigest(digest, (msg) => `invalid digest ${goQuote(digest)}: ${msg}`);
    const debug = this.debugTo(trace);
    let res = urls.length > 0 ? await this.externalBlob(urls, debug) : undefined;
    if (res === undefined) {
      debug(`Downloading /v2/${this.cfg.repository}/blobs/${digest}`);
      res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/blobs/${digest}`, {}, {}, debug);
      if (res.statusCode !== 200) {
        const err = await this.responseError(res);
        throw this.wrap(err, 'fetching blob: ');
      }
    }
    let payload: Uint8Array;
    try {
      payload = await this.readBody(res, maxBytes);
    } catch (e) {
      throw new ImageSourceError(`reading blob ${digest} in ${this.name}: ${(e as Error).message}`);
    }
    const actual = `${algorithm}:${createHash(algorithm).update(payload).digest('hex')}`;
    if (actual !== digest) throw new ImageSourceError(`digest mismatch, expected ${goQuote(digest)}, got ${goQuote(actual)}`);
    return payload;
  }

  /**
   * c/image getExternalBlob: a descriptor's `urls` are tried in order, without credentials (CVE-2020-15157); the
   * first 200 is the blob. URLs that do not parse or are not http(s) are skipped, and only when every URL was
   * skipped does the registry serve the blob; any failed attempt with none succeeding is the error.
   */
  private async externalBlob(urls: readonly string[], debug: (line: string) => void): Promise<Response | undefined> {
    const errors: string[] = [];
    for (const u of urls) {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      let res: Response;
      try {
        res = await this.requestWithRetries('GET', url, {}, { auth: false }, debug);
      } catch (e) {
        errors.push((e as Error).message);
        continue;
      }
      if (res.statusCode !== 200) {
        await dump(res);
        // c/image newUnexpectedHTTPStatusError: `<code> (<status text>)`.
        const msg = `error fetching external blob from ${goQuote(u)}: ${res.statusCode} (${statusText(res.statusCode)})`;
        debug(msg);
        errors.push(msg);
        continue;
      }
      return res;
    }
    if (errors.length === 0) return undefined;
    throw new ImageSourceError(this.scrub(`failed fetching external blob from all urls: ${errors.join(', ')}`));
  }

  /**
   * OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>[?artifactType=…]`), used only by the opt-in sigstore
   * bundle discovery (containers/image never calls it). `unsupported` (with the status) when the registry has no
   * such endpoint — distribution 2.8 answers 404 — so that the caller can fall back to the `sha256-<hex>` tag.
   */
  async fetchReferrers(
    digest: string,
    artifactType: string | undefined,
    maxBytes: number,
    trace?: Trace,
  ): Promise<{ supported: true; bytes: Uint8Array; filtersApplied: boolean } | { supported: false; statusCode: number }> {
    validateDigest(digest, (m) => m);
    const debug = this.debugTo(trace);
    const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.makeRequest('GET', `/v2/${this.cfg.repository}/referrers/${digest}${query}`, { accept: OCI_INDEX }, {}, debug);
    if (res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 405 || res.statusCode === 501) {
      await dump(res);
      return { supported: false, statusCode: res.statusCode };
    }
    if (res.statusCode !== 200) {
      const err = await this.responseError(res);
      throw this.wrap(err, `reading referrers of ${digest} in ${this.name}: `);
    }
    const bytes = await this.readBody(res, maxBytes);
    const applied = (headerValue(res.headers, 'oci-filters-applied') ?? '').split(',').map((s) => s.trim());
    return { supported: true, bytes, filtersApplied: applied.includes('artifactType') };
  }

  /** The OpenShift signature API (`X-Registry-Supports-Signatures: 1`): simple-signing blobs for a digest. */
  async fetchExtensionSignatures(manifestDigest: string): Promise<Uint8Array[]> {
    validateDigest(manifestDigest, (m) => m);
    const res = await this.makeRequest('GET', `/extensions/v2/${this.cfg.repository}/signatures/${manifestDigest}`, {}, {});
    if (res.statusCode !== 200) {
      const err = await this.responseError(res);
      throw this.wrap(err, `downloading signatures for ${manifestDigest} in ${this.name}: `);
    }
    const body = await this.readBody(res, 4 * 1024 * 1024); // c/image MaxSignatureListBodySize
    let list;
    try {
      list = decodeExtensionSignatureList(body);
    } catch (e) {
      throw new ImageSourceError(`decoding signature list: ${(e as Error).message}`);
    }
    // c/image appends every schema-2 "atomic" entry's content, a missing one as an empty signature.
    return list.filter((s) => s.version === 2 && s.type === 'atomic').map((s) => s.content ?? new Uint8Array());
  }

  /**
   * One lookaside signature over http(s): `null` on 404 (the end of the list). c/image sends no registry
   * credentials to a lookaside server, and neither do we.
   */
  async fetchLookasideSignature(url: URL): Promise<Uint8Array | null> {
    this.debug(`GET ${redacted(url)}`);
    const res = await this.requestWithRetries('GET', url, {}, { auth: false });
    if (res.statusCode === 404) {
      await dump(res);
      this.debug('... got status 404, as expected = end of signatures');
      return null;
    }
    if (res.statusCode !== 200) {
      await dump(res);
      throw new ImageSourceError(`reading signature from ${redacted(url)}: status ${res.statusCode} (${statusText(res.statusCode)})`);
    }
    const ct = headerBytesAsUTF8(headerValue(res.headers, 'content-type') ?? '');
    if (simplifyContentType(ct) === 'text/html') {
      this.cfg.trace.warn(`Signature ${goQuote(redacted(url))} has Content-Type ${goQuote(ct)}, unexpected for a signature`);
    }
    return this.readBody(res, LIMITS.maxSignatureBytes);
  }

  async close(): Promise<void> {
    // Agents belong to the pool; nothing per-client to release.
  }

  // ---------------------------------------------------------------- ping (c/image detectProperties)

  ping(): Promise<void> {
    return (this.pingPromise ??= this.doPing());
  }

  private async doPing(): Promise<void> {
    const key = `${this.registry}#${this.agentKey()}`;
    let shared = this.cfg.pool.pings.get(key);
    if (!shared) {
      shared = this.pingOnce();
      this.cfg.pool.pings.set(key, shared);
      // Only a success is shared: the next image after a failure pings again, as c/image would.
      shared.catch(() => this.cfg.pool.pings.delete(key));
      const r = await shared;
      this.adopt(r);
      return;
    }
    let r: PingResult;
    try {
      r = await shared;
    } catch {
      // Another image's ping failed while we waited: ping ourselves, so this image reports its own error.
      r = await this.pingOnce();
    }
    for (const line of r.debugLines) this.debug(line);
    this.adopt(r);
  }

  private adopt(r: PingResult): void {
    this.challenges = r.challenges;
    this.scheme = r.scheme;
    this.supportsSignatures = r.supportsSignatures;
  }

  /** One ping (https, then http when TLS is not verified), its debug lines recorded for reuse. */
  private async pingOnce(): Promise<PingResult> {
    const debugLines: string[] = [];
    const debug = (line: string): void => {
      debugLines.push(line);
      this.debug(line);
    };
    const attempt = async (scheme: 'https' | 'http'): Promise<PingResult> => {
      const url = new URL(`${scheme}://${this.registry}/v2/`);
      let res: Response;
      try {
        res = await this.requestWithRetries('GET', url, {}, { auth: false }, debug);
      } catch (e) {
        debug(`Ping ${url.href} err ${(e as Error).message}`);
        throw e;
      }
      debug(`Ping ${url.href} status ${res.statusCode}`);
      if (res.statusCode !== 200 && res.statusCode !== 401) throw await this.responseError(res);
      await dump(res);
      return {
        scheme,
        challenges: parseAuthHeader(res.headers['www-authenticate']),
        supportsSignatures: headerValue(res.headers, 'x-registry-supports-signatures') === '1',
        debugLines,
      };
    };
    try {
      try {
        return await attempt('https');
      } catch (e) {
        if (!this.cfg.insecureSkipVerify) throw e;
        return await attempt('http');
      }
    } catch (e) {
      throw new ImageSourceError(this.scrub(`pinging container registry ${this.registry}: ${(e as Error).message}`));
    }
  }

  // ---------------------------------------------------------------- requests

  private async makeRequest(
    method: string,
    path: string,
    headers: Record<string, string>,
    _o: Record<string, never>,
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<Response> {
    await this.ping();
    const url = new URL(`${this.scheme}://${this.registry}${path}`);
    return this.requestWithRetries(method, url, headers, { auth: true }, debug);
  }

  /** c/image makeRequestToResolvedURL: the insufficient_scope retry, then the 429 (and 5xx) backoff loop. */
  private async requestWithRetries(
    method: string,
    url: URL,
    headers: Record<string, string>,
    o: { auth: boolean },
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<Response> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.cfg.retry;
    let delay = initialDelayMs;
    let slept = 0;
    let extraScope: Scope | undefined;
    for (let attempt = 1; ; attempt++) {
      this.throwIfClosed(method, url);
      let res: Response;
      try {
        res = await this.requestOnce(method, url, headers, o, extraScope, debug);
      } catch (e) {
        // A keep-alive socket the server closed under us: retry like Go's transport does for idempotent requests.
        const code = (e as { code?: string }).code;
        if (attempt < maxAttempts && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') && (method === 'GET' || method === 'HEAD')) {
          debug(`Retrying ${method} ${redacted(url)} after a connection error`);
          continue;
        }
        throw e instanceof ImageSourceError ? e : goTransportError(method, redacted(url), e, this.cfg.timeoutMs);
      }
      if (attempt === 1 && o.auth && res.statusCode === 401) {
        const newScope = insufficientScope(res.headers);
        if (newScope) {
          debug('Detected insufficient_scope error, will retry request with updated scope');
          await dump(res);
          extraScope = newScope;
          try {
            res = await this.requestOnce(method, url, headers, o, extraScope, debug);
          } catch (e) {
            throw e instanceof ImageSourceError ? e : goTransportError(method, redacted(url), e, this.cfg.timeoutMs);
          }
        }
      }
      if (!RETRYABLE.has(res.statusCode) || attempt >= maxAttempts) return res;
      delay = Math.min(parseRetryAfter(headerValue(res.headers, 'retry-after'), delay, this.cfg.trace), maxDelayMs);
      // A 429/5xx storm must not hold a CI gate for c/image's worst case (4 × 60 s): past the sleep budget the
      // last answer is the error, as if the attempts had run out.
      if (slept + delay > LIMITS.maxRetrySleepMs) {
        debug(`Not retrying ${method} ${redacted(url)}: ${(delay / 1000).toFixed(0)} s more back-off would exceed the ${LIMITS.maxRetrySleepMs / 1000} s retry budget`);
        return res;
      }
      slept += delay;
      await dump(res);
      const what = res.statusCode === 429 ? 'Too many requests to' : `Status ${res.statusCode} from`;
      this.debug(`${what} ${redacted(url)}: sleeping for ${(delay / 1000).toFixed(6)} seconds before next attempt`, {
        retry: attempt,
        status: res.statusCode,
      });
      await sleep(delay, this.cancelSignals());
      delay *= 2;
    }
  }

  /** One request (with its redirects); Authorization only ever goes to the original origin. */
  private async requestOnce(
    method: string,
    url: URL,
    headers: Record<string, string>,
    o: { auth: boolean },
    extraScope: Scope | undefined,
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<Response> {
    const authHeader = o.auth ? await this.authorization(extraScope) : undefined;
    debug(`${method} ${redacted(url)}`);
    return this.send(
      method,
      url,
      { 'docker-distribution-api-version': 'registry/2.0', 'user-agent': USER_AGENT, ...headers },
      undefined,
      authHeader,
      debug,
    );
  }

  /**
   * Go's http.Client.Do: redirects (301, 302, 303, 307, 308 with a Location) followed up to 10 times; 301/302/303
   * turn any method but GET/HEAD into a body-less GET, 307/308 repeat it with its body; a 3xx without Location is
   * the answer. `authorization` is sent only to `url`'s origin. Transport errors are worded as Go's `url.Error`:
   * the first request's method and the URL of the request that failed.
   */
  private async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    authorization: string | undefined,
    debug: (line: string) => void,
  ): Promise<Response> {
    const origin = url.origin;
    let current = url;
    let currentMethod = method;
    let currentBody = body;
    const agent = await this.agent();
    for (let hop = 0; ; hop++) {
      const h: Record<string, string> = { ...headers };
      if (currentBody === undefined) delete h['content-type'];
      if (authorization !== undefined && current.origin === origin) h['authorization'] = authorization;
      if (hop > 0) debug(`${currentMethod} ${redacted(current)}`);
      let res;
      try {
        res = await agent.request({
          origin: current.origin,
          path: current.pathname + current.search,
          method: currentMethod,
          headers: h,
          ...(currentBody !== undefined ? { body: currentBody } : {}),
          ...this.requestLimits(),
        });
      } catch (e) {
        throw goTransportError(method, redacted(current), e, this.cfg.timeoutMs);
      }
      const response: Response = { statusCode: res.statusCode, headers: res.headers, body: res.body, url: current.href };
      const location = headerValue(res.headers, 'location');
      if (![301, 302, 303, 307, 308].includes(res.statusCode) || location === undefined || location === '') return response;
      await dump(response);
      if (hop + 1 >= LIMITS.maxRedirects) {
        // Go's Client.Do reports a refused redirect with the raw Location value as the URL.
        throw new ImageSourceError(`${goOp(method)} ${goQuote(location)}: stopped after ${LIMITS.maxRedirects} redirects`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new ImageSourceError(`${goOp(method)} ${goQuote(redacted(current))}: failed to parse Location header ${goQuote(location)}`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new ImageSourceError(`${goOp(method)} ${goQuote(redacted(next))}: unsupported protocol scheme ${goQuote(next.protocol.replace(/:$/, ''))}`);
      }
      if (res.statusCode === 301 || res.statusCode === 302 || res.statusCode === 303) {
        if (currentMethod !== 'GET' && currentMethod !== 'HEAD') currentMethod = 'GET';
        currentBody = undefined;
      }
      // Go re-sends a 307/308's body to any host. Our only body is the OAuth2 form carrying the refresh token: like
      // Authorization, it never goes to another origin (stricter than Go: an error instead of a leaked credential).
      if (currentBody !== undefined && next.origin !== origin) {
        throw new ImageSourceError(`${goOp(method)} ${goQuote(redacted(next))}: refusing to re-send a request body with credentials to another origin`);
      }
      current = next;
    }
  }

  /** Per-request deadline, and what cancels every request of this image: the pool's close, the image's deadline. */
  private requestLimits(): { timeoutMs: number; cancel: AbortSignal[] } {
    return { timeoutMs: this.cfg.timeoutMs, cancel: this.cancelSignals() };
  }

  private cancelSignals(): AbortSignal[] {
    return this.cfg.cancel ? [this.cfg.pool.closedSignal, this.cfg.cancel] : [this.cfg.pool.closedSignal];
  }

  /** After the pool is closed (the run gave up on this image), no new request starts. */
  private throwIfClosed(method: string, url: URL): void {
    if (this.cancelSignals().some((s) => s.aborted)) {
      throw new ImageSourceError(`${goOp(method)} ${goQuote(redacted(url))}: context canceled`);
    }
  }

  private agent(): Promise<HttpAgent> {
    return (this.agentPromise ??= this.getAgent());
  }

  /** Connections (and pings) are shared between clients with the same TLS setup. */
  private agentKey(): string {
    const tls = this.cfg.tls;
    return JSON.stringify({ dir: tls.dir, ca: tls.extraCAs.length, cc: tls.clientCerts.length, insecure: this.cfg.insecureSkipVerify, t: this.cfg.timeoutMs });
  }

  private async getAgent(): Promise<HttpAgent> {
    const tls = this.cfg.tls;
    const key = this.agentKey();
    let p = this.cfg.pool.agents.get(key);
    if (!p) {
      p = (async () => {
        // Node's `ca` REPLACES the default roots: pass the system roots together with the certs.d CAs.
        // (Timeouts are per request: every request carries an AbortSignal.timeout.)
        return new HttpAgent({
          rejectUnauthorized: !this.cfg.insecureSkipVerify,
          ...(tls.extraCAs.length > 0 ? { ca: [...(await systemRoots(this.cfg.env)), ...tls.extraCAs] } : {}),
          ...(tls.clientCerts.length > 0 ? { cert: tls.clientCerts.map((c) => c.cert), key: tls.clientCerts.map((c) => c.key) } : {}),
        });
      })();
      this.cfg.pool.agents.set(key, p);
    }
    return p;
  }

  // ---------------------------------------------------------------- auth (c/image setupRequestAuth)

  private async authorization(extraScope: Scope | undefined): Promise<string | undefined> {
    if (this.challenges.length === 0) return undefined;
    const names: string[] = [];
    for (const c of this.challenges) {
      names.push(c.scheme);
      if (c.scheme === 'basic') {
        const { username, password } = this.cfg.credentials;
        return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
      }
      if (c.scheme === 'bearer') {
        const scopes = [this.scope];
        let cacheKey = '';
        if (extraScope) {
          cacheKey = `${extraScope.resourceType}:${extraScope.remoteName}:${extraScope.actions}`;
          scopes.push(extraScope);
        }
        let tokenP = this.tokens.get(cacheKey);
        if (tokenP) {
          const t = await tokenP.catch(() => undefined);
          if (!t || Date.now() > t.expiresAt) tokenP = undefined;
        }
        if (!tokenP) {
          // The in-flight promise is cached too, so parallel requests share one token request.
          tokenP = this.fetchToken(c, scopes);
          this.tokens.set(cacheKey, tokenP);
          tokenP.catch(() => this.tokens.delete(cacheKey));
        }
        const token = await tokenP;
        if (token.token && !this.secrets.includes(token.token)) this.secrets.push(token.token);
        return `Bearer ${token.token}`;
      }
      this.debug(`no handler for ${c.scheme} authentication`);
    }
    this.cfg.trace.info(`None of the challenges sent by server (${names.join(', ')}) are supported, trying an unauthenticated request anyway`);
    return undefined;
  }

  private async fetchToken(c: Challenge, scopes: Scope[]): Promise<BearerToken> {
    const realm = c.parameters.get('realm');
    if (realm === undefined) throw new ImageSourceError('missing realm in bearer auth challenge');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ImageSourceError(`parse ${goQuote(realm)}: invalid URI for request`);
    }
    const creds = this.cfg.credentials;
    const service = c.parameters.get('service');
    const scopeStrings = scopes
      .filter((s) => s.resourceType && s.remoteName && s.actions)
      .map((s) => `${s.resourceType}:${s.remoteName}:${s.actions}`);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    let method: 'GET' | 'POST';
    let body: string | undefined;
    let context: string;
    if (creds.identityToken) {
      // OAuth2 refresh-token grant (c/image getBearerTokenOAuth2).
      method = 'POST';
      context = 'Trying to obtain access token';
      const form = new URLSearchParams(url.search);
      if (service) form.append('service', service);
      for (const s of scopeStrings) form.append('scope', s);
      form.append('grant_type', 'refresh_token');
      form.append('refresh_token', creds.identityToken);
      form.append('client_id', 'containers/image');
      // Go's url.Values.Encode() sorts by key.
      form.sort();
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      method = 'GET';
      context = 'Requesting bearer token';
      if (creds.username) url.searchParams.append('account', creds.username);
      if (service) url.searchParams.append('service', service);
      for (const s of scopeStrings) url.searchParams.append('scope', s);
      // Go's url.Values.Encode() sorts by key (the realm's own parameters included).
      url.searchParams.sort();
      if (creds.username && creds.password) {
        headers['authorization'] = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      }
    }
    this.debug(`${method} ${redacted(url)}`, { tokenRequest: true, scopes: scopeStrings });
    const basic = headers['authorization'];
    delete headers['authorization'];
    const response = await this.send(method, url, headers, body, basic, (l) => this.debug(l));
    if (response.statusCode !== 200) {
      const errBody = await this.readBody(response, LIMITS.maxErrorBodyBytes).catch(() => new Uint8Array());
      throw new ImageSourceError(this.scrub(httpResponseToError(response.statusCode, response.headers, errBody, context).message));
    }
    const blob = await this.readBody(response, LIMITS.maxTokenBytes);
    let parsed;
    try {
      parsed = decodeBearerToken(blob);
    } catch (e) {
      // As c/image: the first 50 bytes of the body that did not decode (known secrets are still scrubbed).
      const sample = goQuoteBytes(blob.subarray(0, 50));
      throw new ImageSourceError(this.scrub(`decoding bearer token (last URL ${goQuote(redacted(new URL(response.url)))}, body start ${sample}): ${(e as Error).message}`));
    }
    const token = parsed.token !== '' ? parsed.token : parsed.accessToken;
    let expiresIn = parsed.expiresIn;
    if (expiresIn < MIN_TOKEN_LIFETIME_S) {
      expiresIn = MIN_TOKEN_LIFETIME_S;
      this.debug(`Increasing token expiration to: ${expiresIn} seconds`);
    }
    return { token, expiresAt: (parsed.issuedAt ?? Date.now()) + expiresIn * 1000 };
  }

  // ---------------------------------------------------------------- helpers

  private async responseError(res: Response): Promise<RegistryHTTPError> {
    const body = await this.readBody(res, LIMITS.maxErrorBodyBytes).catch(() => new Uint8Array());
    const e = registryHTTPResponseToError(res.statusCode, res.headers, body);
    return this.wrap(e, '');
  }

  /** Prefixes a registry error while keeping its classification (manifest unknown, status). */
  private wrap(e: RegistryHTTPError, prefix: string): RegistryHTTPError {
    return new RegistryHTTPError(this.scrub(prefix + e.message), e.statusCode, e.errorCode, e.errorMessage, e.unparsedBody);
  }

  /** Reads a body up to `limit` bytes (c/image iolimits.ReadAtMost), destroying the stream when it is exceeded. */
  private async readBody(res: Response, limit: number): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        total += b.length;
        if (total > limit) {
          res.body.destroy();
          throw new ImageSourceError(`exceeded maximum allowed size of ${limit} bytes`);
        }
        chunks.push(b);
      }
    } catch (e) {
      if (e instanceof ImageSourceError) throw e;
      // c/image returns the gzip reader's error as it is (`gzip: invalid header`).
      if (e instanceof GoGzipError) throw new ImageSourceError(e.message);
      throw goTransportError('GET', redacted(new URL(res.url)), e, this.cfg.timeoutMs);
    }
    return new Uint8Array(Buffer.concat(chunks));
  }

  /** Debug lines of one request, to another trace when the caller buffers them (a speculative fetch). */
  private debugTo(trace: Trace | undefined): (line: string) => void {
    return trace ? (line) => trace.debug(this.scrub(line)) : (line) => this.debug(line);
  }

  private debug(message: string, data?: Record<string, unknown>): void {
    this.cfg.trace.debug(this.scrub(message), data);
  }

  /** Last line of defence: no known secret survives into text we hand out. */
  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('REDACTED');
    return out;
  }
}

// -------------------------------------------------------------------- free helpers

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function dump(res: Response): Promise<void> {
  await discardBody(res.body);
}

/** A back-off that ends early (resolving; the caller then sees the cancellation) when one of `signals` aborts. */
function sleep(ms: number, signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((r) => {
    if (signals.some((s) => s.aborted)) return r();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      for (const s of signals) s.removeEventListener('abort', done);
      r();
    }
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}

/** Go's url.Error operation name: `Get`, `Head`, `Post`. */
function goOp(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/** Go's http.StatusText (Node's table has the same IANA phrases). */
function statusText(code: number): string {
  return STATUS_CODES[code] ?? '';
}

/** Go's url.Redacted(): the userinfo password becomes `xxxxx`. */
export function redacted(u: URL): string {
  if (!u.password) return u.href;
  const c = new URL(u.href);
  c.password = 'xxxxx';
  return c.href;
}

/**
 * c/image simplifyContentType: Go's mime.ParseMediaType media type, "" when it fails (including a malformed
 * parameter). `ct` is the header as Go holds it (UTF-8 text: see headerBytesAsUTF8).
 */
export function simplifyContentType(ct: string): string {
  if (ct === '') return '';
  try {
    return parseMediaType(ct).mediaType;
  } catch {
    return '';
  }
}

function insufficientScope(headers: Record<string, string | string[] | undefined>): Scope | undefined {
  for (const c of parseAuthHeader(headers['www-authenticate'])) {
    if (c.scheme !== 'bearer' || c.parameters.get('error') !== 'insufficient_scope') continue;
    const scope = c.parameters.get('scope');
    if (!scope) continue;
    const parts = scope.split(':');
    if (parts.length === 3) return { resourceType: parts[0]!, remoteName: parts[1]!, actions: parts[2]! };
  }
  return undefined;
}

/** c/image parseRetryAfter: seconds or an HTTP date; anything else keeps the current backoff. */
function parseRetryAfter(value: string | undefined, fallbackMs: number, trace: Trace): number {
  if (value === undefined || value === '') return fallbackMs;
  trace.debug(`Detected 'Retry-After' header ${goQuote(value)}`);
  if (/^-?\d+$/.test(value)) return Math.max(0, Number(value) * 1000);
  const t = Date.parse(value);
  if (!Number.isNaN(t)) {
    const delta = t - Date.now();
    if (delta > 0) return delta;
    trace.debug('Retry-After date in the past, ignoring it');
    return fallbackMs;
  }
  trace.debug('Invalid Retry-After format, ignoring it');
  return fallbackMs;
}

/** go-digest Validate for the algorithms Go's crypto provides; returns the node hash name. */
export function validateDigest(d: string, wrap: (msg: string) => string): 'sha256' | 'sha384' | 'sha512' {
  const i = d.indexOf(':');
  if (i <= 0 || i + 1 === d.length) throw new ImageSourceError(wrap('invalid checksum digest format'));
  const alg = d.slice(0, i);
  const hex = d.slice(i + 1);
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  const want = lengths[alg];
  if (want === undefined) throw new ImageSourceError(wrap('unsupported digest algorithm'));
  if (hex.length !== want) throw new ImageSourceError(wrap('invalid checksum digest length'));
  if (!/^[a-f0-9]+$/.test(hex)) throw new ImageSourceError(wrap('invalid checksum digest format'));
  return alg as 'sha256' | 'sha384' | 'sha512';
}
