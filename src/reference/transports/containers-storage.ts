/** `containers-storage:`: an image in a local c/storage store, scoped by store, name and ID. */
import { goQuote } from '../../go/fmt.js';
import type { DockerReference } from '../types.js';
import {
  ReferenceParseError,
  digestValidationError,
  isFullIdentifier,
  isValidDigest,
  parseDockerReference,
  tagNameOnly,
} from '../docker-reference.js';
import { BaseImageReference, type ParseImageReferenceOptions, type Transport } from './base.js';

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

export const containersStorageTransport: Transport = {
  name: 'containers-storage',
  parse: (within, _ctx, opts) => parseContainersStorage(within, opts),
  scopeError: (scope) => storageScopeError(scope),
};
