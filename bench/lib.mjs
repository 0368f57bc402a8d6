// Shared helpers for the benchmarks: the oracle's paths, timing statistics, table printing, a tiny registry push
// client (node:http only), cosign-compatible signing with node:crypto, and an own docker-registry with its access log.
// Benchmarks print figures; nothing here asserts a time.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * What users run: an installed `imgpolicy` (IMGPOLICY_BIN, resolved to its script so that every sample is `node
 * SCRIPT …` like the baselines), else the checkout's bin/imgpolicy.js, which runs the bundled artifact
 * build/imgpolicy.cjs (`npm run bundle`) — never dist/.
 */
export const BIN = process.env.IMGPOLICY_BIN ? realpathSync(process.env.IMGPOLICY_BIN) : join(ROOT, 'bin/imgpolicy.js');
export const ARTIFACT = join(dirname(BIN), '../build/imgpolicy.cjs');
export const ORACLE_DIR = process.env.ORACLE_DIR ?? '/tmp/imgpolicy-oracle';
export const REGISTRY = process.env.ORACLE_REGISTRY ?? '127.0.0.1:5000';
export const SKOPEO = process.env.SKOPEO118 ?? join(ORACLE_DIR, 'tools/skopeo118/skopeo');
export const COSIGN = process.env.COSIGN ?? join(ORACLE_DIR, 'tools/bin/cosign');
export const REGISTRIES_D = join(ORACLE_DIR, 'registries.d');
export const KEY1_PUB = join(ORACLE_DIR, 'keys/cosign1.pub');
/** The unencrypted PKCS#8 twin of cosign1.private (written by the oracle's gen-cosign-key.py). */
export const KEY1_PRIV = join(ORACLE_DIR, 'keys/cosign1.key');

export function requireOracle() {
  for (const p of [SKOPEO, KEY1_PUB, KEY1_PRIV, REGISTRIES_D]) {
    if (!existsSync(p)) {
      console.error(`missing ${p}: set up the oracle (../shared/oracle/setup.sh start, then . $ORACLE_DIR/env.sh)`);
      process.exit(2);
    }
  }
  requireArtifact();
}

export function requireArtifact() {
  if (!existsSync(ARTIFACT)) {
    console.error(`missing ${ARTIFACT}: build the artifact (npm run build)`);
    process.exit(2);
  }
}

/** The benchmarks' own code cache (bin/code-cache.cjs): warmed by each script's first, discarded round. */
const CACHE_HOME = mkdtempSync(join(tmpdir(), 'imgpolicy-bench-cache-'));
process.on('exit', () => rmSync(CACHE_HOME, { recursive: true, force: true }));

/** The two environments every timing is taken in: without NODE_EXTRA_CA_CERTS (a typical machine), and as given. */
export const ENV_UNSET = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS')), XDG_CACHE_HOME: CACHE_HOME };
export const ENVS = [['NODE_EXTRA_CA_CERTS unset', ENV_UNSET]];
if (process.env.NODE_EXTRA_CA_CERTS) ENVS.push([`NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`, { ...process.env, XDG_CACHE_HOME: CACHE_HOME }]);

// ------------------------------------------------------------------------------------------------ timing

/** Runs a command to completion; returns wall ms, exit status and output. */
export function run(cmd, args, env = ENV_UNSET, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** `node ARGS` once: wall ms from here, and CPU ms (user+sys) of that process from bash's `times`. */
export function sampleNode(args, env, cwd = ROOT) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; s=$?; times; exit $s', 'x', process.execPath, ...args], { env, cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  const secs = [...(r.stdout.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { ms, cpu: (secs[0] + secs[1]) * 1000 };
}

/**
 * Every case once per round, RUNS rounds after one discarded warm-up round (which also writes the code cache);
 * cases are `[name, nodeArgs, extraEnv?]`. Returns the wall and CPU samples per case.
 */
export function interleaved(cases, baseEnv, runs) {
  const wall = cases.map(() => []);
  const cpu = cases.map(() => []);
  for (let i = 0; i <= runs; i++) {
    cases.forEach(([, args, extra], j) => {
      const s = sampleNode(args, { ...baseEnv, ...(extra ?? {}) });
      if (i > 0) (wall[j].push(s.ms), cpu[j].push(s.cpu));
    });
  }
  return { wall, cpu };
}

/**
 * The start-up comparison cold-start.mjs and start-modes.mjs print: for each environment of ENVS, the cases run
 * interleaved, then one table whose rows `row(name, wallStats, cpuStats, base)` builds; `base` holds the first
 * case's (the `node -e 0` baseline's) wall and CPU medians.
 */
export function compareStartups(cases, runs, headers, row) {
  for (const [label, baseEnv] of ENVS) {
    const { wall, cpu } = interleaved(cases, baseEnv, runs);
    const base = { wall: stats(wall[0]).median, cpu: stats(cpu[0]).median };
    console.log(`\n## ${label}\n`);
    table(headers, cases.map(([name], j) => row(name, stats(wall[j]), stats(cpu[j]), base)));
  }
}

/** `1.23×`: how many times the baseline. */
export const ratio = (x, base) => `${(x / base).toFixed(2)}×`;

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { n: s.length, median: q(0.5), min: s[0], max: s[s.length - 1], p25: q(0.25), p75: q(0.75) };
}

export function fmt(ms) {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

/** Prints a markdown table (so the output can be pasted into the README as is). */
export function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |';
  console.log(line(headers));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

export function machine() {
  const node = process.version;
  const cpus = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim();
  return `node ${node}, ${cpus} CPUs, ${new Date().toISOString().slice(0, 16)}Z`;
}

// ------------------------------------------------------------------------------------------------ registry push

function req(method, url, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = http.request(
      { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: { 'user-agent': 'imgpolicy-bench-push', ...headers, ...(body ? { 'content-length': body.length } : {}) }, agent: pushAgent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}
const pushAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
export function closePushAgent() {
  pushAgent.destroy();
}

export const sha256 = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** Monolithic blob upload (POST + PUT), skipped when the registry already has it. */
export async function pushBlob(base, repo, data, auth) {
  const digest = sha256(data);
  const h = auth ? { authorization: auth } : {};
  const head = await req('HEAD', `${base}/v2/${repo}/blobs/${digest}`, { headers: h });
  if (head.status === 200) return { digest, size: data.length };
  const start = await req('POST', `${base}/v2/${repo}/blobs/uploads/`, { headers: h });
  if (start.status !== 202) throw new Error(`blob upload start ${repo}: ${start.status} ${start.body}`);
  const loc = new URL(start.headers.location, base);
  loc.searchParams.set('digest', digest);
  const put = await req('PUT', loc.href, { body: data, headers: { ...h, 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload ${repo}: ${put.status} ${put.body}`);
  return { digest, size: data.length };
}

export async function pushManifest(base, repo, tag, manifest, auth) {
  const body = Buffer.from(JSON.stringify(manifest));
  const r = await req('PUT', `${base}/v2/${repo}/manifests/${tag}`, { body, headers: { 'content-type': manifest.mediaType, ...(auth ? { authorization: auth } : {}) } });
  if (r.status !== 201) throw new Error(`manifest ${repo}:${tag}: ${r.status} ${r.body}`);
  return sha256(body);
}

export async function manifestExists(base, repo, tag, auth) {
  const r = await req('HEAD', `${base}/v2/${repo}/manifests/${tag}`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json', ...(auth ? { authorization: auth } : {}) },
  });
  return r.status === 200;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A one-layer OCI image with distinct content, signed the way `skopeo copy --sign-by-sigstore-private-key` signs:
 * a `sha256-<hex>.sig` manifest whose layer is the simple-signing payload, with the base64 ASN.1 ECDSA signature in
 * `dev.cosignproject.cosign/signature`. `keys` lists private keys; each adds one signature layer.
 */
export async function pushSignedImage(base, host, repo, tag, content, keys, auth) {
  const layer = Buffer.from(`imgpolicy bench layer ${content}\n`);
  const l = await pushBlob(base, repo, layer, auth);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [l.digest] } }));
  const c = await pushBlob(base, repo, config, auth);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size }],
  };
  const digest = await pushManifest(base, repo, tag, manifest, auth);
  if (keys.length === 0) return digest;
  const payload = Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': `${host}/${repo}:${tag}` }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: { creator: 'imgpolicy bench', timestamp: 1700000000 },
    }),
  );
  const p = await pushBlob(base, repo, payload, auth);
  const sigConfig = Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [p.digest] } }));
  const sc = await pushBlob(base, repo, sigConfig, auth);
  const layers = keys.map((k) => ({
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    digest: p.digest,
    size: p.size,
    annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, k).toString('base64') },
  }));
  await pushManifest(base, repo, digest.replace(':', '-') + '.sig', {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sc.digest, size: sc.size },
    layers,
  }, auth);
  return digest;
}

export function loadKey(path = KEY1_PRIV) {
  return createPrivateKey(readFileSync(path));
}

/**
 * Idempotent: N signed images `HOST/bench/batch:i0 … i(N-1)` on the oracle's registry (distinct content each).
 * Existing tags are kept (a HEAD per tag); returns the references.
 */
export async function ensureBatchImages(n, { host = REGISTRY, repo = 'bench/batch' } = {}) {
  const base = `http://${host}`;
  const key = loadKey();
  const refs = [];
  let pushed = 0;
  const todo = [];
  for (let i = 0; i < n; i++) {
    refs.push(`${host}/${repo}:i${i}`);
    todo.push(i);
  }
  // A few at a time: the registry is on this machine and pushes are tiny.
  const worker = async () => {
    for (;;) {
      const i = todo.shift();
      if (i === undefined) return;
      if (await manifestExists(base, repo, `i${i}`)) continue;
      await pushSignedImage(base, host, repo, `i${i}`, `batch ${i}`, [key]);
      pushed++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { refs, pushed };
}

/** A policy file admitting `scope` images signed by cosign1 (the oracle's key1), rejecting everything else. */
export function writePolicy(dir, scope) {
  const path = join(dir, 'policy.json');
  writeFileSync(path, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [scope]: [{ type: 'sigstoreSigned', keyPath: KEY1_PUB }] } } }, null, 2));
  return path;
}

export function tempDir(prefix = 'imgpolicy-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// ------------------------------------------------------------------------------------------------ own registry

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/**
 * The Docker token protocol, as test/helpers/registry-harness.ts serves it: an ES256 JWT per request, trusted by
 * the registry through `rootcertbundle`; every request is counted by scope.
 */
export async function startTokenServer(dir) {
  mkdirSync(dir, { recursive: true });
  spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=imgpolicy bench token signer'], { cwd: dir, stdio: 'ignore' });
  const key = createPrivateKey(readFileSync(join(dir, 'token.key')));
  const certDer = new X509Certificate(readFileSync(join(dir, 'token.crt'))).raw.toString('base64');
  const service = 'imgpolicy-bench-registry';
  const issuer = 'imgpolicy-bench-issuer';
  const requests = [];
  const b64u = (b) => Buffer.from(b).toString('base64url');
  const issue = (scopes) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
    });
    const input = `${b64u(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [certDer] }))}.${b64u(JSON.stringify({ iss: issuer, sub: '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }))}`;
    return `${input}.${b64u(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))}`;
  };
  const server = http.createServer((rq, rs) => {
    const u = new URL(rq.url ?? '/', 'http://x');
    const scopes = u.searchParams.getAll('scope');
    requests.push({ ua: rq.headers['user-agent'] ?? '', scopes });
    const token = issue(scopes);
    rs.writeHead(200, { 'content-type': 'application/json' });
    rs.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    realm: `http://127.0.0.1:${port}/token`, service, issuer, rootCertBundle: join(dir, 'token.crt'), requests, issue,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * Our own docker-registry (the oracle's has its access log disabled) on a free port, access log ON, optionally
 * behind the token server. Stopped by its own PID.
 */
export async function startRegistry({ tokenServer } = {}) {
  const dir = tempDir('imgpolicy-bench-reg-');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: false',
    'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`,
    'http:', `  addr: ${host}`, '  secret: imgpolicy-bench-not-secret',
  ];
  if (tokenServer) lines.push('auth:', '  token:', `    realm: ${tokenServer.realm}`, `    service: ${tokenServer.service}`, `    issuer: ${tokenServer.issuer}`, `    rootcertbundle: ${tokenServer.rootCertBundle}`);
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (c) => (log += c));
  child.stderr.on('data', (c) => (log += c));
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await req('GET', `http://${host}/v2/`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`docker-registry did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host, base: `http://${host}`, pid: child.pid,
    pushAuth: (repo) => (tokenServer ? 'Bearer ' + tokenServer.issue([`repository:${repo}:pull,push`]) : undefined),
    /** Access-log requests so far: {method, path, status, ua}. */
    requests() {
      const out = [];
      for (const m of log.matchAll(/"(GET|HEAD|POST|PUT|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d+) \S+ "[^"]*" "([^"]*)"/g)) {
        out.push({ method: m[1], path: m[2], status: Number(m[3]), ua: m[4] });
      }
      return out;
    },
    async stop() {
      if (child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Like run(), without blocking this process's event loop (needed while our token server answers). */
export function runAsync(cmd, args, env = ENV_UNSET) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('error', reject);
    c.on('close', (status) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status, stdout, stderr }));
  });
}
