/**
 * A fault-injecting distribution registry for the hostile-input tests: node:http / node:https on 127.0.0.1 only.
 *
 * Every repository name selects a fault: `127.0.0.1:PORT/<fault>/img:v1` serves a normal, cosign-signed OCI image
 * (a `sha256-….sig` attachment whose one layer is a simple-signing payload signed with `signingKey`) except for what
 * the fault changes. The ping (`/v2/`) answers 401 with a Bearer challenge whose realm is our own `/token`
 * endpoint (or Basic with `auth: 'basic'`), so every run also exercises authentication; the token endpoint knows the
 * fault from the requested scope. A lookaside is served under `/lookaside/` (404 = no simple-signing signatures).
 *
 * Bounded, so that a broken client or test can never leave it running: at most `maxRequests` requests (then 503 and
 * the connection is closed), a stall lasts at most `stallMs`, an endless body stops at 64 MiB, and the server stops
 * itself after `lifetimeMs`. All timers are unref'd; `stop()` destroys every socket.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export const MT_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MT_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const MT_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MT_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const MT_COSIGN = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIG_ANN = 'dev.cosignproject.cosign/signature';

export const sha256 = (b: string | Uint8Array): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** The faults, by repository namespace. Each is described in FAULTS (used for the table in the test). */
export const FAULTS = {
  ok: 'control: a correctly signed image',
  unsigned: 'control: no signature at all',
  'many-layers': 'control: signed image manifest with 5,000 layers',
  'redirect-other-host': 'control: signature blob 307 to another origin (credentials must not follow)',
  'lying-content-digest': 'control: Docker-Content-Digest header names another digest',
  'stall-headers': 'manifest request never answered',
  'stall-body': 'manifest headers and half the body, then silence',
  'slow-drip': 'manifest body one byte every 200 ms',
  'stall-sig-blob': 'signature blob request never answered',
  'truncated-body': 'Content-Length N, N/2 bytes sent, connection closed',
  'content-length-short': 'Content-Length smaller than the body (manifest cut short)',
  'content-length-long': 'Content-Length larger than the body, connection closed',
  'oversized-manifest': 'manifest of 5 MiB (limit 4 MiB)',
  'endless-manifest': 'chunked manifest body that never ends',
  'oversized-sig-blob': 'signature blob of 5 MiB (limit 4 MiB)',
  'wrong-digest-blob': 'signature blob does not hash to its digest',
  'wrong-digest-manifest': 'digest reference; the manifest served hashes to something else',
  'malformed-manifest': 'manifest is not JSON',
  'malformed-sig-manifest': '.sig attachment manifest is not JSON',
  'malformed-index': 'OCI index whose manifests member is a string',
  'deep-json-index': 'OCI index nested 200,000 levels deep',
  'huge-index': 'OCI index with 15,000 entries, none for this platform',
  'thousands-of-signatures': 'control: .sig manifest with 5,000 layers (c/image reads them all)',
  'lookaside-endless': 'lookaside answers every signature-N',
  'redirect-loop': 'signature blob redirects to itself forever',
  'redirect-scheme': 'signature blob redirects to file:///etc/passwd',
  'manifest-redirect-other-host': 'manifest 307 to another origin',
  'auth-401-loop': 'every authenticated request answered 401 (token accepted nowhere)',
  'token-401': 'token endpoint answers 401',
  'token-stall': 'token endpoint never answers',
  'token-huge': 'token endpoint answers 2 MiB',
  'token-malformed': 'token endpoint answers non-JSON',
  'storm-429': 'every manifest request 429 with Retry-After: 3600',
  'storm-503': 'every manifest request 503',
  'status-500': 'manifest request 500',
  'garbage-response': 'non-HTTP bytes, then close',
  'reset': 'connection reset on the manifest request',
  'huge-headers': 'control: response with a 200 KiB header (Go reads up to 10 MiB)',
  'sig-other-digest': 'valid signature for another manifest digest',
  'sig-flipped-bit': 'signature annotation with one bit flipped',
  'sig-payload-mutated': 'payload with one byte changed (signature unchanged)',
  'sig-other-identity': 'valid signature naming another repository',
  'echo-auth': '403 whose error message echoes the Authorization header',
} as const;
export type FaultName = keyof typeof FAULTS;

export interface FaultRegistryOptions {
  /** PEM certificate and key: serve https instead of http. */
  tls?: { cert: string; key: string };
  /** Challenge on /v2/: a Bearer token realm on this server (default) or Basic. */
  auth?: 'bearer' | 'basic';
  /** The key that signs every image's cosign payload (default: a fresh P-256 key). */
  signingKey?: KeyObject;
  /** Base URL of another server for `redirect-other-host` / `manifest-redirect-other-host`. */
  otherOrigin?: string;
  /** Blobs for `/storage/<name>` (shared between two instances: the other end of a cross-origin redirect). */
  sharedStore?: Map<string, Buffer>;
  /** Never answer the `/v2/` ping (the fault that happens before any repository is named). */
  stallPing?: boolean;
  maxRequests?: number;
  stallMs?: number;
  lifetimeMs?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  authorization?: string;
}

export interface FaultRegistry {
  host: string;
  port: number;
  /** The public key (PEM) that verifies the images' signatures. */
  publicKeyPEM: string;
  log: RequestLogEntry[];
  /** The digest of `<fault>/img:v1` (for digest references). */
  digestOf(fault: string): string;
  stop(): Promise<void>;
}

interface Image {
  manifest: string;
  digest: string;
  payload: Buffer;
  sigManifest: string;
  annotations: Record<string, string>;
}

const ENDLESS_CAP = 64 * 1024 * 1024;

export async function startFaultRegistry(o: FaultRegistryOptions = {}): Promise<FaultRegistry> {
  const key = o.signingKey ?? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const publicKeyPEM = (key.type === 'private' ? (await import('node:crypto')).createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();
  const maxRequests = o.maxRequests ?? 20_000;
  const stallMs = o.stallMs ?? 60_000;
  const log: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let host = '';
  const images = new Map<string, Image>();

  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    t.unref();
    timers.add(t);
  };

  function cosign(identity: string, digest: string): { payload: Buffer; signature: string } {
    const payload = Buffer.from(
      JSON.stringify({ critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }),
    );
    return { payload, signature: sign('sha256', payload, key).toString('base64') };
  }

  function imageFor(fault: string): Image {
    let img = images.get(fault);
    if (img) return img;
    const layers =
      fault === 'many-layers'
        ? Array.from({ length: 5000 }, (_, i) => ({ mediaType: MT_LAYER, digest: sha256(`layer ${i}`), size: 10 }))
        : [{ mediaType: MT_LAYER, digest: sha256(`layer of ${fault}`), size: 10 }];
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MT_OCI_MANIFEST, config: { mediaType: MT_CONFIG, digest: sha256('{}'), size: 2 }, layers });
    const digest = sha256(manifest);
    const repo = `${host}/${fault}/img`;
    let { payload, signature } = cosign(fault === 'sig-other-identity' ? `${host}/someone-else/img` : repo, fault === 'sig-other-digest' ? sha256('another manifest') : digest);
    if (fault === 'sig-flipped-bit') {
      const raw = Buffer.from(signature, 'base64');
      raw[raw.length - 5]! ^= 0x01;
      signature = raw.toString('base64');
    }
    if (fault === 'sig-payload-mutated') payload = Buffer.from(payload.toString().replace('"optional":null', '"optional":{}'));
    const annotations = { [SIG_ANN]: signature };
    const sigLayers =
      fault === 'thousands-of-signatures'
        ? Array.from({ length: 5000 }, () => ({ mediaType: MT_COSIGN, digest: sha256(payload), size: payload.length, annotations }))
        : [{ mediaType: MT_COSIGN, digest: sha256(payload), size: payload.length, annotations }];
    const sigManifest = JSON.stringify({ schemaVersion: 2, mediaType: MT_OCI_MANIFEST, config: { mediaType: MT_CONFIG, digest: sha256('{}'), size: 2 }, layers: sigLayers });
    img = { manifest, digest, payload, sigManifest, annotations };
    images.set(fault, img);
    return img;
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const errorBody = (code: string, message: string) => ({ errors: [{ code, message }] });

  function stall(res: ServerResponse): void {
    later(stallMs, () => res.destroy());
  }

  /** Writes a raw HTTP response on the socket, bypassing node:http's own framing (for lying headers). */
  function raw(req: IncomingMessage, text: string | Buffer, close = true): void {
    const s = req.socket;
    s.write(text);
    if (close) s.end();
  }

  function endless(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': MT_OCI_MANIFEST });
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (sent < ENDLESS_CAP && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    log.push({ method: req.method ?? '', path: path + url.search, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (log.length > maxRequests) {
      res.writeHead(503, { connection: 'close' }).end('fault registry: request budget exhausted');
      return;
    }

    // ---- token endpoint: /token?scope=repository:<fault>/img:pull
    if (path === '/token') {
      const scope = url.searchParams.get('scope') ?? '';
      const fault = scope.split(':')[1]?.split('/')[0] ?? '';
      switch (fault) {
        case 'token-401':
          return json(res, 401, errorBody('UNAUTHORIZED', 'no token for you'));
        case 'token-stall':
          return stall(res);
        case 'token-huge':
          return json(res, 200, { token: 'x'.repeat(2 * 1024 * 1024) });
        case 'token-malformed':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"token": "secret-token-value-123", oops');
          return;
      }
      return json(res, 200, { token: `tok-${fault}-${createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 24)}`, expires_in: 300 });
    }

    // ---- a plain blob store, for cross-origin redirects
    if (path.startsWith('/storage/')) {
      const blob = o.sharedStore?.get(path.split('/')[2] ?? '');
      if (!blob) return json(res, 404, errorBody('BLOB_UNKNOWN', 'blob unknown'));
      res.writeHead(200).end(blob);
      return;
    }

    // ---- lookaside: /lookaside/<fault>/img@sha256=<hex>/signature-N
    if (path.startsWith('/lookaside/')) {
      const fault = path.split('/')[2] ?? '';
      if (fault === 'lookaside-endless') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.concat([Buffer.from('\x00simple-signing\n'), Buffer.from('not really a signature')]));
        return;
      }
      res.writeHead(404).end();
      return;
    }

    // ---- the ping and the authentication everything else needs
    if (path === '/v2/' || path === '/v2') {
      if (o.stallPing) return stall(res);
      const challenge = o.auth === 'basic' ? 'Basic realm="fault-registry"' : `Bearer realm="${o.tls ? 'https' : 'http'}://${host}/token",service="fault-registry"`;
      return json(res, 401, errorBody('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': challenge });
    }
    const m = /^\/v2\/([^/]+)\/img\/(manifests|blobs)\/(.+)$/.exec(path);
    if (!m) return json(res, 404, errorBody('NAME_UNKNOWN', 'repository name not known to registry'));
    const fault = m[1]!;
    const kind = m[2]!;
    const ref = decodeURIComponent(m[3]!);
    const auth = req.headers.authorization ?? '';
    const challenge = o.auth === 'basic' ? 'Basic realm="fault-registry"' : `Bearer realm="${o.tls ? 'https' : 'http'}://${host}/token",service="fault-registry"`;
    if (fault === 'echo-auth') return json(res, 403, errorBody('DENIED', `credentials ${JSON.stringify(auth)} refused`));
    if (!auth || fault === 'auth-401-loop') return json(res, 401, errorBody('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': challenge });

    const img = imageFor(fault);
    const sigTag = img.digest.replace(':', '-') + '.sig';
    const manifestHeaders = (body: string) => ({ 'content-type': MT_OCI_MANIFEST, 'docker-content-digest': fault === 'lying-content-digest' ? sha256('lies') : sha256(body) });

    if (kind === 'manifests' && (ref === 'v1' || ref === img.digest)) {
      switch (fault) {
        case 'stall-headers':
          return stall(res);
        case 'stall-body':
          res.writeHead(200, { 'content-type': MT_OCI_MANIFEST, 'content-length': String(img.manifest.length) });
          res.write(img.manifest.slice(0, img.manifest.length >> 1));
          return stall(res);
        case 'slow-drip': {
          res.writeHead(200, { 'content-type': MT_OCI_MANIFEST, 'content-length': String(img.manifest.length) });
          let i = 0;
          const drip = (): void => {
            if (res.destroyed) return;
            if (i >= img.manifest.length) return void res.end();
            res.write(img.manifest[i++]!);
            later(200, drip);
          };
          return drip();
        }
        case 'truncated-body':
          return raw(req, `HTTP/1.1 200 OK\r\nContent-Type: ${MT_OCI_MANIFEST}\r\nContent-Length: ${img.manifest.length}\r\n\r\n${img.manifest.slice(0, img.manifest.length >> 1)}`);
        case 'content-length-short':
          return raw(req, `HTTP/1.1 200 OK\r\nContent-Type: ${MT_OCI_MANIFEST}\r\nContent-Length: ${img.manifest.length - 20}\r\nConnection: close\r\n\r\n${img.manifest}`);
        case 'content-length-long':
          return raw(req, `HTTP/1.1 200 OK\r\nContent-Type: ${MT_OCI_MANIFEST}\r\nContent-Length: ${img.manifest.length + 100}\r\n\r\n${img.manifest}`);
        case 'oversized-manifest':
          res.writeHead(200, { 'content-type': MT_OCI_MANIFEST, 'content-length': String(5 * 1024 * 1024) });
          res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
          return;
        case 'endless-manifest':
          return endless(res);
        case 'malformed-manifest':
          res.writeHead(200, { 'content-type': MT_OCI_MANIFEST }).end('{"schemaVersion": 2, "layers": [');
          return;
        case 'malformed-index':
          res.writeHead(200, { 'content-type': MT_OCI_INDEX }).end('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":"nope"}');
          return;
        case 'deep-json-index':
          res.writeHead(200, { 'content-type': MT_OCI_INDEX }).end('{"manifests":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}');
          return;
        case 'huge-index': {
          const entries = Array.from({ length: 15_000 }, (_, i) => ({ mediaType: MT_OCI_MANIFEST, digest: sha256(`entry ${i}`), size: 1, platform: { architecture: 'pdp11', os: 'plan9' } }));
          res.writeHead(200, { 'content-type': MT_OCI_INDEX }).end(JSON.stringify({ schemaVersion: 2, mediaType: MT_OCI_INDEX, manifests: entries }));
          return;
        }
        case 'wrong-digest-manifest':
          res.writeHead(200, manifestHeaders(img.manifest)).end(img.manifest.replace('"layers":[', '"layers": ['));
          return;
        case 'storm-429':
          return json(res, 429, errorBody('TOOMANYREQUESTS', 'slow down'), { 'retry-after': '3600' });
        case 'storm-503':
          res.writeHead(503).end('busy');
          return;
        case 'status-500':
          res.writeHead(500).end('oops');
          return;
        case 'garbage-response':
          return raw(req, 'SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 this is not HTTP\r\n');
        case 'reset':
          req.socket.resetAndDestroy?.() ?? req.socket.destroy();
          return;
        case 'huge-headers':
          res.writeHead(200, { 'content-type': MT_OCI_MANIFEST, 'x-padding': 'p'.repeat(200 * 1024) }).end(img.manifest);
          return;
        case 'manifest-redirect-other-host':
          res.writeHead(307, { location: `${o.otherOrigin ?? 'http://127.0.0.1:1'}/v2/ok/img/manifests/v1` }).end();
          return;
      }
      res.writeHead(200, manifestHeaders(img.manifest)).end(img.manifest);
      return;
    }

    if (kind === 'manifests' && ref === sigTag) {
      if (fault === 'unsigned') return json(res, 404, errorBody('MANIFEST_UNKNOWN', 'manifest unknown'));
      if (fault === 'malformed-sig-manifest') return void res.writeHead(200, { 'content-type': MT_OCI_MANIFEST }).end('{"layers": [{"digest": ');
      res.writeHead(200, manifestHeaders(img.sigManifest)).end(img.sigManifest);
      return;
    }
    if (kind === 'manifests') return json(res, 404, errorBody('MANIFEST_UNKNOWN', 'manifest unknown'));

    // blobs
    if (ref === sha256(img.payload)) {
      switch (fault) {
        case 'stall-sig-blob':
          return stall(res);
        case 'oversized-sig-blob':
          res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) }).end(Buffer.alloc(5 * 1024 * 1024, 0x7b));
          return;
        case 'wrong-digest-blob':
          res.writeHead(200).end(Buffer.from(img.payload.toString().replace('cosign', 'cosigm')));
          return;
        case 'redirect-loop':
          res.writeHead(307, { location: path + '?again=' + (Number(url.searchParams.get('again') ?? 0) + 1) }).end();
          return;
        case 'redirect-scheme':
          res.writeHead(302, { location: 'file:///etc/passwd' }).end();
          return;
        case 'redirect-other-host':
          o.sharedStore?.set(fault, img.payload);
          res.writeHead(307, { location: `${o.otherOrigin}/storage/${fault}/blob?X-Amz-Signature=abc` }).end();
          return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(img.payload);
      return;
    }
    return json(res, 404, errorBody('BLOB_UNKNOWN', 'blob unknown to registry'));
  }

  const server: Server = o.tls ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handle) : createHttpServer(handle);
  server.maxHeadersCount = 100;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  // A TLS ClientHello on the plain port (c/image tries https first) or a broken client: just hang up.
  server.on('clientError', (_e, s) => s.destroy());
  server.on('tlsClientError', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  host = `127.0.0.1:${port}`;

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  later(o.lifetimeMs ?? 300_000, () => void stop());

  return { host, port, publicKeyPEM, log, digestOf: (f) => imageFor(f).digest, stop };
}
