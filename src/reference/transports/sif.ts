/** `sif:`: a Singularity image file, scoped by its path like `dir:`. */
import { PathImageReference, absolutePathScopeError, type Transport } from './base.js';
import { resolvePathToFullyExplicit } from './paths.js';

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

export const sifTransport: Transport = {
  name: 'sif',
  parse: (within, ctx) => new SifImageReference(within, resolvePathToFullyExplicit(within, ctx)),
  scopeError: (scope) => absolutePathScopeError(scope, 'format'),
};
