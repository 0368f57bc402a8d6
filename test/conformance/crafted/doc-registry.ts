/**
 * A registry of our own for the crafted-document suite: node:http on 127.0.0.1, port 0. It serves exactly the
 * bytes and Content-Type each case stores — which is the point: a registry an attacker controls serves documents
 * that distribution would have normalised or refused. Manifests are addressed by `<repo>:<tag>` and
 * `<repo>@<digest>`, blobs by digest. Bounded like the fault registry: every socket is destroyed on stop(), and the
 * server stops itself after `lifetimeMs`.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export const sha256 = (b: string | Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

export interface DocRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  putManifest(repo: string, ref: string, body: string | Uint8Array, contentType: string): string;
  putBlob(body: string | Uint8Array): string;
  stop(): Promise<void>;
}

const MANIFEST_UNKNOWN = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] });
const BLOB_UNKNOWN = JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry', detail: {} }] });

export async function startDocRegistry(opts: { lifetimeMs?: number } = {}): Promise<DocRegistry> {
  const manifests = new Map<string, { body: Buffer; contentType: string }>();
  const blobs = new Map<string, Buffer>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}) => {
      const b = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { 'Content-Length': String(b.length), 'Docker-Distribution-Api-Version': 'registry/2.0', ...headers });
      res.end(req.method === 'HEAD' ? undefined : b);
    };
    if (path === '/v2/' || path === '/v2') return send(200, '{}', { 'Content-Type': 'application/json' });
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      const key = ref.includes(':') ? `${repo}@${ref}` : `${repo}:${ref}`;
      const doc = manifests.get(key);
      if (!doc) return send(404, MANIFEST_UNKNOWN, { 'Content-Type': 'application/json' });
      return send(200, doc.body, { 'Content-Type': doc.contentType, 'Docker-Content-Digest': sha256(doc.body) });
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (m) {
      const blob = blobs.get(m[2]!);
      if (!blob) return send(404, BLOB_UNKNOWN, { 'Content-Type': 'application/json' });
      return send(200, blob, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': m[2]! });
    }
    return send(404, '{"errors":[{"code":"UNSUPPORTED","message":"not here"}]}', { 'Content-Type': 'application/json' });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A TLS ClientHello on this plain port (c/image tries https first) gets Node's 400 and a close, as from
  // distribution; c/image then falls back to http with --src-tls-verify=false.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const timer = setTimeout(() => void stop(), opts.lifetimeMs ?? 900_000);
  timer.unref();
  async function stop(): Promise<void> {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    host: `127.0.0.1:${port}`,
    putManifest(repo, ref, body, contentType) {
      const b = Buffer.from(body);
      const digest = sha256(b);
      manifests.set(`${repo}:${ref}`, { body: b, contentType });
      manifests.set(`${repo}@${digest}`, { body: b, contentType });
      return digest;
    },
    putBlob(body) {
      const b = Buffer.from(body);
      const digest = sha256(b);
      blobs.set(digest, b);
      return digest;
    },
    stop,
  };
}
