/**
 * Which imgpolicy the end-to-end suites run. IMGPOLICY_BIN names an installed `imgpolicy` (.ci/run sets it to the
 * copy it installed from the packed tarball), so that the suites check what users install; without it, the
 * checkout's unbundled build (dist/, rebuilt by ensureBuilt when stale) runs.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface Command {
  file: string;
  args: string[];
}

export function installedBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env['IMGPOLICY_BIN'] || undefined;
}

/** The script to run with `node SCRIPT ARGS`: the installed bin (a symlink to a Node script), or dist/'s runner. */
export function imgpolicyScript(env: NodeJS.ProcessEnv = process.env): string {
  return installedBin(env) ?? resolve(REPO_ROOT, 'bin/imgpolicy-dist.mjs');
}

/** `imgpolicy ARGS` as a file to execute and its arguments. */
export function imgpolicyCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const bin = installedBin(env);
  if (bin) return { file: bin, args: [...args] };
  return { file: process.execPath, args: [resolve(REPO_ROOT, 'bin/imgpolicy-dist.mjs'), ...args] };
}
