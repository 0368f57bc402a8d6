/**
 * Runs the built CLI as a child process and measures it: the installed `imgpolicy` named by IMGPOLICY_BIN, or the
 * checkout's dist/ (built first when it is missing or older than src/, so that end-to-end suites test the code in
 * the tree). See imgpolicy-bin.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { imgpolicyCommand, installedBin } from './imgpolicy-bin.js';

const ROOT = process.cwd();

export interface CLIRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ when it is missing or stale, so that the suite tests the code in the tree. */
export function ensureBuilt(): void {
  if (installedBin()) return;
  let built = 0;
  try {
    built = newestMtime(join(ROOT, 'dist'));
  } catch {
    built = 0;
  }
  if (built >= newestMtime(join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

/** Bundles build/imgpolicy.cjs (what the package ships) when it is missing or older than src/. */
export function ensureBundled(): void {
  if (installedBin()) return;
  let built = 0;
  try {
    built = statSync(join(ROOT, 'build/imgpolicy.cjs')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestMtime(join(ROOT, 'src'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bundle failed: ${r.stdout}${r.stderr}`);
}

/** Runs the CLI with a hard kill far beyond the timeout under test, so a real hang fails the test instead of jest. */
export function runCLI(args: string[], env: Record<string, string>, hardKillMs = 60_000): Promise<CLIRun> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const cmd = imgpolicyCommand(args, { ...process.env, ...env });
    const child = spawn(cmd.file, cmd.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), hardKillMs);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

