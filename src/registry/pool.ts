import type { Agent } from 'undici';

/**
 * What several image sources of one run may share: keep-alive connections (one undici Agent per TLS setup) and
 * bearer tokens (one cache per registry + repository + credentials).
 * It is an explicit object the caller owns (no module-level state); `close()` releases the sockets so a CLI or a
 * test can exit promptly.
 */
export class RegistryPool {
  /** @internal */
  readonly agents = new Map<string, Promise<Agent>>();
  /** @internal */
  readonly tokenCaches = new Map<string, Map<string, Promise<{ token: string; expiresAt: number }>>>();

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    this.tokenCaches.clear();
    await Promise.all(agents.map(async (a) => (await a.catch(() => null))?.close().catch(() => undefined)));
  }
}
