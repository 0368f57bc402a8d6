import type { Command } from 'commander';
import { processEnv, type ProcessEnv } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { checkTarget, parseTarget, RUNTIME_TARGETS, vstr } from '../lint-targets.js';
import { describePolicyError, loadPolicy } from '../policy-load.js';
import { collect } from '../options.js';

/**
 * `lint` must stay cheap to start: it loads the policy parser only (no HTTP, no crypto), because editors and
 * pre-commit hooks run it on every save.
 */
export function lintCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  program
    .command('lint')
    .description('check a policy.json exactly as containers/image 5.34 parses it, and optionally as older runtimes do')
    .argument('[policy]', 'policy file (default: the containers/image default policy path)')
    .option('--policy <path>', 'policy file (same as the argument)')
    .option('--target <runtime>', `(repeatable, or comma-separated) also check that these runtimes parse it: ${Object.keys(RUNTIME_TARGETS).join(', ')}, or containers-image-5.N[.P]`, collect)
    .addHelpText(
      'after',
      `
Prints "<file>: OK" and exits 0, or containers/image's error (the text skopeo and CRI-O print) with the
JSON path, line and column of the offending value, and exits 3.

With --target, keys that an older containers/image does not know are reported with the error that runtime gives
(e.g. sigstoreSigned "keyPaths" → Unknown key "keyPaths" before containers/image 5.33): such a node refuses every
pull, so the lint fails (exit 3). Runtime versions map to the containers/image their .0 release vendors.

Examples:
  imgpolicy lint /etc/containers/policy.json
  imgpolicy lint            # the file podman/skopeo would use
  imgpolicy lint --target cri-o-1.28 --target containers-image-5.23 policy.json`,
    )
    .action(async (file: string | undefined, opts: { policy?: string; target?: string[] }) => {
      io.setExitCode(await runLint(file ?? opts.policy, env(), io, opts.target ? { targets: opts.target } : {}));
    });
}

export async function runLint(file: string | undefined, pe: ProcessEnv, io: CLIIO, opts: { targets?: readonly string[] } = {}): Promise<number> {
  const targets = [];
  for (const t of (opts.targets ?? []).flatMap((x) => x.split(','))) {
    const parsed = parseTarget(t);
    if (!parsed) {
      io.stderr(`unknown --target ${JSON.stringify(t)}: use ${Object.keys(RUNTIME_TARGETS).join(', ')}, or containers-image-5.N[.P]\n`);
      return EXIT.usage;
    }
    targets.push(parsed);
  }
  try {
    const policy = await loadPolicy(file, pe);
    const scopes = [...policy.transports.values()].reduce((n, m) => n + m.size, 0);
    const name = policy.path ?? file;
    let failed = false;
    for (const t of targets) {
      const problems = checkTarget(policy, t);
      if (problems.length === 0) {
        io.stdout(`${name}: OK for ${t.name} (containers/image ${vstr(t.version)})\n`);
        continue;
      }
      failed = true;
      io.stderr(`${name}: ${t.name} (containers/image ${vstr(t.version)}) cannot parse this policy; every pull on such a node fails:\n`);
      for (const p of problems) {
        io.stderr(`  ${p.line ? `line ${p.line}: ` : ''}${p.message}  (${p.feature} needs containers/image ≥ ${vstr(p.since)})${p.path ? `  at ${p.path}` : ''}\n`);
      }
    }
    if (failed) return EXIT.usage;
    io.stdout(`${name}: OK (${policy.transports.size} transports, ${scopes} scopes)\n`);
    return EXIT.allowed;
  } catch (e) {
    io.stderr(describePolicyError(e) + '\n');
    return EXIT.usage;
  }
}
