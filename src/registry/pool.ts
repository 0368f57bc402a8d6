import { Trace, type TraceEvent } from '../trace.js';
import type { Challenge } from './www-authenticate.js';
import type { HttpAgent } from './http.js';

/** What a successful `GET /v2/` ping established about a registry (c/image detectProperties). */
export interface PingResult {
  scheme: 'https' | 'http';
  challenges: Challenge[];
  supportsSignatures: boolean;
  /** The ping's debug lines, replayed into the trace of every image that reuses the result. */
  debugLines: string[];
}

/**
 * What several image sources of one run may share: keep-alive connections (one agent per TLS setup), bearer
 * tokens (one cache per registry + repository + credentials), and ping results (one per registry + TLS setup).
 * It is an explicit object the caller owns (no module-level state); `close()` releases the sockets so a CLI or a
 * test can exit promptly.
 *
 * Sharing the ping: c/image pings `/v2/` once per image source. The answer (scheme, auth challenges, signature
 * API header) is a property of the registry, not of the image, and the ping carries no credentials, so a batch
 * reuses it: 200 images on one registry cost 1 ping instead of 200. Only successes are shared, so an image after
 * a failed ping tries again, as c/image would.
 */
export class RegistryPool {
  /** @internal */
  readonly agents = new Map<string, Promise<HttpAgent>>();
  /** @internal */
  readonly tokenCaches = new Map<string, Map<string, Promise<{ token: string; expiresAt: number }>>>();
  /** @internal */
  readonly pings = new Map<string, Promise<PingResult>>();
  /** @internal registries.d, credentials and certs.d lookups, once per run (see memoTraced). */
  readonly lookups = new Map<string, Promise<{ value: unknown; events: TraceEvent[] }>>();
  /**
   * Aborted by `close()`. Every request and every retry back-off of every client on this pool listens to it: when
   * the CLI gives up on an image (`--timeout`) and closes the pool, nothing keeps running — no https→http ping
   * fallback, no 60 s Retry-After sleep — so the process exits at once instead of after the registry's stall.
   */
  private readonly closing = new AbortController();
  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  async close(): Promise<void> {
    this.closing.abort(new Error('registry connections closed'));
    const agents = [...this.agents.values()];
    this.agents.clear();
    this.tokenCaches.clear();
    this.pings.clear();
    this.lookups.clear();
    await Promise.all(agents.map(async (a) => (await a.catch(() => null))?.close()));
  }
}

/**
 * Runs a configuration lookup (registries.d, auth files, certs.d) once per pool and key, and replays the trace
 * lines it recorded into each later caller's trace, so every image's --debug output is the same as if it had
 * looked itself. A batch of 1,000 images otherwise re-reads and re-parses the same files 1,000 times (measured:
 * most of the per-image CPU time in bench/batch.mjs). Files are not expected to change during one run; a failure
 * is not remembered, so each image reports its own error.
 */
export async function memoTraced<T>(pool: RegistryPool, key: string, trace: Trace, fn: (t: Trace) => Promise<T>): Promise<T> {
  let p = pool.lookups.get(key);
  if (!p) {
    p = (async () => {
      const t = new Trace();
      try {
        return { value: await fn(t), events: t.events };
      } catch (e) {
        for (const ev of t.events) trace.events.push(ev);
        throw e;
      }
    })();
    pool.lookups.set(key, p);
    p.catch(() => pool.lookups.delete(key));
  } else {
    try {
      await p;
    } catch {
      return fn(trace);
    }
  }
  const r = await p;
  for (const ev of r.events) trace.events.push(ev);
  return r.value as T;
}
