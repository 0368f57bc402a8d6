import type { Command } from 'commander';
import type { Policy, PolicyReferenceMatch, PolicyRequirement } from '../../policy/index.js';
import { processEnv, type ProcessEnv } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { addPolicyOptions, policyPathOf } from '../options.js';
import { describePolicyError, loadPolicy } from '../policy-load.js';

/**
 * `trust show`: the policy as a table, like `podman image trust show`, one row per requirement so that an
 * AND of several requirements is visible. No network and no crypto: keys are named, not read.
 */
export function trustCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  const trust = program.command('trust').description('show the trust policy (like podman image trust)');
  const show = trust
    .command('show')
    .description('print the policy as a table: transport, scope, requirement type, keys or trust roots, identity rule')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--signature-policy-dir <dir>', 'also show every CRI-O namespace policy DIR/*.json')
    .addHelpText(
      'after',
      `
Examples:
  imgpolicy trust show                          the policy podman/skopeo would use
  imgpolicy trust show --policy ./policy.json
  imgpolicy trust show --output json | jq '.[] | select(.type == "insecureAcceptAnything")'

Rows are in the order containers/image reads them; "default" applies when no scope matches. Several rows for one
scope are requirements that must ALL allow the image.`,
    );
  addPolicyOptions(show);
  show.action(async (opts: { policy?: string; signaturePolicy?: string; output: string; signaturePolicyDir?: string }) => {
    io.setExitCode(await runTrustShow(opts, env(), io));
  });
}

export interface TrustRow {
  readonly policy: string;
  readonly transport: string;
  readonly scope: string;
  readonly type: string;
  readonly keys: string;
  readonly identity: string;
}

export async function runTrustShow(
  opts: { policy?: string; signaturePolicy?: string; output: string; signaturePolicyDir?: string },
  pe: ProcessEnv,
  io: CLIIO,
): Promise<number> {
  if (opts.output !== 'text' && opts.output !== 'json') {
    io.stderr(`unknown --output ${JSON.stringify(opts.output)}: use text or json\n`);
    return EXIT.usage;
  }
  const paths: (string | undefined)[] = [policyPathOf(opts)];
  if (opts.signaturePolicyDir) {
    const { readdir } = await import('node:fs/promises');
    const { join, resolve } = await import('node:path');
    const dir = resolve(pe.cwd, opts.signaturePolicyDir);
    try {
      for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) paths.push(join(dir, f));
    } catch (e) {
      io.stderr(`reading ${dir}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const rows: TrustRow[] = [];
  for (const p of paths) {
    let policy: Policy;
    try {
      policy = await loadPolicy(p, pe);
    } catch (e) {
      io.stderr(describePolicyError(e) + '\n');
      return EXIT.usage;
    }
    rows.push(...trustRows(policy));
  }
  if (opts.output === 'json') {
    io.stdout(JSON.stringify(rows, null, 2) + '\n');
    return EXIT.allowed;
  }
  io.stdout(renderTrustTable(rows, paths.length > 1));
  return EXIT.allowed;
}

export function trustRows(policy: Policy): TrustRow[] {
  const rows: TrustRow[] = [];
  const file = policy.path ?? '(in memory)';
  const add = (transport: string, scope: string, reqs: readonly PolicyRequirement[]) => {
    if (reqs.length === 0) rows.push({ policy: file, transport, scope, type: '(empty: always denied)', keys: '', identity: '' });
    for (const r of reqs) rows.push({ policy: file, transport, scope, type: r.type, keys: keysOf(r), identity: identityOf(r) });
  };
  add('all', 'default', policy.default);
  for (const [transport, scopes] of policy.transports) {
    for (const [scope, reqs] of scopes) add(transport, scope === '' ? '"" (transport default)' : scope, reqs);
  }
  return rows;
}

function keysOf(r: PolicyRequirement): string {
  switch (r.type) {
    case 'signedBy':
      return r.keyPath ?? r.keyPaths?.join(', ') ?? (r.keyData ? '(inline keyData)' : '');
    case 'sigstoreSigned': {
      let k: string;
      if (r.fulcio) k = `fulcio ${r.fulcio.caPath ?? '(inline caData)'} ${r.fulcio.subjectEmail} @ ${r.fulcio.oidcIssuer}`;
      else if (r.pki) k = `pki ${r.pki.caRootsPath ?? '(inline caRootsData)'}${r.pki.subjectEmail ? ` ${r.pki.subjectEmail}` : ''}${r.pki.subjectHostname ? ` ${r.pki.subjectHostname}` : ''}`;
      else k = r.keyPath ?? r.keyPaths?.join(', ') ?? (r.keyData ? '(inline keyData)' : r.keyDatas ? `(${r.keyDatas.length} inline keyDatas)` : '');
      const rekor = r.rekorPublicKeyPath ?? r.rekorPublicKeyPaths?.join(', ') ?? (r.rekorPublicKeyData || r.rekorPublicKeyDatas ? '(inline)' : undefined);
      return rekor ? `${k}; rekor ${rekor}` : k;
    }
    default:
      return '';
  }
}

function matchText(m: PolicyReferenceMatch): string {
  switch (m.type) {
    case 'exactReference':
      return `exactReference ${m.dockerReference}`;
    case 'exactRepository':
      return `exactRepository ${m.dockerRepository}`;
    case 'remapIdentity':
      return `remapIdentity ${m.prefix} → ${m.signedPrefix}`;
    default:
      return m.type;
  }
}

function identityOf(r: PolicyRequirement): string {
  if (r.type === 'signedBy' || r.type === 'sigstoreSigned') return matchText(r.signedIdentity);
  if (r.type === 'signedBaseLayer') return matchText(r.baseLayerIdentity);
  return '';
}

export function renderTrustTable(rows: readonly TrustRow[], withPolicy: boolean): string {
  const head: TrustRow = { policy: 'POLICY', transport: 'TRANSPORT', scope: 'SCOPE', type: 'TYPE', keys: 'KEYS / TRUST ROOT', identity: 'IDENTITY' };
  const cols: (keyof TrustRow)[] = withPolicy ? ['policy', 'transport', 'scope', 'type', 'keys', 'identity'] : ['transport', 'scope', 'type', 'keys', 'identity'];
  const all = [head, ...rows];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...all.map((r) => r[c].length))])) as Record<keyof TrustRow, number>;
  return all.map((r) => cols.map((c, i) => (i === cols.length - 1 ? r[c] : r[c].padEnd(width[c]))).join('  ').trimEnd()).join('\n') + '\n';
}
