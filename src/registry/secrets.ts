import type { Trace } from '../trace.js';
import type { Credentials } from './credentials.js';
import { RegistryHTTPError } from './errors.js';

/**
 * The strings one registry client must never let reach a trace event or an error message: the password, the
 * identity token, the Basic header value, and every bearer token it obtains.
 */
export class Secrets {
  private readonly known: string[] = [];

  constructor(credentials: Credentials) {
    for (const s of [credentials.password, credentials.identityToken]) if (s) this.known.push(s);
    // The Basic header value itself: a registry that echoes `Authorization` in its error body would otherwise put
    // base64(user:password) into our error message (found by test/integration/hostile-secrets.test.ts).
    if (credentials.password) this.known.push(Buffer.from(`${credentials.username ?? ''}:${credentials.password}`).toString('base64'));
  }

  /** A secret learnt while running (a bearer token). */
  add(secret: string): void {
    if (secret && !this.known.includes(secret)) this.known.push(secret);
  }

  /** Last line of defence: no known secret survives into text we hand out. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.known) if (s.length >= 4) out = out.split(s).join('REDACTED');
    return out;
  }

  /** Prefixes a registry error while keeping its classification (manifest unknown, status). */
  wrap(e: RegistryHTTPError, prefix: string): RegistryHTTPError {
    return new RegistryHTTPError(this.scrub(prefix + e.message), e.statusCode, e.errorCode, e.errorMessage, e.unparsedBody);
  }

  /** `trace.debug` with the secrets scrubbed from the line. */
  debugTo(trace: Trace): (message: string, data?: Record<string, unknown>) => void {
    return (message, data) => trace.debug(this.scrub(message), data);
  }
}
