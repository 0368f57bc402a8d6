import { Command, CommanderError } from 'commander';
import chalk, { Chalk } from 'chalk';
import { lintCommand } from './commands/lint.js';
import { verifyCommand } from './commands/verify.js';
import { explainCommand } from './commands/explain.js';
import { EXIT } from './exit-codes.js';
import type { CLIIO } from './io.js';

export function buildProgram(io: CLIIO): Command {
  const program = new Command('imgpolicy')
    .description('Does this policy.json let this container image run? The verdict containers/image (CRI-O, podman, skopeo) gives, with the reasons.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  verifyCommand(program, io);
  lintCommand(program, io);
  explainCommand(program, io);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const useColor = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
  const io: CLIIO = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    setExitCode: (c) => (code = c),
    chalk: useColor ? chalk : new Chalk({ level: 0 }),
  };
  try {
    await buildProgram(io).parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage;
    // Never a stack trace for a user: a bug still exits non-zero with one line (and the stack under --debug).
    io.stderr(`imgpolicy: ${(e as Error)?.message ?? String(e)}\n`);
    if (argv.includes('--debug')) io.stderr(String((e as Error)?.stack) + '\n');
    return EXIT.couldNotEvaluate;
  }
}
