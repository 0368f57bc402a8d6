/** Runs imgpolicy command lines in-process (the real commander program), capturing stdout, stderr and the exit code. */
import { Chalk } from 'chalk';
import { buildProgram, parseCommandLine } from '../../../../src/cli/main.js';
import type { CLIIO } from '../../../../src/cli/io.js';
import { CommanderError } from 'commander';

export interface CLIRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCLI(args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; tty?: boolean } = {}): Promise<CLIRun> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io: CLIIO = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    setExitCode: (c) => (code = c),
    chalk: new Chalk({ level: 0 }),
    stderrIsTTY: o.tty ?? false,
    readStdin: async () => o.stdin ?? '',
  };
  const env = { HOME: '/nonexistent-home', ...(o.env ?? {}) };
  const pe = () => ({ env, homeDir: env['HOME'] ?? '/nonexistent-home', cwd: o.cwd ?? process.cwd(), now: () => new Date() });
  try {
    await parseCommandLine(await buildProgram(io, pe), ['node', 'imgpolicy', ...args], io);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 3;
    else throw e;
  }
  return { code, stdout, stderr };
}
