import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { parseMediaType } from '../go/mime.js';

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
  /**
   * The whole request (headers and body) must end within this time. A plain `setTimeout` held by this request,
   * never `AbortSignal.timeout`: on Node 20 a timeout signal combined with `AbortSignal.any` can be garbage-collected
   * before it fires (nodejs/node#57736), and the request then hangs for good (issue 13).
   */
  timeoutMs: number;
  /** Signals that cancel the request early (the pool's close, the image's deadline); listened to, never combined. */
  cancel?: readonly AbortSignal[];
}

/**
 * Go's http.Transport reads response headers up to 10 MiB (`MaxResponseHeaderBytes` unset → 10 << 20); Node's
 * parser stops at 16 KiB by default, which refused registries c/image reads (issue 19).
 */
export const MAX_RESPONSE_HEADER_BYTES = 10 << 20;

/** The request's deadline passed: goTransportError words it as Go's `context deadline exceeded`. */
export class RequestTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** A gzip body that does not decode, worded as Go's compress/gzip (which c/image returns unwrapped). */
export class GoGzipError extends Error {}

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
    const first = await this.send(mod, agent, url, https, req, false).catch((e: unknown) => {
      // Both Transfer-Encoding and Content-Length: Go's transport lets chunked win (RFC 7230 §3.3.3); llhttp refuses
      // the answer. Only for exactly that refusal is the request repeated with Node's lenient parser, so every other
      // answer is still parsed strictly.
      if (String((e as NodeJS.ErrnoException).code).startsWith('HPE_') && /Transfer-Encoding can't be present with Content-Length|Content-Length can't be present with Transfer-Encoding/.test((e as Error).message)) {
        return undefined;
      }
      throw e;
    });
    return first ?? this.send(mod, agent, url, https, req, true);
  }

  private send(
    mod: HttpModule | HttpsModule,
    agent: import('node:http').Agent,
    url: URL,
    https: boolean,
    req: HttpRequest,
    lenientParser: boolean,
  ): Promise<HttpResponse> {
    const ac = new AbortController();
    const cancel = req.cancel ?? [];
    const onCancel = (ev: Event): void => ac.abort((ev.target as AbortSignal).reason);
    // The timer (and so the controller) is referenced by the timer list until cleared: it cannot be collected early.
    const timer = setTimeout(() => ac.abort(new RequestTimeoutError(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
    // A stalled socket keeps the process alive by itself; the timer must not keep a finished run waiting.
    timer.unref();
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const s of cancel) s.removeEventListener('abort', onCancel);
    };
    for (const s of cancel) {
      if (s.aborted) ac.abort(s.reason);
      else s.addEventListener('abort', onCancel, { once: true });
    }
    // Go's transport asks for gzip itself (unless the caller chose an encoding, a range, or HEAD) and then decodes it.
    const headers: Record<string, string> = { ...req.headers };
    const hasHeader = (n: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === n);
    const requestedGzip = req.method !== 'HEAD' && !hasHeader('accept-encoding') && !hasHeader('range');
    if (requestedGzip) headers['accept-encoding'] = 'gzip';
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise<HttpResponse>((resolve, reject) => {
      let r: import('node:http').ClientRequest;
      const fail = (e: unknown): void => {
        cleanup();
        reject(ac.signal.aborted && ac.signal.reason instanceof RequestTimeoutError ? ac.signal.reason : normalizeError(e as NodeJS.ErrnoException));
      };
      try {
        r = mod.request(
          {
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[|\]$/g, ''),
            port: url.port || (https ? 443 : 80),
            path: url.pathname + url.search,
            method: req.method,
            headers,
            agent,
            signal: ac.signal,
            maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
            ...(lenientParser ? { insecureHTTPParser: true } : {}),
          },
          (res: IncomingMessage) => {
            const out = flattenHeaders(res);
            const encoding = out['content-encoding'];
            const gz = requestedGzip && typeof (Array.isArray(encoding) ? encoding[0] : encoding) === 'string' && (Array.isArray(encoding) ? encoding[0]! : encoding!).toLowerCase() === 'gzip';
            if (gz) {
              // As Go's transport: the caller sees the decoded body, without the encoding and the encoded length.
              delete out['content-encoding'];
              delete out['content-length'];
            }
            resolve({ statusCode: res.statusCode ?? 0, headers: out, body: Readable.from(guardedBody(res, gz, ac.signal, cleanup), { objectMode: false }) });
          },
        );
      } catch (e) {
        fail(e);
        return;
      }
      r.on('error', fail);
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
 * The response body as the caller reads it: gunzipped when Go's transport would, the request's deadline error
 * (rather than the socket error an abort causes) when it fired, and the timer released when the body ends.
 */
async function* guardedBody(res: IncomingMessage, gzip: boolean, signal: AbortSignal, cleanup: () => void): AsyncGenerator<Buffer> {
  try {
    yield* gzip ? gunzip(res) : (res as AsyncIterable<Buffer>);
  } catch (e) {
    throw signal.aborted && signal.reason instanceof RequestTimeoutError ? signal.reason : e;
  } finally {
    cleanup();
    if (!res.complete) res.destroy();
  }
}

/**
 * compress/gzip's reader as net/http uses it: created on the first byte (an empty body is empty, not an error),
 * concatenated members read in turn, anything else after a member is `gzip: invalid header`.
 *
 * Node's gunzip starts a new member on a byte after a member end, but silently drops everything that follows when
 * that byte is 0x00 (and ignores later writes). Go's multistream reader reads the next 10-byte header instead, so
 * such a tail is `unexpected EOF` (fewer than 10 bytes) or `gzip: invalid header`: the manifest is unreadable
 * for c/image and must not be evaluated here. The unconsumed input is tracked (zlib's bytesWritten counts what
 * the engine consumed) and, once the last member ended, at most 10 more bytes are read to decide which.
 */
async function* gunzip(raw: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const { createGunzip } = await import('node:zlib');
  const it = raw[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const z = createGunzip();
  let finished = false;
  const stopped = new Promise<void>((r) => {
    z.once('end', () => {
      finished = true;
      r();
    });
    z.once('close', r);
  });
  /** Input handed to zlib and not yet consumed, with the total written before it (to trim by bytesWritten). */
  let window: { at: number; b: Buffer }[] = [];
  let written = 0;
  const feed = (async () => {
    try {
      for (let n: IteratorResult<Buffer> = first; !n.done; n = await it.next()) {
        window = window.filter((w) => w.at + w.b.length > z.bytesWritten);
        window.push({ at: written, b: n.value });
        written += n.value.length;
        if (finished || z.destroyed) break;
        // Wait for room, or for zlib to stop taking input (a member end followed by ignored bytes never drains).
        if (!z.write(n.value)) await Promise.race([new Promise((r) => z.once('drain', r)), stopped]);
      }
      if (!finished && !z.destroyed) z.end();
    } catch (e) {
      z.destroy(e as Error);
    }
  })();
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } catch (e) {
    throw goGzipError(e as NodeJS.ErrnoException);
  } finally {
    await feed;
  }
  // The last member ended: what zlib did not consume, plus what the stream still holds, up to one header's length.
  let tail = 0;
  for (const w of window) tail += w.b.length - Math.max(0, Math.min(w.b.length, z.bytesWritten - w.at));
  while (tail < 10) {
    const n = await it.next();
    if (n.done) break;
    tail += n.value.length;
  }
  if (tail === 0) return;
  await it.return?.();
  // Node would have started a member on 0x1f, so a dropped tail never begins with the gzip magic.
  throw new GoGzipError(tail < 10 ? 'unexpected EOF' : 'gzip: invalid header');
}

function goGzipError(e: NodeJS.ErrnoException): Error {
  switch (e.message) {
    case 'incorrect header check':
      return new GoGzipError('gzip: invalid header');
    case 'incorrect data check':
    case 'incorrect length check': // the trailer's ISIZE: Go compares it with the CRC under the same ErrChecksum
      return new GoGzipError('gzip: invalid checksum');
    case 'unexpected end of file':
      return new GoGzipError('unexpected EOF');
  }
  return e.code?.startsWith('Z_') ? new GoGzipError('flate: corrupt input') : e;
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

/** A response header's value; a header sent several times counts with its first value. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
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
