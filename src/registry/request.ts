import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Trace } from '../trace.js';
import { goQuote } from '../go/fmt.js';
import { redacted } from '../go/net/url.js';
import { goOp, goTransportError, registryHTTPResponseToError, type RegistryHTTPError } from './errors.js';
import type { RetryOptions } from './options.js';
import { discardBody, GoGzipError, headerValue, HttpAgent, type HttpBody } from './http.js';
import type { RegistryPool } from './pool.js';
import type { Secrets } from './secrets.js';
import { systemRoots, type TLSMaterial } from './tls.js';
import { insufficientScope, type Scope } from './www-authenticate.js';

/**
 * The registry client's request machinery (c/image makeRequestToResolvedURL and Go's http.Client under it): the
 * insufficient_scope retry, bounded retries with backoff, redirects, the per-request timeout and the image's
 * cancellation, size limits on every body read. Which Authorization header a request carries is the caller's
 * business (see auth.ts): it is handed in as a function.
 */

export const USER_AGENT = 'imgpolicy/0.1 (containers/image 5.34 compatible)';
/**
 * c/image retries only 429. We also retry 502/503/504 (gateway / overload answers that are transient by definition);
 * a 500 is returned at once because registries use it for persistent faults too.
 */
const RETRYABLE = new Set([429, 502, 503, 504]);

export interface RequestConfig {
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

export interface RegistryResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: HttpBody;
  url: string;
}

/** The Authorization header for a request to the registry, given the scope an insufficient_scope answer asked for. */
export type Authorize = (extraScope: Scope | undefined) => Promise<string | undefined>;

export class RegistryRequester {
  private agentPromise: Promise<HttpAgent> | undefined;
  private readonly debug: (message: string, data?: Record<string, unknown>) => void;

  constructor(
    private readonly cfg: RequestConfig,
    private readonly secrets: Secrets,
  ) {
    this.debug = secrets.debugTo(cfg.trace);
  }

  /**
   * c/image makeRequestToResolvedURL: the insufficient_scope retry, then the 429 (and 5xx) backoff loop.
   * `authorize` undefined = no credentials (pings, external blob URLs, lookaside signatures).
   */
  async requestWithRetries(
    method: string,
    url: URL,
    headers: Record<string, string>,
    authorize: Authorize | undefined,
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<RegistryResponse> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.cfg.retry;
    let delay = initialDelayMs;
    let slept = 0;
    let extraScope: Scope | undefined;
    for (let attempt = 1; ; attempt++) {
      this.throwIfClosed(method, url);
      let res: RegistryResponse;
      try {
        res = await this.requestOnce(method, url, headers, authorize, extraScope, debug);
      } catch (e) {
        // A keep-alive socket the server closed under us: retry like Go's transport does for idempotent requests.
        const code = (e as { code?: string }).code;
        if (attempt < maxAttempts && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') && (method === 'GET' || method === 'HEAD')) {
          debug(`Retrying ${method} ${redacted(url)} after a connection error`);
          continue;
        }
        throw e instanceof ImageSourceError ? e : goTransportError(method, redacted(url), e, this.cfg.timeoutMs);
      }
      if (attempt === 1 && authorize !== undefined && res.statusCode === 401) {
        const newScope = insufficientScope(res.headers);
        if (newScope) {
          debug('Detected insufficient_scope error, will retry request with updated scope');
          await dump(res);
          extraScope = newScope;
          try {
            res = await this.requestOnce(method, url, headers, authorize, extraScope, debug);
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
    authorize: Authorize | undefined,
    extraScope: Scope | undefined,
    debug: (line: string) => void = (l) => this.debug(l),
  ): Promise<RegistryResponse> {
    const authHeader = authorize ? await authorize(extraScope) : undefined;
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
  async send(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
    authorization: string | undefined,
    debug: (line: string) => void,
  ): Promise<RegistryResponse> {
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
      const response: RegistryResponse = { statusCode: res.statusCode, headers: res.headers, body: res.body, url: current.href };
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

  /** Reads a body up to `limit` bytes (c/image iolimits.ReadAtMost), destroying the stream when it is exceeded. */
  async readBody(res: RegistryResponse, limit: number): Promise<Uint8Array> {
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

  /** A registry's error answer (its body read up to the error-body limit) as c/image words it. */
  async responseError(res: RegistryResponse): Promise<RegistryHTTPError> {
    const body = await this.readBody(res, LIMITS.maxErrorBodyBytes).catch(() => new Uint8Array());
    const e = registryHTTPResponseToError(res.statusCode, res.headers, body);
    return this.secrets.wrap(e, '');
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
  agentKey(): string {
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
}

/** Reads what is left of a body we do not need, so the keep-alive socket can be reused. */
export async function dump(res: RegistryResponse): Promise<void> {
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
