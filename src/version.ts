import { readFileSync } from 'node:fs';

declare const __IMGPOLICY_VERSION__: string | undefined;

/**
 * The one version string, from package.json: the bundler (scripts/bundle.mjs) writes it in at build time; the
 * unbundled build (dist/, and src/ under jest) reads the package.json beside it.
 */
export const VERSION: string =
  typeof __IMGPOLICY_VERSION__ === 'string'
    ? __IMGPOLICY_VERSION__
    // JSON.parse-ok: imgpolicy's own package.json (its version string), not a document c/image reads
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
