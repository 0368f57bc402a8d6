/**
 * The shared folder beside the clone (`../shared`: third-party fixtures and the oracle), resolved from the
 * repository root like every other path in the tests — never an absolute machine path.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './oracle.js';

export const SHARED_DIR = resolve(REPO_ROOT, '../shared');
/** containers/image's own test material (signature/fixtures), read in place, never copied into the repository. */
export const CONTAINERS_IMAGE_FIXTURES = resolve(SHARED_DIR, 'fixtures/containers-image');

/**
 * Whether `path` (under ../shared) is there. Outside CI a missing folder skips the tests that need it, with one
 * line; under CI=true (where .ci/run puts ../shared beside the clone) its absence is a broken setup and throws.
 */
export function sharedPresent(path: string, what: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${what}: ${path} is required under CI=true but is absent`);
  console.warn(`skipping ${what}: ${path} is absent`);
  return false;
}
