import type { IncomingMessage } from 'node:http';

/**
 * The registry client's HTTP transport: Node's own `node:http` / `node:https` keep-alive agents.
 *
 * Why not undici (which this module replaced): measured on this project's machines, `import('undici')` costs
 * 75–115 ms of a CLI run, and an undici Agent kept the process alive ~100 ms after `close()` (≈290 ms for one
 * plain GET + exit, against ≈43 ms with node:http). A CI gate makes a handful of small requests; node:http does
 * that with nothing to load (see bench/README.md and shared/spec/dependencies.md §4).
 *
 * The surface is the small subset the client needs: one request → status, headers, a streamed body.
 */

export interface HttpAgentOptions {
  /** false = no certificate check (c/image InsecureSkipVerify). */
  rejectUnauthorized: boolean;
  /** CA certificates (PEM). Undefined = Node's default roots. */
  ca?: string[];
  cert?: string[];
  key?: string[];
}

export interface HttpRequest {
  origin: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** The response body: an async-iterable stream that can be destroyed. */
export type HttpBody = AsyncIterable<Buffer> & { destroy(error?: Error): void };

export interface HttpResponse {
  statusCode: number;
  /** Lower-case names; a header sent several times is an array (as undici gives it, and as Go keeps it). */
  headers: Record<string, string | string[] | undefined>;
  body: HttpBody;
}

type HttpModule = typeof import('node:http');
type HttpsModule = typeof import('node:https');

/**
 * One keep-alive connection pool per TLS setup, for both schemes (a ping may fall back from https to http, a token
 * realm or a blob redirect may use the other scheme). node:https (with node:tls) is loaded only when an https
 * URL is first used: a plain-HTTP registry never pays for it.
 */
export class HttpAgent {
  private httpAgent: import('node:http').Agent | undefined;
  private httpsAgent: import('node:https').Agent | undefined;
  private httpMod: Promise<HttpModule> | undefined;
  private httpsMod: Promise<HttpsModule> | undefined;

  constructor(private readonly opts: HttpAgentOptions) {}

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.path, req.origin);
    const https = url.protocol === 'https:';
    let mod: HttpModule | HttpsModule;
    let agent: import('node:http').Agent;
    if (https) {
      mod = await (this.httpsMod ??= import('node:https'));
      agent = this.httpsAgent ??= new mod.Agent({
        keepAlive: true,
        rejectUnauthorized: this.opts.rejectUnauthorized,
        // Without `ca`, Node builds its ~140-certificate default store (~15–20 ms) for the first context. When
        // nothing is verified the store is never consulted, so an empty list skips that work.
        ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : this.opts.rejectUnauthorized ? {} : { ca: [] }),
        ...(this.opts.cert !== undefined ? { cert: this.opts.cert } : {}),
        ...(this.opts.key !== undefined ? { key: this.opts.key } : {}),
      });
    } else {
      mod = await (this.httpMod ??= import('node:http'));
      agent = this.httpAgent ??= new mod.Agent({ keepAlive: true });
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      let r: import('node:http').ClientRequest;
      try {
        r = mod.request(
          {
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[|\]$/g, ''),
            port: url.port || (https ? 443 : 80),
            path: url.pathname + url.search,
            method: req.method,
            headers: req.body !== undefined ? { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) } : req.headers,
            agent,
            ...(req.signal ? { signal: req.signal } : {}),
          },
          (res: IncomingMessage) => {
            resolve({ statusCode: res.statusCode ?? 0, headers: flattenHeaders(res), body: res });
          },
        );
      } catch (e) {
        reject(e);
        return;
      }
      r.on('error', (e: NodeJS.ErrnoException) => reject(normalizeError(e)));
      r.end(req.body);
    });
  }

  /** Closes every socket at once (nothing is in flight when a run ends). */
  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }
}

function flattenHeaders(res: IncomingMessage): Record<string, string | string[] | undefined> {
  // headersDistinct keeps repeated headers apart (Node would join e.g. two WWW-Authenticate values with ", ",
  // which parseAuthHeader would read as one challenge).
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(res.headersDistinct)) {
    if (v === undefined) continue;
    out[k] = v.length === 1 ? v[0] : v;
  }
  return out;
}

/**
 * A server that closes the connection without an answer is "socket hang up" (ECONNRESET) in Node; Go reports it
 * as `EOF`, as undici's UND_ERR_SOCKET did. Keep the code goTransportError maps to `EOF` (and the retry logic
 * treats as a dropped keep-alive connection).
 */
function normalizeError(e: NodeJS.ErrnoException): Error {
  if (e.code === 'ECONNRESET' && e.message === 'socket hang up') {
    const n = new Error('other side closed') as NodeJS.ErrnoException;
    n.code = 'UND_ERR_SOCKET';
    n.cause = e;
    return n;
  }
  return e;
}

/** Reads and discards up to `limit` bytes so the keep-alive socket can be reused; a longer body is cut off. */
export async function discardBody(body: HttpBody, limit = 64 * 1024): Promise<void> {
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > limit) {
        body.destroy();
        return;
      }
    }
  } catch {
    // a body we do not need; errors reading it do not matter
  }
}
