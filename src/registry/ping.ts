import { ImageSourceError } from '../errors.js';
import { headerValue } from './http.js';
import type { PingResult, RegistryPool } from './pool.js';
import { dump, type RegistryRequester, type RegistryResponse } from './request.js';
import type { Secrets } from './secrets.js';
import { parseAuthHeader } from './www-authenticate.js';

/**
 * c/image detectProperties: a `GET /v2/` ping (https; with `tlsVerify=false` unverified https, then plain http),
 * which also collects the auth challenges and the signature-API header. Shared through the pool (see RegistryPool).
 */
export interface PingContext {
  /** The host the client talks to (`registry-1.docker.io` for docker.io). */
  registry: string;
  insecureSkipVerify: boolean;
  pool: RegistryPool;
  requester: RegistryRequester;
  secrets: Secrets;
  debug: (line: string) => void;
}

export async function pingRegistry(ctx: PingContext): Promise<PingResult> {
  const key = `${ctx.registry}#${ctx.requester.agentKey()}`;
  let shared = ctx.pool.pings.get(key);
  if (!shared) {
    shared = pingOnce(ctx);
    ctx.pool.pings.set(key, shared);
    // Only a success is shared: the next image after a failure pings again, as c/image would.
    shared.catch(() => ctx.pool.pings.delete(key));
    return await shared;
  }
  let r: PingResult;
  try {
    r = await shared;
  } catch {
    // Another image's ping failed while we waited: ping ourselves, so this image reports its own error.
    r = await pingOnce(ctx);
  }
  for (const line of r.debugLines) ctx.debug(line);
  return r;
}

/** One ping (https, then http when TLS is not verified), its debug lines recorded for reuse. */
async function pingOnce(ctx: PingContext): Promise<PingResult> {
  const debugLines: string[] = [];
  const debug = (line: string): void => {
    debugLines.push(line);
    ctx.debug(line);
  };
  const attempt = async (scheme: 'https' | 'http'): Promise<PingResult> => {
    const url = new URL(`${scheme}://${ctx.registry}/v2/`);
    let res: RegistryResponse;
    try {
      res = await ctx.requester.requestWithRetries('GET', url, {}, undefined, debug);
    } catch (e) {
      debug(`Ping ${url.href} err ${(e as Error).message}`);
      throw e;
    }
    debug(`Ping ${url.href} status ${res.statusCode}`);
    if (res.statusCode !== 200 && res.statusCode !== 401) throw await ctx.requester.responseError(res);
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
      if (!ctx.insecureSkipVerify) throw e;
      return await attempt('http');
    }
  } catch (e) {
    throw new ImageSourceError(ctx.secrets.scrub(`pinging container registry ${ctx.registry}: ${(e as Error).message}`));
  }
}
