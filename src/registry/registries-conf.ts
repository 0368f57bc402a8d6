import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as tomlParse } from 'smol-toml';
import { ImageSourceError } from '../errors.js';
import { parseCanonicalDockerReference, parseRawDockerReference, type DockerReference } from '../reference/index.js';
import type { Trace } from '../trace.js';
import { goQuote } from '../go/fmt.js';
import { readTextFile } from '../go/os.js';
import { LIMITS } from '../limits.js';

/**
 * containers-registries.conf(5), the part a *pull* reads, as containers/image 5.34's pkg/sysregistriesv2 does:
 * `[[registry]]` entries (prefix, location, insecure, blocked, mirrors with `pull-from-mirror` /
 * `mirror-by-digest-only`), drop-ins in `registries.conf.d/*.conf` that replace entries by prefix, the rootless
 * per-user file, and the v1 `[registries.search|insecure|block]` format, and `credential-helpers`. Short-name aliases
 * and search registries only matter for short names, which imgpolicy never resolves (a `docker:` reference is always
 * fully qualified), but they are validated as c/image validates them: a file c/image refuses is refused here too.
 *
 * Errors carry c/image's texts (`registry %s is blocked in %s or %s`, `invalid condition: …`); TOML syntax and type
 * errors are worded by our parser, not BurntSushi/toml, so only their prefix matches c/image.
 */

export type PullFromMirror = '' | 'all' | 'digest-only' | 'tag-only';

/** One place images can be pulled from: the registry itself or one of its mirrors. */
export interface Endpoint {
  /** host[:port][/namespace…]; '' only for a `*.example.com` prefix without location (= the reference itself). */
  readonly location: string;
  /** TLS verification off for this endpoint (and http tried after https), unless --tls-verify decides. */
  readonly insecure: boolean;
  /** Only for mirrors; '' = all. */
  readonly pullFromMirror: PullFromMirror;
}

export interface RegistryEntry extends Endpoint {
  readonly prefix: string;
  readonly mirrors: readonly Endpoint[];
  readonly blocked: boolean;
  readonly mirrorByDigestOnly: boolean;
}

export interface RegistriesConf {
  /** Sorted by prefix, one entry per prefix (c/image's order, which decides ties in the longest-prefix lookup). */
  readonly registries: readonly RegistryEntry[];
  /** For the `blocked` message: c/image ConfigPath / ConfigDirPath. */
  readonly configPath: string;
  readonly configDirPath: string;
  /**
   * `credential-helpers`, the last file that sets it winning; c/image's default when none does is the auth files
   * alone (`containers-auth.json`).
   */
  readonly credentialHelpers?: readonly string[];
}

export interface PullSource {
  readonly endpoint: Endpoint;
  /** The physical reference to read from this endpoint. */
  readonly reference: DockerReference;
  /** True for a `[[registry.mirror]]` endpoint (false for the registry's own location). */
  readonly mirror: boolean;
}

export interface RegistriesConfOptions {
  /** `--registries-conf` (c/image SystemRegistriesConfPath). */
  registriesConf?: string;
  /**
   * Only to say, in the trace, that CONTAINERS_REGISTRIES_CONF / REGISTRIES_CONFIG_PATH are ignored: podman's
   * c/common reads them, but c/image (skopeo, CRI-O) does not, and CRI-O's verdict is the one imgpolicy gives.
   */
  env?: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** Root of the system configuration (default /etc), for tests. */
  etcDir?: string;
}

/** c/image configWrapper: which main file and which drop-in directories are read. */
export interface RegistriesConfPaths {
  configPath: string;
  /** true when the path was given explicitly: then a missing file is an error. */
  explicit: boolean;
  configDirPath?: string;
  userConfigDirPath?: string;
}

export class RegistriesConfError extends ImageSourceError {}

const USER_FILE = '.config/containers/registries.conf';
const USER_DIR = '.config/containers/registries.conf.d';

/** The explicit path, if any: `--registries-conf` (c/image SystemRegistriesConfPath; "" = not set). */
export function explicitRegistriesConfPath(opts: Pick<RegistriesConfOptions, 'registriesConf'>): string | undefined {
  return opts.registriesConf ? opts.registriesConf : undefined;
}

/** podman's variables, which c/image (and so skopeo and CRI-O) does not read. */
export const IGNORED_REGISTRIES_CONF_ENV = ['CONTAINERS_REGISTRIES_CONF', 'REGISTRIES_CONFIG_PATH'] as const;

/**
 * c/image newConfigWrapperWithHomeDir: an explicit path still reads the system and per-user drop-in directories;
 * the per-user file, when it exists, replaces the system file and the system drop-ins.
 */
export async function registriesConfPaths(opts: RegistriesConfOptions): Promise<RegistriesConfPaths> {
  const etc = opts.etcDir ?? '/etc';
  const userFile = join(opts.homeDir, USER_FILE);
  const userDir = join(opts.homeDir, USER_DIR);
  const systemDir = join(etc, 'containers/registries.conf.d');
  const explicit = explicitRegistriesConfPath(opts);
  if (explicit !== undefined) return { configPath: explicit, explicit: true, configDirPath: systemDir, userConfigDirPath: userDir };
  if (await exists(userFile)) return { configPath: userFile, explicit: false, userConfigDirPath: userDir };
  return { configPath: join(etc, 'containers/registries.conf'), explicit: false, configDirPath: systemDir, userConfigDirPath: userDir };
}

/** c/image tryUpdatingCache: the main file (absent = empty unless explicit), then every drop-in in order. */
export async function loadRegistriesConf(opts: RegistriesConfOptions & { trace: Trace }): Promise<RegistriesConf> {
  for (const name of IGNORED_REGISTRIES_CONF_ENV) {
    const v = opts.env?.[name];
    if (v !== undefined) {
      opts.trace.debug(`Ignoring ${name}=${goQ(v)}: containers/image (skopeo, CRI-O) does not read it (podman does); use --registries-conf`, {
        ignoredEnv: name,
      });
    }
  }
  const paths = await registriesConfPaths(opts);
  let registries: RegistryEntry[];
  let credentialHelpers: readonly string[] | undefined;
  try {
    const main = await loadConfigFile(paths.configPath, false, opts.trace);
    registries = main.registries;
    credentialHelpers = main.credentialHelpers;
  } catch (e) {
    if (isNotExist(e) && !paths.explicit) registries = [];
    else throw new RegistriesConfError(`loading registries configuration ${goQ(paths.configPath)}: ${errText(e, paths.configPath)}`);
  }
  for (const path of await dropInConfigs(paths)) {
    let dropIn: ParsedConfigFile;
    try {
      dropIn = await loadConfigFile(path, true, opts.trace);
    } catch (e) {
      if (isNotExist(e)) continue; // e.g. a dangling symlink, as c/image skips fs.ErrNotExist
      throw new RegistriesConfError(`loading drop-in registries configuration ${goQ(path)}: ${errText(e, path)}`);
    }
    registries = mergeByPrefix(registries, dropIn.registries);
    // TOML leaves an absent array nil: only a file that sets the key replaces the helpers.
    if (dropIn.credentialHelpers !== undefined) credentialHelpers = dropIn.credentialHelpers;
  }
  return {
    registries,
    configPath: paths.configPath,
    configDirPath: paths.userConfigDirPath ?? paths.configDirPath ?? '',
    ...(credentialHelpers !== undefined && credentialHelpers.length > 0 ? { credentialHelpers } : {}),
  };
}

/** Parses one registries.conf text (exported for unit tests): c/image loadConfigFile without the file I/O. */
export function parseRegistriesConf(text: string, forceV2 = false): RegistryEntry[] {
  return decode(text, forceV2).registries;
}

interface ParsedConfigFile {
  registries: RegistryEntry[];
  /** undefined = the key is absent (a nil slice in Go). */
  credentialHelpers?: string[];
}

/** Builds a configuration from files already parsed (tests): later lists replace earlier entries by prefix. */
export function mergeRegistriesConf(files: RegistryEntry[][], configPath = '/etc/containers/registries.conf', configDirPath = ''): RegistriesConf {
  return { registries: files.reduce<RegistryEntry[]>((acc, f) => mergeByPrefix(acc, f), []), configPath, configDirPath };
}

// ------------------------------------------------------------------------------------------------ lookup

/**
 * c/image refMatchingPrefix: `prefix` matches `ref` when it is equal, or followed by `:`, `/` or `@`; a
 * `*.example.com` prefix matches any subdomain in the host part. Returns the length of `ref` the prefix covers, or -1.
 */
export function refMatchingPrefix(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) return refMatchingSubdomainPrefix(ref, prefix);
  if (ref.length < prefix.length) return -1;
  if (ref.length === prefix.length) return ref === prefix ? prefix.length : -1;
  if (!ref.startsWith(prefix)) return -1;
  const c = ref[prefix.length];
  return c === ':' || c === '/' || c === '@' ? prefix.length : -1;
}

function refMatchingSubdomainPrefix(ref: string, prefix: string): number {
  // c/image looks at the FIRST occurrence of `.example.com` only, and it must lie before any `/`.
  const suffix = prefix.slice(1);
  let index = ref.indexOf(suffix);
  if (index === -1 || ref.slice(0, index).includes('/')) return -1;
  index += suffix.length;
  if (index === ref.length) return index;
  const c = ref[index];
  return c === ':' || c === '/' || c === '@' ? index : -1;
}

/** c/image FindRegistry: the entry with the longest matching prefix (first in prefix order on ties), else undefined. */
export function findRegistry(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let found: RegistryEntry | undefined;
  let len = 0;
  for (const r of conf.registries) {
    if (refMatchingPrefix(name, r.prefix) !== -1 && r.prefix.length > len) {
      found = r;
      len = r.prefix.length;
    }
  }
  return found;
}

/** c/image newImageSource's fallback when no entry matches: the reference itself, no mirrors. */
export function defaultRegistryFor(ref: DockerReference): RegistryEntry {
  const s = ref.toString();
  return { prefix: s, location: s, insecure: false, pullFromMirror: '', mirrors: [], blocked: false, mirrorByDigestOnly: false };
}

/**
 * c/image PullSourcesFromReference: the mirrors that apply to this reference (digest-only mirrors only for digest
 * references, tag-only ones only for tagged references; `mirror-by-digest-only` on the registry = every mirror is
 * digest-only), in file order, then — always last — the registry's own location, each with its rewritten reference.
 */
export function pullSourcesFromReference(reg: RegistryEntry, ref: DockerReference): PullSource[] {
  const digested = ref.digest !== undefined;
  const eps: { ep: Endpoint; mirror: boolean }[] = [];
  for (const m of reg.mirrors) {
    const mode = reg.mirrorByDigestOnly ? 'digest-only' : m.pullFromMirror;
    if (mode === 'digest-only' && !digested) continue;
    if (mode === 'tag-only' && digested) continue;
    eps.push({ ep: m, mirror: true });
  }
  eps.push({ ep: reg, mirror: false });
  return eps.map(({ ep, mirror }) => ({ endpoint: ep, reference: rewriteReference(ep, ref, reg.prefix), mirror }));
}

/** c/image Endpoint.rewriteReference: replaces the matched prefix by the endpoint's location; the result must be canonical. */
export function rewriteReference(ep: Endpoint, ref: DockerReference, prefix: string): DockerReference {
  const refString = ref.toString();
  const prefixLen = refMatchingPrefix(refString, prefix);
  if (prefixLen === -1) throw new RegistriesConfError(`invalid prefix '${prefix}' for reference '${refString}'`);
  if (ep.location === '') {
    if (!prefix.startsWith('*.')) throw new RegistriesConfError(`invalid prefix '${prefix}' for empty location, should be in the format: *.example.com`);
    return ref;
  }
  try {
    return parseCanonicalDockerReference(ep.location + refString.slice(prefixLen));
  } catch (e) {
    throw new RegistriesConfError(`rewriting reference: ${(e as Error).message}`);
  }
}

/** The `registry %s is blocked in %s or %s` check c/image makes in newDockerClient, for the physical name. */
export function checkNotBlocked(conf: RegistriesConf, physicalName: string): void {
  const reg = findRegistry(conf, physicalName);
  if (reg?.blocked) throw new RegistriesConfError(`registry ${reg.prefix} is blocked in ${conf.configPath} or ${conf.configDirPath}`);
}

// ------------------------------------------------------------------------------------------------ files

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function isNotExist(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Go's *PathError wording for the common cases, so messages read like c/image's. */
function errText(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  if (code === 'EISDIR') return `read ${path}: is a directory`;
  return (e as Error).message;
}

/** c/image dropInConfigs: `*.conf` directly in each directory (no recursion), in lexical order; missing dirs are skipped. */
async function dropInConfigs(paths: RegistriesConfPaths): Promise<string[]> {
  const out: string[] = [];
  for (const dir of [paths.configDirPath, paths.userConfigDirPath]) {
    if (!dir) continue;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code === 'ENOTDIR') {
        // filepath.WalkDir on a file visits the file itself.
        if (dir.endsWith('.conf')) out.push(dir);
        continue;
      }
      throw new RegistriesConfError(`reading registries.conf.d: ${errText(e, dir)}`);
    }
    const names = entries.filter((d) => !d.isDirectory() && d.name.endsWith('.conf')).map((d) => d.name);
    names.sort(byteOrder);
    for (const n of names) out.push(join(dir, n));
  }
  return out;
}

async function loadConfigFile(path: string, forceV2: boolean, trace: Trace): Promise<ParsedConfigFile> {
  trace.debug(`Loading registries configuration ${goQ(path)}`, { registriesConf: path });
  const text = await readTextFile(path, { limit: LIMITS.maxConfigFileBytes });
  return decode(text, forceV2);
}

/** c/image updateWithConfigurationFrom: a drop-in's entry replaces the whole entry of the same prefix. */
function mergeByPrefix(base: readonly RegistryEntry[], updates: readonly RegistryEntry[]): RegistryEntry[] {
  const m = new Map<string, RegistryEntry>();
  for (const r of base) m.set(r.prefix, r);
  for (const r of updates) m.set(r.prefix, r);
  return [...m.keys()].sort(byteOrder).map((k) => m.get(k)!);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// ------------------------------------------------------------------------------------------------ decoding

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function tomlType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isTable(v)) return 'table';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) ? 'integer' : 'float';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return 'datetime';
}

function typeError(key: string, v: unknown, want: string): RegistriesConfError {
  return new RegistriesConfError(`toml: (last key ${goQ(key)}): incompatible types: TOML value has type ${tomlType(v)}; destination has type ${want}`);
}

function str(t: Table, k: string, where: string): string {
  const v = t[k];
  if (v === undefined) return '';
  if (typeof v !== 'string') throw typeError(`${where}${k}`, v, 'string');
  return v;
}

function bool(t: Table, k: string, where: string): boolean {
  const v = t[k];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw typeError(`${where}${k}`, v, 'boolean');
  return v;
}

/** `undefined` when absent (Go nil slice), else the strings. */
function strList(t: Table, k: string, where: string): string[] | undefined {
  const v = t[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw typeError(`${where}${k}`, v, 'slice');
  return v.map((x) => {
    if (typeof x !== 'string') throw typeError(`${where}${k}`, x, 'string');
    return x;
  });
}

function tableList(t: Table, k: string, where: string): Table[] | undefined {
  const v = t[k];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw typeError(`${where}${k}`, v, 'slice');
  return v.map((x) => {
    if (!isTable(x)) throw typeError(`${where}${k}`, x, 'struct');
    return x;
  });
}

interface RawRegistry {
  prefix: string;
  location: string;
  insecure: boolean;
  pullFromMirror: string;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: { location: string; insecure: boolean; pullFromMirror: string }[];
}

function decode(text: string, forceV2: boolean): ParsedConfigFile {
  let doc: Table;
  try {
    doc = tomlParse(text) as Table;
  } catch (e) {
    throw new RegistriesConfError(`toml: ${(e as Error).message.split('\n')[0]}`);
  }

  // v1: [registries.search|insecure|block] registries = [...]
  let v1Set = false;
  const v1: Record<'search' | 'insecure' | 'block', string[] | undefined> = { search: undefined, insecure: undefined, block: undefined };
  const rs = doc['registries'];
  if (rs !== undefined) {
    if (!isTable(rs)) throw typeError('registries', rs, 'sysregistriesv2.V1TOMLConfig');
    for (const k of ['search', 'insecure', 'block'] as const) {
      const sub = rs[k];
      if (sub === undefined) continue;
      if (!isTable(sub)) throw typeError(`registries.${k}`, sub, 'sysregistriesv2.V1TOMLregistries');
      v1[k] = strList(sub, 'registries', `registries.${k}.`);
      if (v1[k] !== undefined) v1Set = true;
    }
  }

  const regTables = tableList(doc, 'registry', '');
  const unqualified = strList(doc, 'unqualified-search-registries', '');
  const helpers = strList(doc, 'credential-helpers', '');
  const shortNameMode = str(doc, 'short-name-mode', '');
  const alsHelper = str(doc, 'additional-layer-store-auth-helper', '');
  const aliases = doc['aliases'];
  if (aliases !== undefined && !isTable(aliases)) throw typeError('aliases', aliases, 'map[string]string');
  const v2Set = regTables !== undefined || unqualified !== undefined || helpers !== undefined || shortNameMode !== '' || alsHelper !== '' || aliases !== undefined;

  let raws: RawRegistry[];
  let search = unqualified;
  if (v1Set) {
    if (forceV2) throw new RegistriesConfError('registry must be in v2 format but is in v1');
    if (v2Set) throw new RegistriesConfError('mixing sysregistry v1/v2 is not supported');
    raws = convertV1(v1.block ?? [], v1.insecure ?? []);
    search = v1.search;
  } else {
    raws = (regTables ?? []).map((t) => {
      const where = 'registry.';
      return {
        prefix: str(t, 'prefix', where),
        location: str(t, 'location', where),
        insecure: bool(t, 'insecure', where),
        pullFromMirror: str(t, 'pull-from-mirror', where),
        blocked: bool(t, 'blocked', where),
        mirrorByDigestOnly: bool(t, 'mirror-by-digest-only', where),
        mirrors: (tableList(t, 'mirror', where) ?? []).map((m) => ({
          location: str(m, 'location', 'registry.mirror.'),
          insecure: bool(m, 'insecure', 'registry.mirror.'),
          pullFromMirror: str(m, 'pull-from-mirror', 'registry.mirror.'),
        })),
      };
    });
  }

  const entries = postProcess(raws, search);
  if (shortNameMode !== '' && !['disabled', 'enforcing', 'permissive'].includes(shortNameMode)) {
    throw new RegistriesConfError(`invalid short-name mode: ${goQ(shortNameMode)}`);
  }
  for (const r of entries) {
    if (r.prefix.startsWith('*.') && /[/@:]/.test(r.prefix)) {
      throw new RegistriesConfError(`Wildcarded prefix should be in the format: *.example.com. Current prefix ${goQ(r.prefix)} is incorrectly formatted`);
    }
  }
  if (aliases !== undefined) validateAliases(aliases);
  return { registries: entries, ...(helpers !== undefined ? { credentialHelpers: helpers } : {}) };
}

/**
 * c/image newShortNameAliasCache: every name must be a short name without tag or digest, every non-empty value a
 * fully qualified repository; all malformed entries are reported at once (c/image joins them with "\n: ").
 * (Go iterates the map in random order; with several bad entries we keep file order, which is one of its orders.)
 */
function validateAliases(aliases: Table): void {
  const errs: string[] = [];
  for (const [name, value] of Object.entries(aliases)) {
    if (typeof value !== 'string') throw typeError(`aliases.${name}`, value, 'string');
    const nameErr = shortNameError(name);
    if (nameErr !== undefined) errs.push(nameErr);
    if (value === '') continue;
    const valueErr = aliasValueError(value);
    if (valueErr !== undefined) errs.push(valueErr);
  }
  if (errs.length > 0) throw new RegistriesConfError(`validating short-name aliases: ${errs.join('\n: ')}`);
}

/** c/image validateShortName. */
function shortNameError(name: string): string | undefined {
  let ref: DockerReference;
  try {
    ref = parseRawDockerReference(name);
  } catch (e) {
    return `cannot parse short name: ${goQ(name)}: ${(e as Error).message}`;
  }
  if (ref.digest !== undefined) return `invalid short name ${goQ(name)}: must not contain digest`;
  if (ref.tag !== undefined) return `invalid short name ${goQ(name)}: must not contain tag`;
  if (/[.:]/.test(ref.domain) || ref.domain === 'localhost') return `invalid short name ${goQ(name)}: must not contain registry`;
  return undefined;
}

/** c/image parseShortNameValue. */
function aliasValueError(alias: string): string | undefined {
  let ref: DockerReference;
  try {
    ref = parseRawDockerReference(alias);
  } catch (e) {
    return `parsing alias ${goQ(alias)}: ${(e as Error).message}`;
  }
  if (ref.digest !== undefined) return `invalid alias ${goQ(alias)}: must not contain digest`;
  if (ref.tag !== undefined) return `invalid alias ${goQ(alias)}: must not contain tag`;
  if (!(/[.:]/.test(ref.domain) || ref.domain === 'localhost')) return `invalid alias ${goQ(alias)}: must contain registry and repository`;
  return undefined;
}

/** c/image parseLocation: trailing slashes dropped, URL schemes refused. */
function parseLocation(input: string): string {
  const trimmed = input.replace(/\/+$/, '');
  if (trimmed.startsWith('http://') || trimmed.startsWith('https://')) {
    throw new RegistriesConfError(`invalid location '${input}': URI schemes are not supported`);
  }
  return trimmed;
}

/** c/image V1RegistriesConf.ConvertToV2: one entry per location, blocked first, then insecure, in first-seen order. */
function convertV1(block: string[], insecure: string[]): RawRegistry[] {
  const map = new Map<string, RawRegistry>();
  const get = (loc: string): RawRegistry => {
    const l = parseLocation(loc);
    let r = map.get(l);
    if (!r) {
      r = { prefix: l, location: l, insecure: false, pullFromMirror: '', blocked: false, mirrorByDigestOnly: false, mirrors: [] };
      map.set(l, r);
    }
    return r;
  };
  for (const b of block) get(b).blocked = true;
  for (const i of insecure) get(i).insecure = true;
  return [...map.values()];
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
/** docker/reference DomainRegexp of c/image 5.34 (host components and an optional port), anchored. */
const ANCHORED_DOMAIN_RE = new RegExp(`^${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?$`);

/** c/image postProcessRegistries, with its validation order and texts. */
function postProcess(raws: RawRegistry[], search: string[] | undefined): RegistryEntry[] {
  for (const reg of raws) {
    reg.location = parseLocation(reg.location);
    if (reg.prefix === '') {
      if (reg.location === '') throw new RegistriesConfError('invalid condition: both location and prefix are unset');
      reg.prefix = reg.location;
    } else {
      reg.prefix = parseLocation(reg.prefix);
      if (!reg.prefix.startsWith('*.') && reg.location === '') {
        throw new RegistriesConfError('invalid condition: location is unset and prefix is not in the format: *.example.com');
      }
    }
    if (reg.pullFromMirror !== '') throw new RegistriesConfError(`pull-from-mirror must not be set for a non-mirror registry ${goQ(reg.prefix)}`);
    for (const mir of reg.mirrors) {
      // c/image validates a trimmed copy but keeps the mirror's location as written (trailing `/` included), so
      // `mirror.example.com/` later fails to rewrite; we keep that.
      const loc = parseLocation(mir.location);
      if (loc === '') throw new RegistriesConfError('invalid condition: mirror location is unset');
      if (reg.mirrorByDigestOnly && mir.pullFromMirror !== '') {
        throw new RegistriesConfError(
          `cannot set mirror usage mirror-by-digest-only for the registry (${goQ(reg.prefix)}) and pull-from-mirror for per-mirror (${goQ(loc)}) at the same time`,
        );
      }
      if (mir.pullFromMirror !== '' && !['all', 'digest-only', 'tag-only'].includes(mir.pullFromMirror)) {
        throw new RegistriesConfError(`unsupported pull-from-mirror value ${goQ(mir.pullFromMirror)} for mirror ${goQ(loc)}`);
      }
    }
  }
  // Entries sharing a location (or, without location, a prefix) must agree on insecure and blocked.
  const byKey = new Map<string, RawRegistry[]>();
  for (const reg of raws) {
    const k = reg.location === '' ? reg.prefix : reg.location;
    byKey.set(k, [...(byKey.get(k) ?? []), reg]);
  }
  for (const reg of raws) {
    for (const other of byKey.get(reg.location === '' ? reg.prefix : reg.location) ?? []) {
      if (reg.insecure !== other.insecure) throw new RegistriesConfError(`registry '${reg.location}' is defined multiple times with conflicting 'insecure' setting`);
      if (reg.blocked !== other.blocked) throw new RegistriesConfError(`registry '${reg.location}' is defined multiple times with conflicting 'blocked' setting`);
    }
  }
  for (const s of search ?? []) {
    const r = parseLocation(s);
    if (!ANCHORED_DOMAIN_RE.test(r)) throw new RegistriesConfError(`Invalid unqualified-search-registries entry ${goQ(r)}`);
  }
  // The first entry of a prefix wins within one file; the result is sorted by prefix.
  const unique = new Map<string, RawRegistry>();
  for (const reg of raws) if (!unique.has(reg.prefix)) unique.set(reg.prefix, reg);
  return [...unique.keys()].sort(byteOrder).map((k) => {
    const r = unique.get(k)!;
    return {
      prefix: r.prefix,
      location: r.location,
      insecure: r.insecure,
      pullFromMirror: '',
      blocked: r.blocked,
      mirrorByDigestOnly: r.mirrorByDigestOnly,
      mirrors: r.mirrors.map((m) => ({ location: m.location, insecure: m.insecure, pullFromMirror: m.pullFromMirror as PullFromMirror })),
    };
  });
}

const goQ = goQuote;
