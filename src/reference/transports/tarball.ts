/** `tarball:`: layer tarballs; no identity, so only the transport's "" scope applies. */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { goQuote } from '../../go/fmt.js';
import { errnoText } from '../../go/os.js';
import { ReferenceParseError } from '../docker-reference.js';
import { BaseImageReference, type Transport } from './base.js';
import type { PathContext } from './paths.js';

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

export const tarballTransport: Transport = {
  name: 'tarball',
  parse: (within, ctx) => parseTarball(within, ctx),
  scopeError: () => `tarball: does not support any scopes except the default "" one`,
};
