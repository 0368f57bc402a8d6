/** `oci-archive:`: an OCI layout in a tar file, scoped by the file's path. */
import { PathImageReference, absolutePathScopeError, type Transport } from './base.js';
import { splitPathAndImage, validateOciImageName } from './oci.js';
import { resolvePathToFullyExplicit, type PathContext } from './paths.js';

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

function parseOciArchive(within: string, ctx: PathContext): OciArchiveImageReference {
  const [file, image] = splitPathAndImage(within);
  const resolved = resolvePathToFullyExplicit(file, ctx);
  validateOciImageName(image);
  return new OciArchiveImageReference(file, resolved, image);
}

export const ociArchiveTransport: Transport = {
  name: 'oci-archive',
  parse: (within, ctx) => parseOciArchive(within, ctx),
  scopeError: (scope) => absolutePathScopeError(scope, 'path format'),
};
