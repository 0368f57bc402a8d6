/**
 * Test harness for the docker transport: real Debian `docker-registry` (CNCF distribution 2.8) processes on free
 * 127.0.0.1 ports — plain HTTP, HTTPS + htpasswd basic auth, or behind our own Docker token server — plus a
 * small push helper that writes images, indexes and `.sig` attachments through the registry API, and a scripted
 * "fault server" for retry/limit cases. Every process is stopped by its own PID; temp dirs are removed.
 *
 * Needs `docker-registry`, `htpasswd` (apache2-utils) and `openssl` on PATH. Without docker-registry the suites
 * that need it skip with one console.warn line — except under CI=true, where they fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, test } from '@jest/globals';

// ------------------------------------------------------------------------------------------------ availability

function onPath(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

export const registryAvailable = onPath('docker-registry', ['--version']);
export const htpasswdAvailable = onPath('htpasswd', ['-Bbn', 'a', 'b']);

/**
 * `describe` for suites that need a real registry: skips with one visible line without docker-registry, but fails
 * under CI=true (a CI job that silently skips its integration tests proves nothing).
 */
export function describeWithRegistry(name: string, fn: () => void): void {
  if (registryAvailable && htpasswdAvailable) {
    describe(name, fn);
    return;
  }
  const missing = [!registryAvailable && 'docker-registry', !htpasswdAvailable && 'htpasswd (apache2-utils)'].filter(Boolean).join(', ');
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      test(`requires ${missing} on PATH`, () => {
        throw new Error(`${missing} not found on PATH (CI=true): apt-get install -y docker-registry apache2-utils openssl`);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${missing} not on PATH (apt-get install -y docker-registry apache2-utils)`);
  describe.skip(name, fn);
}

// ------------------------------------------------------------------------------------------------ small utilities

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function sha256(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function tempDir(prefix = 'imgpolicy-reg-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

// ------------------------------------------------------------------------------------------------ certificates

export interface TestCA {
  dir: string;
  caCrt: string; // path
  serverCrt: string;
  serverKey: string;
  /** A directory holding only ca.crt, usable as certDir. */
  certDir: string;
}

/** A CA and a server certificate for 127.0.0.1/localhost (EC P-256 keeps openssl fast). */
export function makeTestCA(dir: string, cn = 'imgpolicy test CA'): TestCA {
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${cn}`], dir);
  run('openssl', ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const certDir = join(dir, 'certdir');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(join(dir, 'ca.crt')));
  return { dir, caCrt: join(dir, 'ca.crt'), serverCrt: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'), certDir };
}

// ------------------------------------------------------------------------------------------------ token server

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
  /** Token requests per requested scope string (`repository:test/x:pull`), and in total. */
  counts: Map<string, number>;
  total(): number;
  reset(): void;
  /** Issues a token directly (for the push helper), not counted. */
  issue(scopes: string[]): string;
  stop(): Promise<void>;
}

/**
 * The Docker token protocol, just enough for distribution's `auth: token:`: GET /token?service=&scope=… answers
 * `{token, access_token, expires_in, issued_at}` with an ES256 JWT whose `x5c` header carries our self-signed
 * signing certificate (the registry trusts it through `rootcertbundle`). Anyone gets what they ask for.
 */
export async function startTokenServer(dir: string): Promise<TokenServer> {
  mkdirSync(dir, { recursive: true });
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=imgpolicy token signer'], dir);
  const key = createPrivateKey(readFileSync(join(dir, 'token.key')));
  const certDer = new X509Certificate(readFileSync(join(dir, 'token.crt'))).raw.toString('base64');
  const service = 'imgpolicy-test-registry';
  const issuer = 'imgpolicy-test-issuer';
  const counts = new Map<string, number>();
  const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

  const issue = (scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
    });
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
    const claims = { iss: issuer, sub: '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${b64u(sig)}`;
  };

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = u.searchParams.getAll('scope');
    for (const s of scopes) counts.set(s, (counts.get(s) ?? 0) + 1);
    counts.set('*', (counts.get('*') ?? 0) + 1);
    const token = issue(scopes);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  const port = await listen(server);
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: join(dir, 'token.crt'),
    counts,
    total: () => counts.get('*') ?? 0,
    reset: () => counts.clear(),
    issue,
    stop: () => closeServer(server),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

// ------------------------------------------------------------------------------------------------ registry

export type RegistryKind = 'plain' | 'tls-basic' | 'token';

export interface TestRegistry {
  kind: RegistryKind;
  /** `127.0.0.1:PORT` */
  host: string;
  pid: number;
  dir: string;
  ca?: TestCA;
  tokenServer?: TokenServer;
  user?: { username: string; password: string };
  /** Authorization header value for pushes (basic, or a push token). */
  pushAuth(repo: string): string | undefined;
  baseURL: string;
  dispatcher: Agent;
  stop(): Promise<void>;
  /** With `accessLog: true`: every request so far, as `METHOD PATH STATUS` (e.g. `GET /v2/a/manifests/v1 200`). */
  accessLog(): string[];
}

export interface StartOptions {
  /** Required for 'token'. */
  tokenServer?: TokenServer;
  /** Keep the registry's access log (combined log format, one line a request), read with `accessLog()`. */
  accessLog?: boolean;
}

export async function startRegistry(kind: RegistryKind, o: StartOptions = {}): Promise<TestRegistry> {
  const dir = tempDir();
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    `    disabled: ${o.accessLog ? 'false' : 'true'}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '  secret: imgpolicy-test-not-secret',
  ];
  let ca: TestCA | undefined;
  let user: { username: string; password: string } | undefined;
  if (kind === 'tls-basic') {
    ca = makeTestCA(join(dir, 'ca'));
    user = { username: 'testuser', password: 'testpass-' + randomUUID().slice(0, 8) };
    writeFileSync(join(dir, 'htpasswd'), run('htpasswd', ['-Bbn', user.username, user.password]));
    lines.push('  tls:', `    certificate: ${ca.serverCrt}`, `    key: ${ca.serverKey}`);
    lines.push('auth:', '  htpasswd:', '    realm: imgpolicy-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  if (kind === 'token') {
    const ts = o.tokenServer;
    if (!ts) throw new Error('token registry needs a token server');
    lines.push('auth:', '  token:', `    realm: ${ts.realm}`, `    service: ${ts.service}`, `    issuer: ${ts.issuer}`, `    rootcertbundle: ${ts.rootCertBundle}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const log = join(dir, 'registry.log');
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', o.accessLog ? 'pipe' : 'ignore', 'pipe'],
  });
  // distribution writes its access log to stdout (gorilla's CombinedLoggingHandler).
  const accessChunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => accessChunks.push(c));
  const logChunks: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => logChunks.push(c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const scheme = kind === 'tls-basic' ? 'https' : 'http';
  const dispatcher = new Agent({ connect: ca ? { ca: readFileSync(ca.caCrt, 'utf8') } : {} });
  const baseURL = `${scheme}://${host}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await dispatcher.close().catch(() => undefined);
    writeFileSync(log, Buffer.concat(logChunks));
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when /v2/ answers 200 (plain) or 401 (auth); distribution needs ~0.2 s.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await request(`${baseURL}/v2/`, { dispatcher });
      await r.body.dump();
      if (r.statusCode === 200 || r.statusCode === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      const text = Buffer.concat(logChunks).toString();
      await stop();
      throw new Error(`docker-registry did not start: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const tokenServer = o.tokenServer;
  return {
    kind,
    host,
    pid: child.pid!,
    dir,
    ...(ca ? { ca } : {}),
    ...(tokenServer ? { tokenServer } : {}),
    ...(user ? { user } : {}),
    baseURL,
    dispatcher,
    pushAuth: (repo: string) => {
      if (user) return 'Basic ' + Buffer.from(`${user.username}:${user.password}`).toString('base64');
      if (tokenServer) return 'Bearer ' + tokenServer.issue([`repository:${repo}:pull,push`]);
      return undefined;
    },
    stop,
    accessLog: () =>
      Buffer.concat(accessChunks)
        .toString()
        .split('\n')
        .map((l) => /"(\w+) (\S+) HTTP\/[\d.]+" (\d+)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]} ${m[2]} ${m[3]}`),
  };
}

// ------------------------------------------------------------------------------------------------ push helper

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  cosignSimpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
} as const;

async function call(reg: TestRegistry, repo: string, method: string, url: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown> }> {
  const auth = reg.pushAuth(repo);
  const res = await request(url.startsWith('http') ? url : reg.baseURL + url, {
    dispatcher: reg.dispatcher,
    method: method as 'GET',
    headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : Buffer.from(body) } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${text}`);
  return { status: res.statusCode, headers: res.headers as Record<string, unknown> };
}

export async function pushBlob(reg: TestRegistry, repo: string, data: Uint8Array | string): Promise<{ digest: string; size: number }> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  const digest = sha256(bytes);
  const start = await call(reg, repo, 'POST', `/v2/${repo}/blobs/uploads/`);
  const location = String(start.headers['location']);
  const u = new URL(location, reg.baseURL);
  u.searchParams.set('digest', digest);
  await call(reg, repo, 'PUT', u.href, bytes, { 'content-type': 'application/octet-stream' });
  return { digest, size: bytes.length };
}

export async function pushManifest(reg: TestRegistry, repo: string, ref: string, manifest: string, mediaType: string): Promise<string> {
  await call(reg, repo, 'PUT', `/v2/${repo}/manifests/${ref}`, manifest, { 'content-type': mediaType });
  return sha256(manifest);
}

export interface PushedImage {
  digest: string;
  manifest: string;
}

/** A one-layer image (OCI by default, or Docker schema2) with a deterministic config for `arch`. */
export async function pushImage(
  reg: TestRegistry,
  repo: string,
  tag: string | undefined,
  o: { arch?: string; variant?: string; content?: string; format?: 'oci' | 'docker' } = {},
): Promise<PushedImage> {
  const arch = o.arch ?? 'amd64';
  const docker = o.format === 'docker';
  const layer = await pushBlob(reg, repo, `layer ${repo} ${arch} ${o.content ?? ''}`);
  const config = await pushBlob(reg, repo, JSON.stringify({ architecture: arch, os: 'linux', ...(o.variant ? { variant: o.variant } : {}), rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: docker ? MT.dockerManifest : MT.ociManifest,
    config: { mediaType: docker ? MT.dockerConfig : MT.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: docker ? MT.dockerLayer : MT.ociLayer, digest: layer.digest, size: layer.size }],
  });
  const digest = await pushManifest(reg, repo, tag ?? sha256(manifest), manifest, docker ? MT.dockerManifest : MT.ociManifest);
  return { digest, manifest };
}

/** An OCI index (or Docker schema2 list) over per-arch images; returns the index digest and instance digests. */
export async function pushMultiArch(
  reg: TestRegistry,
  repo: string,
  tag: string,
  platforms: { arch: string; variant?: string }[],
  format: 'oci' | 'docker' = 'oci',
): Promise<{ digest: string; instances: Record<string, string> }> {
  const instances: Record<string, string> = {};
  const entries = [];
  for (const p of platforms) {
    const img = await pushImage(reg, repo, undefined, { arch: p.arch, ...(p.variant ? { variant: p.variant } : {}), format });
    instances[p.variant ? `${p.arch}/${p.variant}` : p.arch] = img.digest;
    entries.push({
      mediaType: format === 'docker' ? MT.dockerManifest : MT.ociManifest,
      digest: img.digest,
      size: Buffer.byteLength(img.manifest),
      platform: { architecture: p.arch, os: 'linux', ...(p.variant ? { variant: p.variant } : {}) },
    });
  }
  const list = JSON.stringify({ schemaVersion: 2, mediaType: format === 'docker' ? MT.dockerList : MT.ociIndex, manifests: entries });
  const digest = await pushManifest(reg, repo, tag, list, format === 'docker' ? MT.dockerList : MT.ociIndex);
  return { digest, instances };
}

export interface Attachment {
  mediaType: string;
  payload: string | Uint8Array;
  annotations?: Record<string, string>;
}

/** A cosign-style `sha256-<hex>.sig` attachment manifest with one layer per attachment. */
export async function pushSigstoreAttachments(reg: TestRegistry, repo: string, imageDigest: string, attachments: Attachment[], mediaType: string = MT.ociManifest): Promise<string> {
  const config = await pushBlob(reg, repo, '{}');
  const layers = [];
  for (const a of attachments) {
    const b = await pushBlob(reg, repo, a.payload);
    layers.push({ mediaType: a.mediaType, digest: b.digest, size: b.size, ...(a.annotations ? { annotations: a.annotations } : {}) });
  }
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size }, layers });
  const tag = imageDigest.replace(':', '-') + '.sig';
  await pushManifest(reg, repo, tag, manifest, mediaType);
  return tag;
}

// ------------------------------------------------------------------------------------------------ fault server

export type FaultHandler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface FaultServer {
  host: string;
  port: number;
  /** Requests seen per path, and the requests themselves (method, path, authorization present?). */
  hits: Map<string, number>;
  log: { method: string; path: string; authorization?: string }[];
  stop(): Promise<void>;
}

/** A plain-HTTP server scripted per path (`n` counts requests to that path, from 1). */
export async function startFaultServer(handler: FaultHandler): Promise<FaultServer> {
  const hits = new Map<string, number>();
  const log: FaultServer['log'] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    log.push({ method: req.method ?? '', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    handler(req, res, n);
  });
  const port = await listen(server);
  return { host: `127.0.0.1:${port}`, port, hits, log, stop: () => closeServer(server) };
}
