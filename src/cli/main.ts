import { Command, CommanderError, Help } from 'commander';
import type { ChalkInstance } from 'chalk';
import { processEnv, type ProcessEnv } from './context.js';
import { EXIT } from './exit-codes.js';
import type { CLIIO } from './io.js';
import { VERSION } from '../version.js';
import { FlagValueError, goBoolFlagsToCommander } from './options.js';

export { VERSION };

type Register = (program: Command, io: CLIIO, env: () => ProcessEnv) => void;

/**
 * Commands load on demand: `lint` must not pay for verify's batch, output and Kubernetes modules (~55 ms), so only
 * the command named on the command line is imported (all of them for top-level help).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  lint: async () => (await import('./commands/lint.js')).lintCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  trust: async () => (await import('./commands/trust.js')).trustCommand,
  render: async () => (await import('./commands/render.js')).renderCommand,
};

/** `env` is injectable so tests run whole command lines in-process with their own environment. */
export async function buildProgram(io: CLIIO, env: () => ProcessEnv = processEnv, argv?: readonly string[]): Promise<Command> {
  const program = new Command('imgpolicy')
    .description('Does this policy.json let this container image run? The verdict containers/image (CRI-O, podman, skopeo) gives, with the reasons.')
    .version(VERSION)
    .showHelpAfterError(`(run 'imgpolicy --help' for usage)`)
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
  imgpolicy render --out node/ cluster-image-policies/                   the node files a cluster's policies produce

Exit codes: 0 allowed/OK · 1 rejected · 2 could not evaluate · 3 bad invocation or policy.`,
    );
  const args = argv?.slice(2) ?? [];
  const words = args.filter((a) => !a.startsWith('-'));
  // `imgpolicy help verify` needs verify itself; `imgpolicy`, `--help` and `help` only need the list of commands.
  const named = words[0] === 'help' && words.length > 1 ? words[1] : words[0];
  if (argv !== undefined && (named === undefined || named === 'help') && args.every((a) => a === 'help' || a === '--help' || a === '-h')) {
    listCommands(program);
    return program;
  }
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const name of wanted) (await COMMANDS[name]!())(program, io, env);
  // A mistyped flag: the error (with commander's "Did you mean …?") and one line, not 80 lines of help.
  for (const cmd of program.commands) cmd.showHelpAfterError(`(run 'imgpolicy ${cmd.name()} --help' for usage)`);
  return program;
}

/**
 * What top-level help prints for each command, so that `imgpolicy --help` loads no command module. A test compares
 * this help with the one the loaded commands give; a new command must be added here too.
 */
const SUMMARIES: Record<string, { term: string; description: string }> = {
  verify: { term: 'verify [options] [image...]', description: 'decide, as CRI-O/podman/skopeo would, whether each image may run under the policy' },
  inspect: { term: 'inspect [options] <image>', description: 'list the signatures an image has and print the policy.json entry that would accept each' },
  lint: { term: 'lint [options] [policy]', description: 'check a policy.json exactly as containers/image 5.34 parses it, and optionally as older runtimes do' },
  explain: { term: 'explain [options] <image>', description: 'show which policy scope applies to IMAGE and which requirements it must meet (no network)' },
  trust: { term: 'trust', description: 'show the trust policy (like podman image trust)' },
  render: { term: 'render [options] <input...>', description: 'the node files (policy.json, namespace policies, registries.d) that cluster image-policy resources produce' },
};

function listCommands(program: Command): void {
  for (const name of Object.keys(COMMANDS)) program.command(name).description(SUMMARIES[name]?.description ?? '');
  program.configureHelp({
    subcommandTerm(this: Help, cmd: Command) {
      return SUMMARIES[cmd.name()]?.term ?? Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}

/** Parses a whole command line (`node imgpolicy …`), with skopeo's spelling of boolean flags. */
export async function parseCommandLine(program: Command, argv: readonly string[], io: CLIIO): Promise<void> {
  let args: string[];
  try {
    args = [...argv.slice(0, 2), ...goBoolFlagsToCommander(argv.slice(2))];
  } catch (e) {
    if (!(e instanceof FlagValueError)) throw e;
    const named = argv.slice(2).find((a) => !a.startsWith('-'));
    io.stderr(`error: ${e.message}\n(run 'imgpolicy${named !== undefined && program.commands.some((c) => c.name() === named) ? ` ${named}` : ''} --help' for usage)\n`);
    throw new CommanderError(EXIT.usage, 'imgpolicy.invalidFlagValue', e.message);
  }
  await program.parseAsync(args);
}

/** NO_COLOR (https://no-color.org): present and not empty disables colour; so does output that is not a terminal. */
export function colorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  return isTTY && !(env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '');
}

/**
 * Without colour, styling is the identity. chalk costs ~12 ms to load, which a pipeline (no TTY) would pay on every
 * run for nothing; this stand-in answers every chalk chain (`c.red`, `c.bold.green`, `c.dim(…)`) with plain text.
 */
export function plainStyler(): ChalkInstance {
  const styler: unknown = new Proxy(function plain(...text: unknown[]) { return text.join(' '); }, {
    get: (target, prop) => (prop === 'level' ? 0 : typeof prop === 'symbol' ? Reflect.get(target, prop) : styler),
  });
  return styler as ChalkInstance;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const io: CLIIO = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    setExitCode: (c) => (code = c),
    chalk: colorEnabled(process.env, process.stdout.isTTY === true) ? (await import('chalk')).default : plainStyler(),
    stderrIsTTY: process.stderr.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
  try {
    await parseCommandLine(await buildProgram(io, processEnv, argv), argv, io);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage;
    // Never a stack trace for a user: a bug still exits non-zero with one line (and the stack under --debug).
    io.stderr(`imgpolicy: ${(e as Error)?.message ?? String(e)}\n`);
    if (argv.includes('--debug')) io.stderr(String((e as Error)?.stack) + '\n');
    return EXIT.couldNotEvaluate;
  }
}
