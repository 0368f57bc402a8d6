import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageSourceError } from '../errors.js';
import { goBase64Decode } from '../go/encoding/base64.js';
import { GoStruct, goUnmarshal, str, stringMapOf, type GoStructType, type GoType, type GoValue } from '../go/encoding/json/unmarshal.js';
import type { Trace } from '../trace.js';
import { errnoText, readFile } from '../go/os.js';
import { LIMITS } from '../limits.js';

/**
 * Registry credentials, found the way containers/image 5.34 pkg/docker/config finds them for a pull:
 *  1. `--creds` (SystemContext.DockerAuthConfig) wins outright;
 *  2. `--authfile` (or `$REGISTRY_AUTH_FILE`, which skopeo/podman use as the flag's default) — and then *only* it;
 *  3. otherwise, in order: `$XDG_RUNTIME_DIR/containers/auth.json` (or `/run/containers/$UID/auth.json`),
 *     `$XDG_CONFIG_HOME/containers/auth.json` (or `~/.config/…`), `$DOCKER_CONFIG/config.json` (or
 *     `~/.docker/config.json`), `~/.dockercfg` (legacy format).
 * In each file a `credHelpers[registry]` entry (run as `docker-credential-<helper> get`) beats `auths`; `auths` keys
 * are tried from the most specific (`host/ns/repo`) to the host, then normalised (`https://host/v1/`, docker.io aliases).
 * Docker's `credsStore` is *not* consulted: c/image does not read it either (see report); a trace note says so.
 *
 * Credentials are secrets: they are never put in trace events or error messages.
 */
export interface Credentials {
  username: string;
  password: string;
  /** OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user). */
  identityToken: string;
}

export const NO_CREDENTIALS: Credentials = Object.freeze({ username: '', password: '', identityToken: '' });

export interface CredentialOptions {
  creds?: string;
  authfile?: string;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  euid: number;
  trace: Trace;
  /** registries.conf `credential-helpers`; default: the auth files alone (`containers-auth.json`). */
  helpers?: readonly string[];
}

/** c/image sysregistriesv2.AuthenticationFileHelper: the helper name that stands for the auth files. */
const AUTH_FILES_HELPER = 'containers-auth.json';

/** `key` is the repository name (`host[:port]/path`), as c/image GetCredentialsForRef uses `ref.Name()`. */
export async function getCredentialsForRef(key: string, opts: CredentialOptions): Promise<Credentials> {
  validateKey(key);
  if (opts.creds !== undefined) {
    opts.trace.debug(`Returning credentials for ${key} from DockerAuthConfig`);
    return parseCreds(opts.creds);
  }
  const slash = key.indexOf('/');
  const registry = slash === -1 ? key : key.slice(0, slash);

  // c/image tries each configured helper in order: the first with credentials wins, errors are collected and only
  // reported when no helper had credentials.
  const errors: string[] = [];
  for (const helper of opts.helpers?.length ? opts.helpers : [AUTH_FILES_HELPER]) {
    const helperKey = helper === AUTH_FILES_HELPER ? key : registry;
    try {
      const found = helper === AUTH_FILES_HELPER ? await credentialsFromAuthFiles(key, registry, opts) : { creds: await getCredsFromCredHelper(helper, registry, opts) };
      if (!isEmpty(found.creds)) {
        opts.trace.debug(`Found credentials for ${helperKey} in credential helper ${helper}${found.path !== undefined ? ` in file ${found.path}` : ''}`);
        return found.creds;
      }
    } catch (e) {
      const message = String((e as Error).message ?? e);
      opts.trace.debug(`Error looking up credentials for ${helperKey} in credential helper ${helper}: ${message}`);
      errors.push(message);
    }
  }
  // c/image multierr.Format("errors looking up credentials:\n\t* ", "\nt* ", "\n", …) — the "t*" is c/image's.
  if (errors.length === 1) throw new ImageSourceError(errors[0]!);
  if (errors.length > 1) throw new ImageSourceError(`errors looking up credentials:\n\t* ${errors.join('\nt* ')}\n`);
  opts.trace.debug(`No credentials for ${key} found`);
  return NO_CREDENTIALS;
}

/** c/image getCredentialsFromAuthFiles: the first auth file with credentials for `key`; a broken file is an error. */
async function credentialsFromAuthFiles(key: string, registry: string, opts: CredentialOptions): Promise<{ creds: Credentials; path?: string }> {
  for (const path of await authFilePaths(opts)) {
    const creds = await findCredentialsInFile(key, registry, path, opts);
    if (!isEmpty(creds)) return { creds, path: path.path };
  }
  return { creds: NO_CREDENTIALS };
}

/** skopeo's parseCreds: `user[:password]`; an empty string is an error. (No interactive prompt here.) */
export function parseCreds(creds: string): Credentials {
  if (creds === '') throw new ImageSourceError("credentials can't be empty");
  const i = creds.indexOf(':');
  if (i === -1) return { username: creds, password: '', identityToken: '' };
  if (i === 0) throw new ImageSourceError('username can\'t be empty');
  return { username: creds.slice(0, i), password: creds.slice(i + 1), identityToken: '' };
}

function isEmpty(c: Credentials): boolean {
  return c.username === '' && c.password === '' && c.identityToken === '';
}

/** c/image validateKey. */
function validateKey(key: string): void {
  if (key.startsWith('http://') || key.startsWith('https://')) throw new ImageSourceError(`key ${key} contains http[s]:// prefix`);
  if (key.includes('@')) throw new ImageSourceError(`key ${key} contains a '@' character`);
  const slash = key.indexOf('/');
  if (slash !== -1 && key.slice(slash + 1).includes(':')) {
    throw new ImageSourceError(`key ${key} contains a ':' character after host[:port]`);
  }
}

interface AuthPath {
  path: string;
  legacyFormat: boolean;
}

export async function authFilePaths(opts: CredentialOptions): Promise<AuthPath[]> {
  const env = opts.env;
  const explicit = opts.authfile ?? (env['REGISTRY_AUTH_FILE'] || undefined);
  if (explicit !== undefined && explicit !== '') return [{ path: explicit, legacyFormat: false }];
  const paths: AuthPath[] = [];
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (runtimeDir) {
    let exists = true;
    try {
      await stat(runtimeDir);
    } catch (e) {
      exists = (e as NodeJS.ErrnoException).code !== 'ENOENT';
    }
    if (exists) paths.push({ path: join(runtimeDir, 'containers/auth.json'), legacyFormat: false });
    else {
      opts.trace.warn(
        `${JSON.stringify(runtimeDir)} directory set by $XDG_RUNTIME_DIR does not exist. Either create the directory or unset $XDG_RUNTIME_DIR.: stat ${runtimeDir}: no such file or directory: Trying to pull image in the event that it is a public image.`,
      );
    }
  } else {
    paths.push({ path: `/run/containers/${opts.euid}/auth.json`, legacyFormat: false });
  }
  const xdgConfigHome = env['XDG_CONFIG_HOME'] || join(opts.homeDir, '.config');
  paths.push({ path: join(xdgConfigHome, 'containers/auth.json'), legacyFormat: false });
  const dockerConfig = env['DOCKER_CONFIG'];
  paths.push({ path: dockerConfig ? join(dockerConfig, 'config.json') : join(opts.homeDir, '.docker/config.json'), legacyFormat: false });
  paths.push({ path: join(opts.homeDir, '.dockercfg'), legacyFormat: true });
  return paths;
}

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

interface ParsedAuthFile {
  auths: Map<string, AuthEntry>;
  credHelpers: Map<string, string>;
  credsStore?: string;
}

/** c/image pkg/docker/config dockerAuthConfig: `{Auth string "auth"; IdentityToken string "identitytoken"}`. */
const DOCKER_AUTH_CONFIG: GoStructType = {
  k: 'struct',
  name: 'dockerAuthConfig',
  typeName: 'config.dockerAuthConfig',
  fields: [
    { json: 'auth', type: { k: 'string' } },
    { json: 'identitytoken', type: { k: 'string' } },
  ],
};
/** c/image dockerConfigFile: `{AuthConfigs map[string]dockerAuthConfig "auths"; CredHelpers map[string]string "credHelpers"}`. */
const DOCKER_CONFIG_FILE: GoStructType = {
  k: 'struct',
  name: 'dockerConfigFile',
  typeName: 'config.dockerConfigFile',
  fields: [
    { json: 'auths', type: { k: 'map', elem: DOCKER_AUTH_CONFIG } },
    { json: 'credHelpers', type: { k: 'map', elem: { k: 'string' } } },
  ],
};
/** The legacy ~/.dockercfg: the map alone. */
const LEGACY_DOCKER_CONFIG: GoType = { k: 'map', elem: DOCKER_AUTH_CONFIG };
/** Not c/image's: `credsStore` is only read for a hint, so a value of another type must not become an error. */
const CREDS_STORE_HINT: GoStructType = { k: 'struct', name: '', typeName: '', fields: [{ json: 'credsStore', type: { k: 'any' } }] };

/**
 * c/image loadJSONFile: `json.Unmarshal` into dockerConfigFile (or the legacy map), so the file means what it means to
 * podman — member names fold (`"Auths"`), a repeated member merges into the map it already filled, `null` leaves a
 * value alone, and a type error has Go's text (checked against skopeo 1.18).
 */
async function parseAuthFile(path: AuthPath): Promise<ParsedAuthFile> {
  let raw: Uint8Array;
  try {
    raw = await readFile(path.path, { limit: LIMITS.maxConfigFileBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { auths: new Map(), credHelpers: new Map() };
    // c/image's text keeps "open" for a directory too; a refusal over the size limit reads as itself.
    const detail = code === 'EFBIG' ? (e as Error).message : `open ${path.path}: ${errnoText(e)}`;
    throw new ImageSourceError(`reading JSON file ${JSON.stringify(path.path)}: ${detail}`);
  }
  // Go's errors never quote the text around a syntax error (here: credentials), only a character and an offset.
  const decode = (t: GoType): GoValue => {
    const { value, error } = goUnmarshal(raw, t);
    if (error) throw new ImageSourceError(`reading JSON file ${JSON.stringify(path.path)}: unmarshaling JSON at ${JSON.stringify(path.path)}: ${error.message}`);
    return value;
  };
  const entries = (m: GoValue): Map<string, AuthEntry> =>
    new Map([...(m instanceof Map ? m : new Map<string, GoValue>())].map(([k, v]) => [k, { auth: str(v, 'auth'), identitytoken: str(v, 'identitytoken') }]));
  if (path.legacyFormat) return { auths: entries(decode(LEGACY_DOCKER_CONFIG)), credHelpers: new Map() };
  const file = decode(DOCKER_CONFIG_FILE);
  const out: ParsedAuthFile = { auths: entries(file instanceof GoStruct ? file.f['auths'] : undefined), credHelpers: stringMapOf(file, 'credHelpers') ?? new Map() };
  const credsStore = goUnmarshal(raw, CREDS_STORE_HINT).value;
  const store = credsStore instanceof GoStruct ? credsStore.f['credsStore'] : undefined;
  if (store !== undefined && store !== null && typeof store === 'object' && 'kind' in store && store.kind === 'string') out.credsStore = store.value;
  return out;
}

async function findCredentialsInFile(key: string, registry: string, path: AuthPath, opts: CredentialOptions): Promise<Credentials> {
  const file = await parseAuthFile(path);
  const helper = file.credHelpers.get(registry);
  if (helper !== undefined) {
    opts.trace.debug(`Looking up in credential helper ${helper} based on credHelpers entry in ${path.path}`);
    return getCredsFromCredHelper(helper, registry, opts);
  }
  const keys = path.legacyFormat ? [registry] : authKeysForKey(key);
  for (const k of keys) {
    const entry = file.auths.get(k);
    if (entry !== undefined) return decodeDockerAuth(path.path, k, entry, opts.trace);
  }
  const normalized = normalizeRegistry(registry);
  for (const [k, entry] of file.auths) {
    if (normalizeAuthFileKey(k, path.legacyFormat) === normalized) return decodeDockerAuth(path.path, k, entry, opts.trace);
  }
  if (file.credsStore !== undefined) {
    opts.trace.debug(`Ignoring "credsStore" ${JSON.stringify(file.credsStore)} in ${path.path}: containers/image does not use it (only credHelpers)`, {
      hint: 'credsStore-ignored',
    });
  }
  opts.trace.debug(`No credentials matching ${key} found in ${path.path}`);
  return NO_CREDENTIALS;
}

/** `quay.io/repo/ns/image` → itself, `quay.io/repo/ns`, `quay.io/repo`, `quay.io`. */
export function authKeysForKey(key: string): string[] {
  const res: string[] = [];
  for (;;) {
    res.push(key);
    const i = key.lastIndexOf('/');
    if (i === -1) return res;
    key = key.slice(0, i);
  }
}

function decodeDockerAuth(path: string, key: string, entry: AuthEntry, trace: Trace): Credentials {
  let decoded: string;
  try {
    // Go's base64.StdEncoding: line breaks skipped; its error names an offset only, never the content.
    decoded = Buffer.from(goBase64Decode(entry.auth ?? '')).toString('utf8');
  } catch (e) {
    throw new ImageSourceError((e as Error).message);
  }
  const colon = decoded.indexOf(':');
  if (colon === -1) {
    if (decoded.length > 0) {
      trace.warn(`Error parsing the "auth" field of a credential entry ${JSON.stringify(key)} in ${JSON.stringify(path)}, missing semicolon`);
    } else {
      trace.debug(`Found an empty credential entry ${JSON.stringify(key)} in ${JSON.stringify(path)} (an unhandled credential helper marker?), moving on`);
    }
    return NO_CREDENTIALS;
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, ''),
    identityToken: entry.identitytoken ?? '',
  };
}

function normalizeAuthFileKey(key: string, legacyFormat: boolean): string {
  let stripped = key.replace(/^http:\/\//, '');
  if (stripped === key) stripped = key.replace(/^https:\/\//, '');
  if (legacyFormat || stripped !== key) stripped = stripped.split('/')[0]!;
  return normalizeRegistry(stripped);
}

function normalizeRegistry(registry: string): string {
  return registry === 'registry-1.docker.io' || registry === 'docker.io' ? 'index.docker.io' : registry;
}

/** docker-credential-helpers client.Get: `docker-credential-<helper> get` with the registry on stdin. */
async function getCredsFromCredHelper(helper: string, registry: string, opts: CredentialOptions): Promise<Credentials> {
  const program = `docker-credential-${helper}`;
  const { code, stdout, spawnError } = await runHelper(program, registry, opts.env);
  const out = stdout.trim();
  if (spawnError !== undefined || code !== 0) {
    if (out.includes('credentials not found in native keychain')) {
      opts.trace.debug(`Not logged in to ${registry} with credential helper ${helper}`);
      return NO_CREDENTIALS;
    }
    const err = spawnError !== undefined ? `exec: ${JSON.stringify(program)}: executable file not found in $PATH` : `exit status ${code}`;
    // The helper's output on failure is an error text, not a secret; still capped so a chatty helper can't flood us.
    throw new ImageSourceError(`error getting credentials - err: ${err}, out: \`${out.slice(0, 200)}\``);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    // JSON.parse-ok: a credential helper's answer on the user's machine, not attacker-served
    parsed = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new ImageSourceError(`error reading credentials from ${program}: invalid JSON`);
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (username === '<token>') return { username: '', password: '', identityToken: secret };
  return { username, password: secret, identityToken: '' };
}

function runHelper(
  program: string,
  input: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ code: number | null; stdout: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(program, ['get'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'ignore'] });
    } catch (e) {
      resolve({ code: null, stdout: '', spawnError: e as Error });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    child.on('error', (e) => resolve({ code: null, stdout: '', spawnError: e }));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') }));
    child.stdin.on('error', () => undefined); // the helper may exit without reading stdin
    child.stdin.end(input);
  });
}

/** Go's encoding/json syntax error for a file JSON.parse refused (a fixed text if Go's reader would accept it). */
