import type { Command } from 'commander';
import { requirementsForImageRef, type Policy } from '../../policy/index.js';
import { describeRequirement } from '../describe-requirement.js';
import { parseImageReference, type ImageReference } from '../../reference/index.js';
import { Trace } from '../../trace.js';
import { goQuote } from '../../go/fmt.js';
import { processEnv, type ProcessEnv } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { addPolicyOptions, policyPathOf } from '../options.js';
import { describePolicyError, loadPolicy } from '../policy-load.js';

/**
 * `explain` answers "which part of my policy applies to this image, and what will it demand?" without any network
 * access or crypto, so it is safe and instant to run while writing a policy.
 */
export function explainCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  const cmd = program
    .command('explain')
    .description('show which policy scope applies to IMAGE and which requirements it must meet (no network)')
    .argument('<image>', 'image reference (docker by default; dir:, oci:, containers-storage: … too)')
    .addHelpText(
      'after',
      `
Example:
  imgpolicy explain --policy ./policy.json my.registry.example.com:5000/ns1/ns2/repo:tag

Lists the scopes containers/image tries, most specific first (identity, each namespace, the transport's "" scope,
the default), marks the ones the policy defines and the one that is used, then the requirements in order.`,
    );
  addPolicyOptions(cmd);
  cmd.action(async (image: string, opts: { policy?: string; signaturePolicy?: string }) => {
    io.setExitCode(await runExplain(image, opts, env(), io));
  });
}

export async function runExplain(image: string, opts: { policy?: string; signaturePolicy?: string }, pe: ProcessEnv, io: CLIIO): Promise<number> {
  let policy: Policy;
  try {
    policy = await loadPolicy(policyPathOf(opts), pe);
  } catch (e) {
    io.stderr(describePolicyError(e) + '\n');
    return EXIT.usage;
  }
  let ref: ImageReference;
  try {
    ref = parseImageReference(image, { cwd: pe.cwd });
  } catch (e) {
    io.stderr(`invalid image reference ${goQuote(image)}: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  io.stdout(renderExplanation(policy, ref, io));
  return EXIT.allowed;
}

export function renderExplanation(policy: Policy, ref: ImageReference, io: Pick<CLIIO, 'chalk'>): string {
  const c = io.chalk;
  const selected = requirementsForImageRef(policy, ref, new Trace());
  const section = policy.transports.get(ref.transport);
  const chosen = (transport: string | null, scope: string | null) =>
    selected.transport === transport && selected.scope === scope;
  let out = '';
  out += `image:     ${ref.toString()}\n`;
  out += `policy:    ${policy.path ?? '(in memory)'}\n`;
  out += `identity:  ${ref.transport}:${ref.policyConfigurationIdentity()}\n`;
  const docker = ref.dockerReference();
  out += `signed identity to match: ${docker ? docker.toString() : '(none: this transport has no docker reference; only exactReference/exactRepository can match)'}\n`;
  out += `\nscopes tried, most specific first (transport ${goQuote(ref.transport)}${section ? '' : ' has no section in this policy'}):\n`;
  const rows: { scope: string; label: string }[] = [
    { scope: ref.policyConfigurationIdentity(), label: 'identity' },
    ...ref.policyConfigurationNamespaces().map((ns) => ({ scope: ns, label: ns.startsWith('*.') ? 'wildcard' : 'namespace' })),
    { scope: '', label: 'transport default' },
  ];
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.scope)) continue; // docker-archive etc.: the identity is "" itself
    seen.add(row.scope);
    const defined = section?.has(row.scope) ?? false;
    const used = chosen(ref.transport, row.scope);
    const mark = used ? c.green('→ used   ') : defined ? c.dim('  defined') : c.dim('  -      ');
    out += `  ${mark} ${goQuote(row.scope).padEnd(48)} ${c.dim(row.label)}\n`;
  }
  out += `  ${selected.kind === 'default' ? c.green('→ used   ') : c.dim('  defined')} ${'default'.padEnd(48)} ${c.dim('global default')}\n`;
  out += `\nrequirements (all must allow, in order; the first denial decides):\n`;
  selected.requirements.forEach((req, i) => {
    out += `  ${i}. ${describeRequirement(req, ref)}${req.location ? c.dim(`  (line ${req.location.line})`) : ''}\n`;
  });
  return out;
}

