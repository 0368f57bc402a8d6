import { Command, CommanderError } from 'commander';
import chalk, { Chalk } from 'chalk';
import { explainCommand } from './commands/explain.js';
import { inspectCommand } from './commands/inspect.js';
import { lintCommand } from './commands/lint.js';
import { trustCommand } from './commands/trust.js';
import { verifyCommand } from './commands/verify.js';
import { processEnv, type ProcessEnv } from './context.js';
import { EXIT } from './exit-codes.js';
import type { CLIIO } from './io.js';

export const VERSION = '0.1.0';

/** `env` is injectable so tests run whole command lines in-process with their own environment. */
export function buildProgram(io: CLIIO, env: () => ProcessEnv = processEnv): Command {
  const program = new Command('imgpolicy')
    .description('Does this policy.json let this container image run? The verdict containers/image (CRI-O, podman, skopeo) gives, with the reasons.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText(
      'after',
      `
Examples:
  imgpolicy verify --policy ./policy.json quay.io/crio/signed:latest     one image
  imgpolicy verify --policy ./policy.json -f k8s/ --output junit         a CI gate over manifests
  imgpolicy inspect --key cosign.pub 127.0.0.1:5000/app:v1               which signatures, which policy entry
  imgpolicy lint --target cri-o-1.28 /etc/containers/policy.json         will every node parse it?
  imgpolicy trust show --policy ./policy.json                            the policy as a table
  imgpolicy explain --policy ./policy.json host:5000/ns/repo:tag         which scope applies (no network)

Exit codes: 0 allowed/OK · 1 rejected · 2 could not evaluate · 3 bad invocation or policy.`,
    );
  verifyCommand(program, io, env);
  inspectCommand(program, io, env);
  lintCommand(program, io, env);
  explainCommand(program, io, env);
  trustCommand(program, io, env);
  return program;
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour; so does output that is not a terminal. */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '');
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const io: CLIIO = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    setExitCode: (c) => (code = c),
    chalk: colorEnabled(process.env, process.stdout.isTTY === true) ? chalk : new Chalk({ level: 0 }),
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
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
