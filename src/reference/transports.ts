/**
 * Image references per transport, with the policy identity and namespaces containers/image computes for each
 * (`PolicyConfigurationIdentity` / `PolicyConfigurationNamespaces`), and per-transport scope validation
 * (`ValidatePolicyConfigurationScope`). The policy lookup is plain string equality against these candidates, so
 * they have to be byte-for-byte what CRI-O/podman/skopeo generate; error messages are theirs too.
 *
 * File-system access is limited to what c/image itself does while *parsing* a reference (resolving symlinks of
 * dir:/oci:/sif: paths, checking tarball: files exist); `resolveSymlinks: false` turns it off for pure use.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';

import { errnoText, isNotExist } from '../go/os.js';
import type { DockerReference, ImageReference, TransportName } from './types.js';
import {
  ReferenceParseError,
  digestValidationError,
  dockerReferenceIdentity,
  dockerReferenceNamespaces,
  isFullIdentifier,
  isNameOnly,
  isValidDigest,
  parseDockerReference,
  tagNameOnly,
  trimNamed,
} from './docker-reference.js';

export interface ParseImageReferenceOptions {
  /** Directory relative paths are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /**
   * Resolve symlinks and check existence as c/image does (default true). With false, paths are only made
   * absolute and cleaned — useful when explaining a policy for a machine whose file system is not this one.
   */
  readonly resolveSymlinks?: boolean;
  /** containers-storage defaults when the reference has no `[driver@root]` part (c/image reads storage.conf). */
  readonly storageDriver?: string;
  readonly storageRoot?: string;
  readonly storageRunRoot?: string;
}

/** Every transport name c/image registers (ostree only as a stub: scopes are accepted, references are not). */
export const KNOWN_TRANSPORTS: readonly TransportName[] = [
  'docker',
  'dir',
  'oci',
  'oci-archive',
  'docker-archive',
  'docker-daemon',
  'containers-storage',
  'atomic',
  'sif',
  'tarball',
  'ostree',
];

export function isKnownTransport(name: string): name is TransportName {
  return (KNOWN_TRANSPORTS as readonly string[]).includes(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Path helpers (Go `path/filepath` semantics on POSIX; Node's `path.normalize` differs, e.g. keeps trailing `/`).

/** Go `filepath.Clean`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(part);
    }
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

interface PathContext {
  readonly cwd: string;
  readonly resolveSymlinks: boolean;
}

function absPath(p: string, ctx: PathContext): string {
  return cleanPath(p.startsWith('/') ? p : `${ctx.cwd}/${p}`);
}

function resolveExisting(p: string, ctx: PathContext): string {
  const abs = absPath(p, ctx);
  try {
    return cleanPath(fs.realpathSync(abs));
  } catch (e) {
    throw new ReferenceParseError(`lstat ${abs}: ${errnoText(e)}`);
  }
}

/**
 * `explicitfilepath.ResolvePathToFullyExplicit`: absolute, symlink-free, cleaned. A path that does not exist yet
 * is accepted when its parent does (destinations are created later), with the last component kept as written.
 */
export function resolvePathToFullyExplicit(p: string, ctx: PathContext): string {
  if (!ctx.resolveSymlinks) return absPath(p, ctx);
  const raw = p.startsWith('/') ? p : `${ctx.cwd}/${p}`;
  try {
    fs.lstatSync(raw);
  } catch (e) {
    if (!isNotExist(e)) throw new ReferenceParseError(`lstat ${p}: ${errnoText(e)}`);
    const slash = p.lastIndexOf('/');
    const parent = p.slice(0, slash + 1);
    const file = p.slice(slash + 1);
    const resolvedParent = resolveExisting(parent, ctx);
    if (file === '.' || file === '..') {
      throw new ReferenceParseError(`Unexpectedly missing special filename component in ${p}`);
    }
    return resolvedParent === '/' ? `/${file}` : `${resolvedParent}/${file}`;
  }
  return resolveExisting(p, ctx);
}

/** Parents of an absolute path, most specific first, excluding `/` (dir:, sif:). */
function parentDirectories(resolved: string): string[] {
  const res: string[] = [];
  let path = resolved;
  for (;;) {
    const lastSlash = path.lastIndexOf('/');
    if (lastSlash <= 0) break;
    path = path.slice(0, lastSlash);
    res.push(path);
  }
  return res;
}

/** The path itself, then its parents, excluding `/` (oci:, oci-archive:). */
function selfAndParentDirectories(resolved: string): string[] {
  return resolved === '/' ? [] : [resolved, ...parentDirectories(resolved)];
}

/** Go `%q` for the ASCII strings that appear in these messages. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go `strconv.Atoi`, returning the error text c/image wraps. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Reference classes

abstract class BaseImageReference implements ImageReference {
  abstract readonly transport: TransportName;
  abstract stringWithinTransport(): string;
  abstract dockerReference(): DockerReference | null;
  abstract policyConfigurationIdentity(): string;
  abstract policyConfigurationNamespaces(): string[];

  /** `transports.ImageName`: what c/image prints in `Running image %s is rejected by policy.` */
  toString(): string {
    return `${this.transport}:${this.stringWithinTransport()}`;
  }
}

/**
 * Transports that name a registry image (docker:, atomic:): c/image scopes them exactly like docker references,
 * so they share the identity and namespace rules and differ only in how they print.
 */
abstract class RegistryImageReference extends BaseImageReference {
  constructor(readonly ref: DockerReference) {
    super();
  }
  dockerReference(): DockerReference {
    return this.ref;
  }
  policyConfigurationIdentity(): string {
    return dockerReferenceIdentity(this.ref);
  }
  policyConfigurationNamespaces(): string[] {
    return dockerReferenceNamespaces(this.ref);
  }
}

/**
 * Transports that name a local file or directory (dir:, sif:, oci:, oci-archive:): the resolved path is the
 * identity and its parent directories are the namespaces; the OCI layouts also list the path itself (c/image's
 * oci transports do, the others do not).
 */
abstract class PathImageReference extends BaseImageReference {
  // ES-private, so that a reference's own (enumerable, serialisable) fields stay the ones its transport declares.
  readonly #identityPath: string;
  readonly #selfIsNamespace: boolean;
  constructor(identityPath: string, selfIsNamespace: boolean) {
    super();
    this.#identityPath = identityPath;
    this.#selfIsNamespace = selfIsNamespace;
  }
  dockerReference(): null {
    return null;
  }
  policyConfigurationIdentity(): string {
    return this.#identityPath;
  }
  policyConfigurationNamespaces(): string[] {
    return this.#selfIsNamespace ? selfAndParentDirectories(this.#identityPath) : parentDirectories(this.#identityPath);
  }
}

export class DockerImageReference extends RegistryImageReference {
  readonly transport = 'docker' as const;
  /** `ref` is always tagged or digested, never both (refused at parse time, as c/image does). */
  stringWithinTransport(): string {
    return `//${this.ref.familiar()}`;
  }
}

export class DirImageReference extends PathImageReference {
  readonly transport = 'dir' as const;
  constructor(
    /** As the user wrote it (may be relative or contain symlinks). */
    readonly path: string,
    readonly resolvedPath: string,
  ) {
    super(resolvedPath, false);
  }
  stringWithinTransport(): string {
    return this.path;
  }
}

/** Only the directory is the identity: the image name within the layout is deliberately not part of it. */
export class OciImageReference extends PathImageReference {
  readonly transport = 'oci' as const;
  constructor(
    readonly dir: string,
    readonly resolvedDir: string,
    /** `org.opencontainers.image.ref.name`, or '' */
    readonly image: string,
    /** `@N` manifest index, or -1 */
    readonly sourceIndex: number,
  ) {
    super(resolvedDir, true);
  }
  stringWithinTransport(): string {
    // Upstream prints the colon even with no image name (`/path:`), and we keep its exact rendering.
    return this.sourceIndex === -1 ? `${this.dir}:${this.image}` : `${this.dir}:@${this.sourceIndex}`;
  }
}

export class OciArchiveImageReference extends PathImageReference {
  readonly transport = 'oci-archive' as const;
  constructor(
    readonly file: string,
    readonly resolvedFile: string,
    readonly image: string,
  ) {
    super(resolvedFile, true);
  }
  stringWithinTransport(): string {
    return `${this.file}:${this.image}`;
  }
}

export class DockerArchiveImageReference extends BaseImageReference {
  readonly transport = 'docker-archive' as const;
  constructor(
    readonly path: string,
    /** Tagged (never digested) name inside the archive, or null. */
    readonly ref: DockerReference | null,
    readonly sourceIndex: number,
  ) {
    super();
  }
  stringWithinTransport(): string {
    if (this.ref !== null) return `${this.path}:${this.ref.toString()}`;
    if (this.sourceIndex !== -1) return `${this.path}:@${this.sourceIndex}`;
    return this.path;
  }
  dockerReference(): DockerReference | null {
    return this.ref;
  }
  /** Archives have no identity: only the transport's "" scope can apply. */
  policyConfigurationIdentity(): string {
    return '';
  }
  policyConfigurationNamespaces(): string[] {
    return [];
  }
}

export class DockerDaemonImageReference extends BaseImageReference {
  readonly transport = 'docker-daemon' as const;
  constructor(
    /** `sha256:<hex>` image ID, or '' */
    readonly id: string,
    readonly ref: DockerReference | null,
  ) {
    super();
  }
  stringWithinTransport(): string {
    return this.id !== '' ? this.id : this.ref!.familiar();
  }
  dockerReference(): DockerReference | null {
    return this.ref;
  }
  /** By ID → "" (so the transport default applies); by name → like docker. */
  policyConfigurationIdentity(): string {
    return this.id !== '' ? '' : dockerReferenceIdentity(this.ref!);
  }
  policyConfigurationNamespaces(): string[] {
    return this.id !== '' ? [] : dockerReferenceNamespaces(this.ref!);
  }
}

export interface StorageSpec {
  readonly driver: string;
  readonly root: string;
  readonly runRoot: string;
  readonly options: readonly string[];
}

export class ContainersStorageImageReference extends BaseImageReference {
  readonly transport = 'containers-storage' as const;
  constructor(
    readonly store: StorageSpec,
    /** Tagged and/or digested, or null when identified by ID only. */
    readonly named: DockerReference | null,
    /** 64-hex image ID, or '' */
    readonly id: string,
  ) {
    super();
  }
  private suffix(): string {
    return (this.named !== null ? this.named.toString() : '') + (this.id !== '' ? `@${this.id}` : '');
  }
  stringWithinTransport(): string {
    const opts = this.store.options.length > 0 ? `:${this.store.options.join(',')}` : '';
    return `[${this.store.driver}@${this.store.root}+${this.store.runRoot}${opts}]${this.suffix()}`;
  }
  dockerReference(): DockerReference | null {
    return this.named;
  }
  policyConfigurationIdentity(): string {
    return `[${this.store.driver}@${this.store.root}]${this.suffix()}`;
  }
  /**
   * Store-qualified: name without ID, `name:tag` for tag+digest names, each repository prefix (no `*.` wildcards
   * here), then the store, then the graph root alone (images shared by several drivers).
   */
  policyConfigurationNamespaces(): string[] {
    const storeSpec = `[${this.store.driver}@${this.store.root}]`;
    const res: string[] = [];
    if (this.named !== null) {
      if (this.id !== '') res.push(storeSpec + this.named.toString());
      if (this.named.tag !== undefined && this.named.digest !== undefined) {
        res.push(`${storeSpec}${this.named.name()}:${this.named.tag}`);
      }
      const components = this.named.name().split('/');
      while (components.length > 0) {
        res.push(storeSpec + components.join('/'));
        components.pop();
      }
    }
    res.push(storeSpec, `[${this.store.root}]`);
    return res;
  }
}

export class AtomicImageReference extends RegistryImageReference {
  readonly transport = 'atomic' as const;
  stringWithinTransport(): string {
    return this.ref.familiar();
  }
}

export class SifImageReference extends PathImageReference {
  readonly transport = 'sif' as const;
  constructor(
    readonly file: string,
    readonly resolvedFile: string,
  ) {
    super(resolvedFile, false);
  }
  stringWithinTransport(): string {
    return this.file;
  }
}

export class TarballImageReference extends BaseImageReference {
  readonly transport = 'tarball' as const;
  constructor(readonly filenames: readonly string[]) {
    super();
  }
  stringWithinTransport(): string {
    return this.filenames.join(':');
  }
  dockerReference(): null {
    return null;
  }
  policyConfigurationIdentity(): string {
    return '';
  }
  policyConfigurationNamespaces(): string[] {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers, one per transport; `within` is the part after `transport:`.

function parseDockerWithin(refString: string): DockerImageReference {
  const ref = tagNameOnly(parseDockerReference(refString));
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new ReferenceParseError('Docker references with both a tag and digest are currently not supported');
  }
  return new DockerImageReference(ref);
}

function parseDocker(within: string): DockerImageReference {
  if (!within.startsWith('//')) {
    throw new ReferenceParseError(`docker: image reference ${within} does not start with //`);
  }
  return parseDockerWithin(within.slice(2));
}

function parseDir(within: string, ctx: PathContext): DirImageReference {
  return new DirImageReference(within, resolvePathToFullyExplicit(within, ctx));
}

/** c/image `oci/internal` image-name grammar (the `ref.name` annotation), looser than docker tags. */
const OCI_COMPONENT = '(?:[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)';
const OCI_REF_RE = new RegExp(`^${OCI_COMPONENT}(?:/${OCI_COMPONENT})*$`);

function validateOciImageName(image: string): void {
  if (image !== '' && !OCI_REF_RE.test(image)) throw new ReferenceParseError(`Invalid image ${image}`);
}

function splitPathAndImage(within: string): [string, string] {
  const i = within.indexOf(':');
  return i === -1 ? [within, ''] : [within.slice(0, i), within.slice(i + 1)];
}

function parseOci(within: string, ctx: PathContext): OciImageReference {
  const [dir, rest] = splitPathAndImage(within);
  let image = rest;
  let sourceIndex = -1;
  if (rest.startsWith('@')) {
    const n = atoi(rest.slice(1));
    if (typeof n === 'string') {
      throw new ReferenceParseError(`Invalid source index @${rest.slice(1)}: not an integer: ${n}`);
    }
    if (n < 0) throw new ReferenceParseError(`Invalid source index @${n}: must not be negative`);
    sourceIndex = n;
    image = '';
  }
  const resolved = resolvePathToFullyExplicit(dir, ctx);
  validateOciImageName(image);
  return new OciImageReference(dir, resolved, image, sourceIndex);
}

function parseOciArchive(within: string, ctx: PathContext): OciArchiveImageReference {
  const [file, image] = splitPathAndImage(within);
  const resolved = resolvePathToFullyExplicit(file, ctx);
  validateOciImageName(image);
  return new OciArchiveImageReference(file, resolved, image);
}

function parseDockerArchive(within: string): DockerArchiveImageReference {
  if (within === '') {
    throw new ReferenceParseError(`docker-archive reference ${within} isn't of the form <path>[:<reference>]`);
  }
  const i = within.indexOf(':');
  const path = i === -1 ? within : within.slice(0, i);
  if (i === -1) return new DockerArchiveImageReference(path, null, -1);
  const tagOrIndex = within.slice(i + 1);
  if (tagOrIndex.startsWith('@')) {
    const n = atoi(tagOrIndex.slice(1));
    if (typeof n === 'string') throw new ReferenceParseError(`Invalid source index ${tagOrIndex}: ${n}`);
    if (n < 0) throw new ReferenceParseError(`Invalid source index @${n}: must not be negative`);
    return new DockerArchiveImageReference(path, null, n);
  }
  let ref: DockerReference;
  try {
    ref = tagNameOnly(parseDockerReference(tagOrIndex));
  } catch (e) {
    throw new ReferenceParseError(`docker-archive parsing reference: ${(e as Error).message}`);
  }
  // TagNameOnly leaves a digest-only reference alone; archives can only name tags.
  if (ref.tag === undefined) throw new ReferenceParseError(`reference does not include a tag: ${ref.toString()}`);
  if (ref.digest !== undefined) {
    throw new ReferenceParseError(`docker-archive doesn't support digest references: ${ref.toString()}`);
  }
  return new DockerArchiveImageReference(path, ref, -1);
}

function parseDockerDaemon(within: string): DockerDaemonImageReference {
  if (isValidDigest(within)) {
    if (!within.startsWith('sha256:')) {
      throw new ReferenceParseError(
        `Invalid docker-daemon: reference ${within}: only digest algorithm sha256 accepted`,
      );
    }
    return new DockerDaemonImageReference(within, null);
  }
  const ref = parseDockerReference(within);
  // `sha256:<short hex>` parses as repository "sha256" with a tag; upstream reserves that name to avoid confusion.
  if (trimNamed(ref).familiar() === 'sha256') {
    throw new ReferenceParseError(
      `Invalid docker-daemon: reference ${within}: The sha256 repository name is reserved for (non-shortened) digest references`,
    );
  }
  // No `:latest` defaulting here, unlike docker: (upstream behaviour).
  if (isNameOnly(ref)) {
    throw new ReferenceParseError(`docker-daemon: reference ${ref.familiar()} has neither a tag nor a digest`);
  }
  if (ref.tag !== undefined && ref.digest !== undefined) {
    throw new ReferenceParseError('docker-daemon: references with both a tag and digest are currently not supported');
  }
  return new DockerDaemonImageReference('', ref);
}

const ERR_INVALID_REFERENCE = 'invalid reference';
const ERR_PATH_NOT_ABSOLUTE = 'path name is not absolute';

function parseContainersStorage(within: string, opts: ParseImageReferenceOptions): ContainersStorageImageReference {
  let driver = opts.storageDriver ?? 'overlay';
  let root = opts.storageRoot ?? '/var/lib/containers/storage';
  let runRoot = opts.storageRunRoot ?? '/run/containers/storage';
  let options: string[] = [];
  let ref = within;
  if (ref.startsWith('[')) {
    const close = ref.indexOf(']');
    if (close < 1) throw new ReferenceParseError(ERR_INVALID_REFERENCE);
    let storeSpec = ref.slice(1, close);
    ref = ref.slice(close + 1);
    const at = storeSpec.indexOf('@');
    let driverInfo = '';
    if (at === -1) {
      if (storeSpec === '') throw new ReferenceParseError(ERR_INVALID_REFERENCE);
    } else {
      driverInfo = storeSpec.slice(0, at);
      storeSpec = storeSpec.slice(at + 1);
      if (driverInfo === '' || storeSpec === '') throw new ReferenceParseError(ERR_INVALID_REFERENCE);
    }
    const colon = storeSpec.indexOf(':');
    if (colon !== -1) {
      options = storeSpec.slice(colon + 1).split(',');
      storeSpec = storeSpec.slice(0, colon);
    }
    const plus = storeSpec.indexOf('+');
    const rootInfo = plus === -1 ? storeSpec : storeSpec.slice(0, plus);
    const runRootInfo = plus === -1 ? '' : storeSpec.slice(plus + 1);
    if (rootInfo !== '' && !rootInfo.startsWith('/')) throw new ReferenceParseError(ERR_PATH_NOT_ABSOLUTE);
    if (runRootInfo !== '' && !runRootInfo.startsWith('/')) throw new ReferenceParseError(ERR_PATH_NOT_ABSOLUTE);
    if (driverInfo !== '') driver = driverInfo;
    if (rootInfo !== '') root = rootInfo;
    if (runRootInfo !== '') runRoot = runRootInfo;
  }
  const store: StorageSpec = { driver, root, runRoot, options };

  // ParseStoreReference
  if (ref === '') throw new ReferenceParseError(`${goQuote(ref)} is an empty reference: ${ERR_INVALID_REFERENCE}`);
  if (ref.startsWith('[')) {
    const close = ref.indexOf(']');
    if (close < 1) {
      throw new ReferenceParseError(`store specifier in ${goQuote(ref)} did not end: ${ERR_INVALID_REFERENCE}`);
    }
    ref = ref.slice(close + 1);
  }
  let id = '';
  const split = ref.lastIndexOf('@');
  if (split !== -1) {
    const possibleID = ref.slice(split + 1);
    if (possibleID === '') {
      throw new ReferenceParseError(`empty trailing digest or ID in ${goQuote(ref)}: ${ERR_INVALID_REFERENCE}`);
    }
    if (!isValidDigest(possibleID)) {
      // Upstream also accepts an ID prefix that resolves in the local store; we have no store, so only full IDs.
      if (!isValidDigest(`sha256:${possibleID}`)) {
        throw new ReferenceParseError(
          `${goQuote(possibleID)} does not look like an image ID or digest: ${ERR_INVALID_REFERENCE}`,
        );
      }
      id = possibleID;
      ref = ref.slice(0, split);
    }
  }
  // A bare full ID: upstream finds it by looking it up in the store; assume it names an image.
  if (id === '' && isFullIdentifier(ref)) {
    id = ref;
    ref = '';
  }
  let named: DockerReference | null = null;
  if (ref !== '') {
    try {
      named = tagNameOnly(parseDockerReference(ref));
    } catch (e) {
      throw new ReferenceParseError(`parsing named reference ${goQuote(ref)}: ${(e as Error).message}`);
    }
  }
  if (named === null && id === '') throw new ReferenceParseError(ERR_INVALID_REFERENCE);
  return new ContainersStorageImageReference(store, named, id);
}

function parseAtomic(within: string): AtomicImageReference {
  let ref: DockerReference;
  try {
    ref = parseDockerReference(within);
  } catch (e) {
    throw new ReferenceParseError(`failed to parse image reference ${goQuote(within)}: ${(e as Error).message}`);
  }
  if (ref.tag === undefined) {
    throw new ReferenceParseError(
      `invalid image reference ${within}, expected format: 'hostname/namespace/stream:tag'`,
    );
  }
  if (ref.path.split('/').length !== 2) {
    throw new ReferenceParseError(
      `invalid image reference: ${ref.familiar()}, expected format: 'hostname/namespace/stream:tag'`,
    );
  }
  // Upstream accepts tag+digest here and then panics computing the identity; fail cleanly instead.
  dockerReferenceIdentity(ref);
  return new AtomicImageReference(ref);
}

function parseSif(within: string, ctx: PathContext): SifImageReference {
  return new SifImageReference(within, resolvePathToFullyExplicit(within, ctx));
}

function parseTarball(within: string, ctx: PathContext): TarballImageReference {
  const filenames = within.split(':');
  if (ctx.resolveSymlinks) {
    for (const f of filenames) {
      if (f === '-') continue; // stdin; upstream reads it here, we leave it to whoever opens the image
      try {
        fs.accessSync(nodePath.resolve(ctx.cwd, f), fs.constants.F_OK);
      } catch (e) {
        throw new ReferenceParseError(`error opening ${goQuote(f)}: open ${f}: ${errnoText(e)}`);
      }
    }
  }
  return new TarballImageReference(filenames);
}

/**
 * Parses `transport:rest` like c/image's `alltransports.ParseImageName`, except that an input without a known
 * transport prefix is a docker reference (as crictl/CRI-O take image names): `quay.io/a/b`, `busybox`,
 * `localhost:5000/x` all mean `docker://…`. With the explicit `docker:` prefix, `//` is required as upstream.
 */
export function parseImageReference(input: string, opts: ParseImageReferenceOptions = {}): ImageReference {
  const ctx: PathContext = { cwd: opts.cwd ?? process.cwd(), resolveSymlinks: opts.resolveSymlinks ?? true };
  const colon = input.indexOf(':');
  const transport = colon === -1 ? '' : input.slice(0, colon);
  if (!isKnownTransport(transport)) return parseDockerWithin(input);
  const within = input.slice(colon + 1);
  switch (transport) {
    case 'docker':
      return parseDocker(within);
    case 'dir':
      return parseDir(within, ctx);
    case 'oci':
      return parseOci(within, ctx);
    case 'oci-archive':
      return parseOciArchive(within, ctx);
    case 'docker-archive':
      return parseDockerArchive(within);
    case 'docker-daemon':
      return parseDockerDaemon(within);
    case 'containers-storage':
      return parseContainersStorage(within, opts);
    case 'atomic':
      return parseAtomic(within);
    case 'sif':
      return parseSif(within, ctx);
    case 'tarball':
      return parseTarball(within, ctx);
    case 'ostree':
      throw new ReferenceParseError(`The transport "ostree:" is not supported in this build`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scope validation

const ATOMIC_SCOPE_RE = /^[^/]*(\/[^:/]*(\/[^:/]*(:[^:/]*)?)?)?$/;

function absolutePathScopeError(scope: string, nonCanonicalWording: 'format' | 'path format'): string | undefined {
  if (!scope.startsWith('/')) {
    return nonCanonicalWording === 'format'
      ? `Invalid scope ${scope}: Must be an absolute path`
      : `Invalid scope ${scope}: must be an absolute path`;
  }
  if (scope === '/') return 'Invalid scope "/": Use the generic default scope ""';
  const cleaned = cleanPath(scope);
  if (cleaned !== scope) {
    return nonCanonicalWording === 'format'
      ? `Invalid scope ${scope}: Uses non-canonical format, perhaps try ${cleaned}`
      : `Invalid scope ${scope}: Uses non-canonical path format, perhaps try with path ${cleaned}`;
  }
  return undefined;
}

function storageScopeError(scope: string): string | undefined {
  if (!scope.startsWith('[')) return ERR_INVALID_REFERENCE;
  const close = scope.indexOf(']');
  if (close < 1) return ERR_INVALID_REFERENCE;
  const storeSpec = scope.slice(1, close);
  const rest = scope.slice(close + 1);
  const at = storeSpec.indexOf('@');
  if (at !== -1) {
    const a = storeSpec.slice(0, at);
    const b = storeSpec.slice(at + 1);
    if (a === '' || b === '') return ERR_INVALID_REFERENCE;
    if (!b.startsWith('/')) return ERR_PATH_NOT_ABSOLUTE;
  } else {
    if (storeSpec === '') return ERR_INVALID_REFERENCE;
    if (!storeSpec.startsWith('/')) return ERR_PATH_NOT_ABSOLUTE;
  }
  if (rest === '') return undefined;
  // SplitN(rest, "@", 3)
  const fields: string[] = [];
  let remaining = rest;
  while (fields.length < 2) {
    const i = remaining.indexOf('@');
    if (i === -1) break;
    fields.push(remaining.slice(0, i));
    remaining = remaining.slice(i + 1);
  }
  fields.push(remaining);
  const idError = (id: string): string | undefined => digestValidationError(`sha256:${id}`);
  if (fields.length === 2) {
    const idErr = idError(fields[1]!);
    if (idErr !== undefined) {
      const digestErr = digestValidationError(fields[1]!);
      if (digestErr !== undefined) {
        return `${fields[1]} is neither a valid digest(${digestErr}) nor a valid ID(${idErr})`;
      }
    }
  } else if (fields.length === 3) {
    const digestErr = digestValidationError(fields[1]!);
    if (digestErr !== undefined) return digestErr;
    const idErr = idError(fields[2]!);
    if (idErr !== undefined) return idErr;
  }
  return undefined;
}

/**
 * Why containers/image's `ValidatePolicyConfigurationScope` refuses `scope` for `transport`, or undefined when it
 * is acceptable. The policy parser turns a refusal into `Unknown key "<scope>"`; the reason is ours, for `lint`.
 * The "" scope is never validated, and unknown transports accept anything (upstream has no transport to ask).
 */
export function policyScopeError(transport: string, scope: string): string | undefined {
  if (scope === '' || !isKnownTransport(transport)) return undefined;
  switch (transport) {
    case 'docker':
    case 'ostree':
      return undefined;
    case 'dir':
    case 'sif':
      return absolutePathScopeError(scope, 'format');
    case 'oci':
    case 'oci-archive':
      return absolutePathScopeError(scope, 'path format');
    case 'docker-archive':
      return `docker-archive: does not support any scopes except the default "" one`;
    case 'tarball':
      return `tarball: does not support any scopes except the default "" one`;
    case 'docker-daemon':
      return isValidDigest(scope) ? `docker-daemon: can not use algo:digest value ${scope} as a namespace` : undefined;
    case 'atomic':
      return ATOMIC_SCOPE_RE.test(scope) ? undefined : `Invalid scope name ${scope}`;
    case 'containers-storage':
      return storageScopeError(scope);
  }
}

export function validatePolicyScope(transport: string, scope: string): boolean {
  return policyScopeError(transport, scope) === undefined;
}
