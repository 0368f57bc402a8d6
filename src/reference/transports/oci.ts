/** `oci:`: an OCI layout directory; the image name inside it is deliberately not part of the identity. */
import { atoi } from '../../go/strconv.js';
import { ReferenceParseError } from '../docker-reference.js';
import { PathImageReference, absolutePathScopeError, type Transport } from './base.js';
import { resolvePathToFullyExplicit, type PathContext } from './paths.js';

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

/** c/image `oci/internal` image-name grammar (the `ref.name` annotation), looser than docker tags. */
const OCI_COMPONENT = '(?:[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)';
const OCI_REF_RE = new RegExp(`^${OCI_COMPONENT}(?:/${OCI_COMPONENT})*$`);

export function validateOciImageName(image: string): void {
  if (image !== '' && !OCI_REF_RE.test(image)) throw new ReferenceParseError(`Invalid image ${image}`);
}

export function splitPathAndImage(within: string): [string, string] {
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

export const ociTransport: Transport = {
  name: 'oci',
  parse: (within, ctx) => parseOci(within, ctx),
  scopeError: (scope) => absolutePathScopeError(scope, 'path format'),
};
