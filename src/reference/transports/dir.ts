/** `dir:`: a directory image; the resolved path is the identity, its parents the namespaces. */
import { PathImageReference, absolutePathScopeError, type Transport } from './base.js';
import { resolvePathToFullyExplicit } from './paths.js';

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

export const dirTransport: Transport = {
  name: 'dir',
  parse: (within, ctx) => new DirImageReference(within, resolvePathToFullyExplicit(within, ctx)),
  scopeError: (scope) => absolutePathScopeError(scope, 'format'),
};
