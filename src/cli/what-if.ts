/**
 * What-if: every image judged under the new policy (`--policy`, `--signature-policy-dir`) and under the baseline the
 * nodes run today (`--baseline-policy`, `--baseline-policy-dir`; each defaults to its new counterpart, so only what
 * the operator names changes). Both evaluations read one shared image source per reference, so each manifest and
 * signature is fetched once. The result is a per-image change, never a new verdict: each side is c/image's own.
 */
import { planTasks, runTasks, type BatchOptions, type ImageRequest } from './batch.js';
import type { VerifyOptions } from './commands/verify.js';
import type { ProcessEnv } from './context.js';
import { combineExitCodes, EXIT } from './exit-codes.js';
import type { CLIIO } from './io.js';
import type { ImageOccurrence } from './k8s/manifests.js';
import { PolicyResolver } from './namespace-policy.js';
import { ImageSession } from './open-image.js';
import { policyPathOf } from './options.js';
import { renderDebugLines } from './output/debug.js';
import { errorOf, verdictOf, type ImageReport, type Verdict } from './output/result.js';
import { renderWhatIfJSON, renderWhatIfJUnit, renderWhatIfText } from './output/what-if.js';
import { describePolicyError } from './policy-load.js';
import type { ImageSource } from '../image/index.js';

export type WhatIfChange = 'newly-rejected' | 'newly-allowed' | 'rejection-changed' | 'unchanged';

/** One image (reference + new policy file + baseline policy file) and how its verdict moves. */
export interface WhatIfEntry {
  readonly change: WhatIfChange;
  readonly current: ImageReport;
  readonly baseline: ImageReport;
  readonly namespaces: readonly string[];
  readonly occurrences: readonly ImageOccurrence[];
}

export interface WhatIfSummary {
  readonly total: number;
  readonly references: number;
  readonly newlyRejected: number;
  readonly newlyAllowed: number;
  readonly rejectionChanged: number;
  readonly unchanged: { readonly total: number; readonly allowed: number; readonly rejected: number; readonly errors: number };
}

export interface WhatIfRun {
  readonly policies: {
    readonly policy: string | null;
    readonly signaturePolicyDir: string | null;
    readonly baselinePolicy: string | null;
    readonly baselinePolicyDir: string | null;
  };
  readonly entries: readonly WhatIfEntry[];
  readonly summary: WhatIfSummary;
  readonly failOnNewlyAllowed: boolean;
}

export const WHAT_IF_OUTPUTS = ['text', 'json', 'junit'] as const;

export function changeOf(current: ImageReport, baseline: ImageReport): WhatIfChange {
  const now = verdictOf(current) === 'allowed';
  const was = verdictOf(baseline) === 'allowed';
  if (was && !now) return 'newly-rejected';
  if (!was && now) return 'newly-allowed';
  if (!was && !now && errorOf(current)?.message !== errorOf(baseline)?.message) return 'rejection-changed';
  return 'unchanged';
}

export function summarizeWhatIf(entries: readonly WhatIfEntry[]): WhatIfSummary {
  const n = (c: WhatIfChange) => entries.filter((e) => e.change === c).length;
  const same = entries.filter((e) => e.change === 'unchanged');
  const v = (x: Verdict) => same.filter((e) => verdictOf(e.current) === x).length;
  return {
    total: entries.length,
    references: entries.reduce((k, e) => k + Math.max(1, e.occurrences.length), 0),
    newlyRejected: n('newly-rejected'),
    newlyAllowed: n('newly-allowed'),
    rejectionChanged: n('rejection-changed'),
    unchanged: { total: same.length, allowed: v('allowed'), rejected: v('rejected'), errors: v('error') },
  };
}

/**
 * Exit codes: 3 when a policy cannot be used; 1 when an image is newly rejected (the rollout gate), or newly
 * allowed with `--fail-on newly-allowed`; 2 when an image could not be evaluated at all (a gate must not pass what
 * it could not read); 0 otherwise.
 */
export function whatIfExitCode(run: WhatIfRun): number {
  const codes: number[] = [];
  for (const e of run.entries) {
    for (const r of [e.current, e.baseline]) if (r.exitCode === EXIT.usage) codes.push(EXIT.usage);
    if (e.change === 'newly-rejected') codes.push(EXIT.rejected);
    if (e.change === 'newly-allowed' && run.failOnNewlyAllowed) codes.push(EXIT.rejected);
    if (verdictOf(e.current) === 'error') codes.push(EXIT.couldNotEvaluate);
  }
  return combineExitCodes(codes);
}

export async function runWhatIf(requests: readonly ImageRequest[], opts: VerifyOptions & { failOnNewlyAllowed: boolean }, pe: ProcessEnv, io: CLIIO): Promise<number> {
  if (!(WHAT_IF_OUTPUTS as readonly string[]).includes(opts.output)) {
    io.stderr(`--output ${opts.output} is not available with --baseline-policy/--baseline-policy-dir: use ${WHAT_IF_OUTPUTS.join(', ')}\n`);
    return EXIT.usage;
  }
  const policy = policyPathOf(opts);
  const baselinePolicy = opts.baselinePolicy ?? policy;
  const baselineDir = opts.baselinePolicyDir ?? opts.signaturePolicyDir;
  const current = new PolicyResolver(pe, policy, opts.signaturePolicyDir);
  const baseline = new PolicyResolver(pe, baselinePolicy, baselineDir);
  const session = new ImageSession();
  const sources = new Map<string, Promise<ImageSource>>();
  const batch: BatchOptions = {
    ...opts,
    jobs: opts.jobs ?? 8,
    probeDisabledAttachments: true,
    sources,
    ...(opts.debug ? { onTrace: (r: ImageReport) => io.stderr(renderDebugLines(r.result?.trace ?? r.traceEvents ?? [])) } : {}),
  };
  const currentKeys: string[] = [];
  const baselineKeys: string[] = [];
  let currentReports: Map<string, ImageReport>;
  let baselineReports: Map<string, ImageReport>;
  try {
    const currentTasks = await planTasks(requests, current, currentKeys);
    const baselineTasks = await planTasks(requests, baseline, baselineKeys);
    // One after the other: the baseline run then finds every source (and its fetched manifest and signatures) ready.
    const a = await runTasks(currentTasks, batch, pe, current, session);
    const b = await runTasks(baselineTasks, batch, pe, baseline, session);
    currentReports = new Map(currentTasks.map((t, i) => [t.key, a[i]!]));
    baselineReports = new Map(baselineTasks.map((t, i) => [t.key, b[i]!]));
  } finally {
    await session.close();
  }

  const byPair = new Map<string, { current: ImageReport; baseline: ImageReport; namespaces: Set<string>; occurrences: ImageOccurrence[] }>();
  requests.forEach((r, i) => {
    const key = `${currentKeys[i]}\0\0${baselineKeys[i]}`;
    let p = byPair.get(key);
    if (!p) {
      p = { current: currentReports.get(currentKeys[i]!)!, baseline: baselineReports.get(baselineKeys[i]!)!, namespaces: new Set(), occurrences: [] };
      byPair.set(key, p);
    }
    if (r.namespace !== undefined) p.namespaces.add(r.namespace);
    if (r.occurrence) p.occurrences.push(r.occurrence);
  });
  const entries: WhatIfEntry[] = [...byPair.values()].map((p) => ({
    change: changeOf(p.current, p.baseline),
    current: p.current,
    baseline: p.baseline,
    namespaces: [...p.namespaces].sort(),
    occurrences: p.occurrences,
  }));
  const run: WhatIfRun = {
    policies: { policy: policy ?? null, signaturePolicyDir: opts.signaturePolicyDir ?? null, baselinePolicy: baselinePolicy ?? null, baselinePolicyDir: baselineDir ?? null },
    entries,
    summary: summarizeWhatIf(entries),
    failOnNewlyAllowed: opts.failOnNewlyAllowed,
  };

  const policyErrors = new Set<string>();
  for (const e of entries) for (const r of [e.current, e.baseline]) if (r.error?.kind === 'policy-format' || r.error?.kind === 'usage') policyErrors.add(describePolicyError(r.error));
  for (const m of policyErrors) io.stderr(m + '\n');

  switch (opts.output) {
    case 'json':
      io.stdout(renderWhatIfJSON(run));
      break;
    case 'junit':
      io.stdout(renderWhatIfJUnit(run));
      break;
    default:
      io.stdout(renderWhatIfText(run, io.chalk));
  }
  return whatIfExitCode(run);
}
