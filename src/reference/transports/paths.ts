/**
 * c/image's path rules for the file-based transports: `explicitfilepath.ResolvePathToFullyExplicit` (absolute,
 * symlink-free, cleaned) and the parent-directory namespaces their policy scopes are looked up in.
 */
import * as fs from 'node:fs';
import { errnoText, isNotExist } from '../../go/os.js';
import { cleanPath } from '../../go/path-filepath.js';
import { ReferenceParseError } from '../docker-reference.js';

export interface PathContext {
  readonly cwd: string;
  readonly resolveSymlinks: boolean;
}

export function absPath(p: string, ctx: PathContext): string {
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
export function parentDirectories(resolved: string): string[] {
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
export function selfAndParentDirectories(resolved: string): string[] {
  return resolved === '/' ? [] : [resolved, ...parentDirectories(resolved)];
}
