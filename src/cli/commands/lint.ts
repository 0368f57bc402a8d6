import type { Command } from 'commander';
import { processEnv, type ProcessEnv } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { describePolicyError, loadPolicy } from '../policy-load.js';
import type { CLIIO } from '../io.js';

/**
 * `lint` must stay cheap to start: it loads the policy parser only (no HTTP, no crypto), because editors and
 * pre-commit hooks run it on every save.
 */
export function lintCommand(program: Command, io: CLIIO): void {
  program
    .command('lint')
    .description('check a policy.json exactly as containers/image 5.34 parses it')
    .argument('[policy]', 'policy file (default: the containers/image default policy path)')
    .option('--policy <path>', 'policy file (same as the argument)')
    .addHelpText(
      'after',
      `
Prints "<file>: OK" and exits 0, or containers/image's error (the text skopeo and CRI-O print) with the
JSON path, line and column of the offending value, and exits 3.

Examples:
  imgpolicy lint /etc/containers/policy.json
  imgpolicy lint            # the file podman/skopeo would use`,
    )
    .action(async (file: string | undefined, opts: { policy?: string }) => {
      io.setExitCode(await runLint(file ?? opts.policy, processEnv(), io));
    });
}

export async function runLint(file: string | undefined, pe: ProcessEnv, io: CLIIO): Promise<number> {
  try {
    const policy = await loadPolicy(file, pe);
    const scopes = [...policy.transports.values()].reduce((n, m) => n + m.size, 0);
    io.stdout(`${policy.path ?? file}: OK (${policy.transports.size} transports, ${scopes} scopes)\n`);
    return EXIT.allowed;
  } catch (e) {
    io.stderr(describePolicyError(e) + '\n');
    return EXIT.usage;
  }
}
