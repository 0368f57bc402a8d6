import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { ImageSourceError } from '../errors.js';
import type { Trace } from '../trace.js';
import { isNotExist, pathError, readTextFile } from '../go/os.js';
import { LIMITS } from '../limits.js';

/**
 * TLS material for one registry host, as c/image's dockerCertDir + tlsclientconfig.SetupCertificates find it:
 * `--cert-dir` if given, else the first existing of `~/.config/containers/certs.d/HOST[:PORT]`,
 * `/etc/containers/certs.d/HOST[:PORT]`, `/etc/docker/certs.d/HOST[:PORT]`. In that directory every `*.crt` is an
 * additional trusted CA, and each `X.cert` must have an `X.key` (a client certificate), and vice versa.
 */
export interface TLSMaterial {
  /** The directory scanned (it may not exist). */
  dir: string;
  /** Extra CA certificates (PEM), added to the system roots — never replacing them. */
  extraCAs: string[];
  clientCerts: { cert: string; key: string }[];
}

export interface TLSOptions {
  certDir?: string;
  homeDir: string;
  /** Root for the /etc paths, for tests; default `/etc`. */
  etcDir?: string;
  /** `$SSL_CERT_FILE` / `$SSL_CERT_DIR`, which Go's crypto/x509 reads for the system roots. */
  sslCertFile?: string;
  sslCertDir?: string;
}

export async function dockerCertDir(hostPort: string, opts: TLSOptions): Promise<string> {
  if (opts.certDir) return opts.certDir;
  const etc = opts.etcDir ?? '/etc';
  const candidates = [
    join(opts.homeDir, '.config/containers/certs.d'),
    join(etc, 'containers/certs.d'),
    join(etc, 'docker/certs.d'),
  ];
  let full = '';
  for (const c of candidates) {
    full = join(c, hostPort);
    try {
      await stat(full);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      if (code === 'EACCES') continue; // c/image: "error accessing certs directory due to permissions"
      throw new ImageSourceError(`stat ${full}: ${(e as Error).message}`);
    }
  }
  return full;
}

export async function loadTLSMaterial(hostPort: string, opts: TLSOptions, trace: Trace): Promise<TLSMaterial> {
  const material = await loadCertDir(hostPort, opts, trace);
  // Go's system pool is SSL_CERT_FILE (instead of the distribution bundle) plus every file of SSL_CERT_DIR; the
  // connection then trusts systemRoots() plus these (the client passes both when extraCAs is not empty).
  material.extraCAs.push(...(await goEnvRoots(opts)));
  return material;
}

async function loadCertDir(hostPort: string, opts: TLSOptions, trace: Trace): Promise<TLSMaterial> {
  const dir = await dockerCertDir(hostPort, opts);
  trace.debug(`Looking for TLS certificates and private keys in ${dir}`, { certDir: dir });
  const material: TLSMaterial = { dir, extraCAs: [], clientCerts: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).sort(); // os.ReadDir returns sorted names
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return material;
    if (code === 'EACCES') {
      trace.debug(`Skipping scan of ${dir} due to permission error: open ${dir}: permission denied`);
      return material;
    }
    if (code === 'ENOTDIR') throw new ImageSourceError(`readdirent ${dir}: not a directory`);
    throw new ImageSourceError(`open ${dir}: ${(e as Error).message}`);
  }
  const has = (n: string): boolean => names.includes(n);
  for (const name of names) {
    const full = join(dir, name);
    if (name.endsWith('.crt')) {
      trace.debug(` crt: ${full}`);
      try {
        material.extraCAs.push(await readTextFile(full, { limit: LIMITS.maxConfigFileBytes }));
      } catch (e) {
        if (isNotExist(e)) continue;
        throw new ImageSourceError(pathError('open', full, e).message);
      }
    }
    if (name.endsWith('.cert')) {
      const base = name.slice(0, -'.cert'.length);
      const keyName = base + '.key';
      trace.debug(` cert: ${full}`);
      if (!has(keyName)) {
        throw new ImageSourceError(
          `missing key ${keyName} for client certificate ${name}. Note that CA certificates should use the extension .crt`,
        );
      }
      let pair: { cert: string; key: string };
      try {
        pair = { cert: await readTextFile(full, { limit: LIMITS.maxConfigFileBytes }), key: await readTextFile(join(dir, keyName), { limit: LIMITS.maxConfigFileBytes }) };
      } catch (e) {
        throw new ImageSourceError(pathError('open', full, e).message);
      }
      // Go's tls.LoadX509KeyPair checks the pair when it is loaded, before any connection.
      checkKeyPair(pair.cert, pair.key);
      material.clientCerts.push(pair);
    }
    if (name.endsWith('.key')) {
      const base = name.slice(0, -'.key'.length);
      trace.debug(` key: ${full}`);
      if (!has(base + '.cert')) throw new ImageSourceError(`missing client certificate ${base}.cert for key ${name}`);
    }
  }
  return material;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

async function goEnvRoots(opts: TLSOptions): Promise<string[]> {
  const out: string[] = [];
  const addPEM = (text: string) => out.push(...(text.match(PEM_CERTIFICATE) ?? []));
  if (opts.sslCertFile) {
    try {
      addPEM(await readTextFile(opts.sslCertFile, { limit: LIMITS.maxConfigFileBytes }));
    } catch {
      // Go ignores an unreadable root file (the pool is then what the directories give)
    }
  }
  for (const dir of (opts.sslCertDir ?? '').split(':').filter((d) => d !== '')) {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        addPEM(await readTextFile(join(dir, n), { limit: LIMITS.maxConfigFileBytes }));
      } catch {
        // directories and unreadable files are skipped, as Go does
      }
    }
  }
  return out;
}

/** Go tls.X509KeyPair's checks and texts for a client certificate and its key. */
function checkKeyPair(certPEM: string, keyPEM: string): void {
  if (!certPEM.includes('-----BEGIN')) throw new ImageSourceError('tls: failed to find any PEM data in certificate input');
  if (!keyPEM.includes('-----BEGIN')) throw new ImageSourceError('tls: failed to find any PEM data in key input');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPEM);
  } catch (e) {
    throw new ImageSourceError(`x509: malformed certificate (${(e as Error).message})`);
  }
  let key;
  try {
    key = createPrivateKey(keyPEM);
  } catch {
    throw new ImageSourceError('tls: failed to parse private key');
  }
  if (cert.publicKey.asymmetricKeyType !== key.asymmetricKeyType) throw new ImageSourceError('tls: private key type does not match public key type');
  if (!cert.checkPrivateKey(key)) throw new ImageSourceError('tls: private key does not match public key');
}

/** Go's x509 system-roots file list on Linux (SSL_CERT_FILE overrides it). */
const GO_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/**
 * The "system roots" a registry connection trusts when a certs.d directory adds CAs. A TLS `ca` option *replaces* the
 * default store, so the result must contain the system roots explicitly: Node's bundled roots, the
 * `NODE_EXTRA_CA_CERTS` file, and — because c/image (Go) trusts the OS store, where enterprise CAs are installed —
 * the OS bundle Go would read.
 */
export async function systemRoots(env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  const roots: string[] = [...rootCertificates];
  const files: string[] = [];
  if (env['NODE_EXTRA_CA_CERTS']) files.push(env['NODE_EXTRA_CA_CERTS']);
  if (env['SSL_CERT_FILE']) files.push(env['SSL_CERT_FILE']);
  else files.push(...GO_CERT_FILES);
  let osBundleFound = env['SSL_CERT_FILE'] !== undefined;
  for (const f of files) {
    const isOSBundle = GO_CERT_FILES.includes(f);
    if (isOSBundle && osBundleFound) continue; // Go reads only the first bundle that exists
    try {
      roots.push(await readTextFile(f, { limit: LIMITS.maxConfigFileBytes }));
      if (isOSBundle) osBundleFound = true;
    } catch {
      // absent bundles are normal (Go skips them too)
    }
  }
  return roots;
}
