import { opendir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImageSourceError } from '../errors.js';
import { redacted } from '../go/net/url.js';
import { errnoText, isNotExist, pathError, readTextFile } from '../go/os.js';
import { LIMITS } from '../limits.js';
import type { DockerReference, ImageReference } from '../reference/index.js';
import type { Trace } from '../trace.js';

/**
 * containers-registries.d(5), the part c/image's docker transport reads when *pulling*: where simple-signing
 * signatures live (`lookaside`, legacy `sigstore`) and whether cosign-style `.sig` attachments are looked up
 * (`use-sigstore-attachments`). Mirrors docker/registries_d.go of containers/image 5.34; the debug lines recorded
 * on the trace are c/image's own texts (leading spaces included) so `--debug` output lines up with skopeo's.
 */

/** One `docker:` namespace entry or the `default-docker` entry. Unknown keys are ignored, as yaml.v3 does. */
export interface RegistryNamespace {
  lookaside?: string;
  lookasideStaging?: string;
  sigstore?: string;
  sigstoreStaging?: string;
  /** `undefined` = not set here (the lookup then continues to less specific sections). */
  useSigstoreAttachments?: boolean;
}

export interface RegistriesDConfig {
  /** The directory that was read (or would have been, when it does not exist). */
  readonly dir: string;
  readonly defaultDocker?: RegistryNamespace;
  readonly docker: ReadonlyMap<string, RegistryNamespace>;
}

export interface RegistriesDirOptions {
  registriesDir?: string;
  homeDir: string;
  /** Root of the system configuration (default /etc), for tests. */
  etcDir?: string;
}

/** c/image registriesDirPath: the override, else the per-user directory if it exists, else the system one. */
export async function registriesDirPath(opts: RegistriesDirOptions): Promise<string> {
  if (opts.registriesDir) return opts.registriesDir;
  const user = join(opts.homeDir, '.config/containers/registries.d');
  try {
    await stat(user);
    return user;
  } catch {
    return join(opts.etcDir ?? '/etc', 'containers/registries.d');
  }
}

/** Reads and merges every `*.yaml` file of the directory (a missing directory is an empty configuration). */
export async function loadRegistriesD(opts: RegistriesDirOptions & { trace: Trace }): Promise<RegistriesDConfig> {
  const dir = await registriesDirPath(opts);
  opts.trace.debug(`Using registries.d directory ${dir}`, { registriesDir: dir });
  return loadAndMergeRegistriesD(dir);
}

export async function loadAndMergeRegistriesD(dir: string): Promise<RegistriesDConfig> {
  const docker = new Map<string, RegistryNamespace>();
  const nsFrom = new Map<string, string>();
  let defaultDocker: RegistryNamespace | undefined;
  let defaultFrom = '';

  let names: string[];
  try {
    names = await directoryOrder(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { dir, docker };
    // os.Open succeeds on a file; Go's Readdirnames then fails.
    throw new ImageSourceError(`${code === 'ENOTDIR' ? 'readdirent' : 'open'} ${dir}: ${errnoText(e)}`);
  }
  for (const name of names) {
    if (!name.endsWith('.yaml')) continue;
    const path = join(dir, name);
    let text: string;
    try {
      text = await readTextFile(path, { limit: LIMITS.maxConfigFileBytes });
    } catch (e) {
      if (isNotExist(e)) continue;
      throw new ImageSourceError(pathError('open', path, e).message);
    }
    const file = await parseRegistriesDFile(text, path);
    if (file.defaultDocker !== undefined) {
      if (defaultDocker !== undefined) {
        throw new ImageSourceError(
          `Error parsing signature storage configuration: "default-docker" defined both in ${JSON.stringify(defaultFrom)} and ${JSON.stringify(path)}`,
        );
      }
      defaultDocker = file.defaultDocker;
      defaultFrom = path;
    }
    for (const [ns, cfg] of file.docker) {
      if (docker.has(ns)) {
        throw new ImageSourceError(
          `Error parsing signature storage configuration: "docker" namespace ${JSON.stringify(ns)} defined both in ${JSON.stringify(nsFrom.get(ns))} and ${JSON.stringify(path)}`,
        );
      }
      docker.set(ns, cfg);
      nsFrom.set(ns, path);
    }
  }
  return { dir, docker, ...(defaultDocker !== undefined ? { defaultDocker } : {}) };
}

/**
 * Go's Readdirnames: the names in directory (getdents) order, which decides which pair c/image's duplicate-definition
 * errors name. Node's readdir sorts them; opendir's iterator does not.
 */
async function directoryOrder(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of await opendir(dir)) names.push(entry.name);
  return names;
}

/** One file, decoded the way yaml.v3 decodes into c/image's struct (lenient scalars, YAML 1.1 booleans for bools). */
async function parseRegistriesDFile(text: string, path: string): Promise<{ defaultDocker?: RegistryNamespace; docker: Map<string, RegistryNamespace> }> {
  const { parseAllDocuments, isAlias, isMap, isScalar, LineCounter } = await import('yaml');
  const lineCounter = new LineCounter();
  // yaml.v3 Unmarshal decodes the first document of a stream and never looks at the others.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = Array.isArray(docs) ? docs[0] : docs;
  if (first === undefined) return { docker: new Map() };
  const doc = first;
  // Anchors and aliases (`default-docker: *d`) decode as the anchored node, as in yaml.v3.
  const deref = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new ImageSourceError(`parsing ${path}: yaml: ${line !== undefined ? `line ${line}: ` : ''}${err.message.split('\n')[0]}`);
  }
  const unmarshalErrors: string[] = [];
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : 0;
  };
  const typeError = (node: unknown, target: string): void => {
    const tag = isScalar(node) ? scalarTag(node.value) : isMap(node) ? '!!map' : '!!seq';
    const value = isScalar(node) ? ` \`${String(node.source ?? node.value)}\`` : '';
    unmarshalErrors.push(`line ${lineOf(node)}: cannot unmarshal ${tag}${value} into ${target}`);
  };

  const readNamespace = (raw: unknown): RegistryNamespace | undefined => {
    const node = deref(raw);
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return {};
    if (!isMap(node)) {
      typeError(node, 'docker.registryNamespace');
      return undefined;
    }
    const ns: RegistryNamespace = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const v = deref(pair.value);
      const str = (): string | undefined => {
        if (v === null || (isScalar(v) && v.value === null)) return undefined;
        if (!isScalar(v)) {
          typeError(v, 'string');
          return undefined;
        }
        return String(v.source ?? v.value);
      };
      switch (key) {
        case 'lookaside': { const s = str(); if (s !== undefined) ns.lookaside = s; break; }
        case 'lookaside-staging': { const s = str(); if (s !== undefined) ns.lookasideStaging = s; break; }
        case 'sigstore': { const s = str(); if (s !== undefined) ns.sigstore = s; break; }
        case 'sigstore-staging': { const s = str(); if (s !== undefined) ns.sigstoreStaging = s; break; }
        case 'use-sigstore-attachments': {
          if (v === null || (isScalar(v) && v.value === null)) break; // null leaves the *bool nil: "not set"
          const b = isScalar(v) ? yamlV3Bool(v.value) : undefined;
          if (b === undefined) typeError(v, 'bool');
          else ns.useSigstoreAttachments = b;
          break;
        }
        default:
          break; // unknown keys are ignored, as yaml.v3 does for a struct
      }
    }
    return ns;
  };

  const out: { defaultDocker?: RegistryNamespace; docker: Map<string, RegistryNamespace> } = { docker: new Map() };
  const root = deref(doc.contents);
  if (root === null || (isScalar(root) && root.value === null)) return out;
  if (!isMap(root)) {
    typeError(root, 'docker.registryConfiguration');
  } else {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === 'default-docker') {
        const v = deref(pair.value);
        if (v === null || (isScalar(v) && v.value === null)) continue; // a nil pointer: not defined
        const ns = readNamespace(v);
        if (ns) out.defaultDocker = ns;
      } else if (key === 'docker') {
        const v = deref(pair.value);
        if (v === null || (isScalar(v) && v.value === null)) continue;
        if (!isMap(v)) {
          typeError(v, 'map[string]docker.registryNamespace');
          continue;
        }
        for (const nsPair of v.items) {
          const name = isScalar(nsPair.key) ? String(nsPair.key.value) : '';
          const ns = readNamespace(nsPair.value);
          if (ns) out.docker.set(name, ns);
        }
      }
    }
  }
  if (unmarshalErrors.length > 0) {
    throw new ImageSourceError(`parsing ${path}: yaml: unmarshal errors:\n  ${unmarshalErrors.join('\n  ')}`);
  }
  return out;
}

/** yaml.v3 decoding into a Go bool: real booleans, plus the YAML 1.1 spellings it accepts for typed bool targets. */
function yamlV3Bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  if (['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON'].includes(v)) return true;
  if (['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF'].includes(v)) return false;
  return undefined;
}

function scalarTag(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? '!!int' : '!!float';
  if (typeof v === 'boolean') return '!!bool';
  return '!!str';
}

/**
 * c/image useSigstoreAttachments: candidates are the identity, then its namespaces (most specific first), then
 * `default-docker`; **the first candidate that sets the key decides** (spec §7.9), none → false.
 * `ref` must be the physical reference (the registry actually used).
 */
export function useSigstoreAttachments(config: RegistriesDConfig, ref: ImageReference, trace: Trace): boolean {
  for (const name of candidateSections(ref)) {
    const ns = config.docker.get(name);
    if (ns === undefined) continue;
    trace.debug(` Sigstore attachments: using "docker" namespace ${name}`, { section: name });
    if (ns.useSigstoreAttachments !== undefined) return ns.useSigstoreAttachments;
  }
  if (config.defaultDocker !== undefined) {
    trace.debug(` Sigstore attachments: using "default-docker" configuration`, { section: 'default-docker' });
    if (config.defaultDocker.useSigstoreAttachments !== undefined) return config.defaultDocker.useSigstoreAttachments;
  }
  return false;
}

export interface LookasideDefaults {
  homeDir: string;
  /** c/image uses /var/lib/containers/sigstore for euid 0, `$HOME/.local/share/containers/sigstore` otherwise. */
  euid: number;
}

/**
 * A lookaside location without a URL scheme (`lookaside: /srv/sigs`): Go's url.Parse accepts it as a relative URL,
 * and c/image only fails when it reads a signature from it ("Unsupported scheme …"), so it is kept as the string Go
 * would print.
 */
export interface SchemelessURL {
  readonly protocol: '';
  readonly href: string;
}

export type LookasideURL = URL | SchemelessURL;

/** A scheme as Go's url.Parse finds one: letters first, then letters, digits, `+`, `-`, `.`, up to the first `:`. */
const GO_URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * c/image lookasideStorageBaseURL (read side): the first candidate section with a non-empty `lookaside` (or legacy
 * `sigstore`), else the built-in default; the repository path (no host, tag or digest) is appended.
 */
export function lookasideBaseURL(config: RegistriesDConfig, ref: ImageReference, defaults: LookasideDefaults, trace: Trace): LookasideURL {
  const topLevel = lookasideTopLevel(config, ref, trace);
  let base: URL;
  const repo = dockerRefOf(ref).path;
  if (posix.normalize(repo) !== repo) {
    // Not reachable for valid docker references (no . or .. components), kept because the path is joined into a URL.
    throw new ImageSourceError(`Unexpected path elements in Docker reference ${dockerRefOf(ref).toString()} for signature storage`);
  }
  if (topLevel !== '') {
    if (!GO_URL_SCHEME.test(topLevel)) return { protocol: '', href: `${topLevel}/${repo}` };
    try {
      base = new URL(topLevel);
    } catch (e) {
      throw new ImageSourceError(`Invalid signature storage URL ${topLevel}: ${(e as Error).message}`);
    }
  } else {
    const dir = defaults.euid === 0 ? '/var/lib/containers/sigstore' : join(defaults.homeDir, '.local/share/containers/sigstore');
    base = pathToFileURL(dir);
    trace.debug(` No signature storage configuration found for ${ref.policyConfigurationIdentity()}, using built-in default ${redacted(base)}`);
  }
  // Go appends to url.Path, which is "" for `https://host`; WHATWG URLs say "/" there.
  base.pathname = (base.pathname === '/' ? '' : base.pathname) + '/' + repo;
  return base;
}

function lookasideTopLevel(config: RegistriesDConfig, ref: ImageReference, trace: Trace): string {
  for (const name of candidateSections(ref)) {
    const ns = config.docker.get(name);
    if (ns === undefined) continue;
    trace.debug(` Lookaside configuration: using "docker" namespace ${name}`, { section: name });
    const t = namespaceTopLevel(ns, trace);
    if (t !== '') return t;
  }
  if (config.defaultDocker !== undefined) {
    trace.debug(` Lookaside configuration: using "default-docker" configuration`, { section: 'default-docker' });
    const t = namespaceTopLevel(config.defaultDocker, trace);
    if (t !== '') return t;
  }
  return '';
}

function namespaceTopLevel(ns: RegistryNamespace, trace: Trace): string {
  if (ns.lookaside) {
    trace.debug(`  Using "lookaside" ${ns.lookaside}`);
    return ns.lookaside;
  }
  if (ns.sigstore) {
    trace.debug(`  Using "sigstore" ${ns.sigstore}`);
    return ns.sigstore;
  }
  return '';
}

function candidateSections(ref: ImageReference): string[] {
  return [ref.policyConfigurationIdentity(), ...ref.policyConfigurationNamespaces()];
}

/**
 * The lookaside URL of signature N (1-based): `<base>@<algorithm>=<hex>/signature-N`. The digest is validated first
 * because it becomes part of a path (c/image: "could possibly result in a path with ../").
 */
export function lookasideSignatureURL(base: LookasideURL, manifestDigest: string, n: number): LookasideURL {
  const m = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(manifestDigest);
  if (!m) throw new ImageSourceError(`invalid checksum digest format`);
  const suffix = `@${m[1]}=${m[2]}/signature-${n}`;
  if (!(base instanceof URL)) return { protocol: '', href: base.href + suffix };
  const u = new URL(base.href);
  u.pathname = `${u.pathname}${suffix}`;
  return u;
}

function dockerRefOf(ref: ImageReference): DockerReference {
  const d = ref.dockerReference();
  if (!d) throw new ImageSourceError(`internal error: ${ref.toString()} has no docker reference`);
  return d;
}

