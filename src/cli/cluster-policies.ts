/**
 * `verify --cluster-policies`: evaluate with the node files `render` would write, per namespace, as CRI-O reads them.
 *
 * The files are rendered in memory and handed to the normal verify path through a private temporary directory (the
 * registry layer reads registries.d from a directory), removed when the run ends; nothing is written where the user
 * looks. Each report then names the files by their node paths (/etc/containers/policy.json,
 * /etc/crio/policies/<ns>.json) and the resources (Kind/name) behind the scope that decided.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { ProcessEnv } from './context.js';
import { collect } from './options.js';
import type { CLIIO } from './io.js';
import type { ImageReport } from './output/result.js';
import { renderInputFromOptions, type RenderOptions } from './render-input.js';
import { SIGSTORE_REGISTRIES_PATH, POLICY_PATH, type RenderResult } from '../crd/index.js';

export interface ClusterPolicyFiles {
  readonly policy: string;
  readonly signaturePolicyDir: string;
  readonly registriesD: string;
  readonly result: RenderResult;
  /** Names the node file and the resources behind the scope that decided. */
  annotate(r: ImageReport): ImageReport;
  cleanup(): Promise<void>;
}

export async function prepareClusterPolicies(
  inputs: readonly string[],
  opts: RenderOptions & { registriesD?: string },
  pe: ProcessEnv,
  io: CLIIO,
): Promise<ClusterPolicyFiles> {
  const { renderPaths } = await import('../crd/index.js');
  const result = await renderPaths(inputs, pe.cwd, io.readStdin ?? (async () => ''), await renderInputFromOptions(opts, pe));
  const dir = await mkdtemp(join(tmpdir(), 'imgpolicy-cluster-'));
  try {
    // The node's other registries.d files (lookasides, defaults) stay in force beside sigstore-registries.yaml.
    if (opts.registriesD !== undefined) await cp(resolve(pe.cwd, opts.registriesD), join(dir, dirname(SIGSTORE_REGISTRIES_PATH)), { recursive: true });
    for (const [rel, text] of result.files) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), text);
    }
    await mkdir(join(dir, 'crio/policies'), { recursive: true });
    await mkdir(join(dir, dirname(SIGSTORE_REGISTRIES_PATH)), { recursive: true });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const nodePath = (p: string | undefined) => (p !== undefined && p.startsWith(dir + '/') ? `/etc/${p.slice(dir.length + 1)}` : p);
  const annotate = (r: ImageReport): ImageReport => {
    const policyPath = nodePath(r.policyPath);
    const rel = policyPath?.replace(/^\/etc\//, '');
    const scope = r.result?.scope.scope ?? r.explanation?.scope?.scope ?? undefined;
    const from = rel !== undefined && scope !== undefined && scope !== null ? result.origins.get(rel)?.get(scope) : undefined;
    const label = policyPath === undefined ? undefined : from && from.length > 0 ? `${policyPath} [scope ${JSON.stringify(scope)} from ${from.join(', ')}]` : policyPath;
    const note = from && from.length > 0 ? `Scope ${JSON.stringify(scope)} of ${policyPath} comes from ${from.join(', ')}` : `${policyPath ?? 'the policy'}: the scope that applied comes from no cluster policy (the base policy's default or transports)`;
    // policyPath stays the file (findings compare files); the rejection's "decided by" line and the trace name the resource.
    return {
      ...r,
      ...(policyPath !== undefined ? { policyPath } : {}),
      ...(r.result ? { result: { ...r.result, trace: [...r.result.trace, { level: 'info' as const, message: note, data: { clusterPolicies: from ?? [] } }] } } : {}),
      ...(r.explanation ? { explanation: { ...r.explanation, ...(label !== undefined ? { policyPath: label } : {}) } } : {}),
    };
  };
  return {
    policy: join(dir, POLICY_PATH),
    signaturePolicyDir: join(dir, 'crio/policies'),
    registriesD: join(dir, dirname(SIGSTORE_REGISTRIES_PATH)),
    result,
    annotate,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** verify's flags for cluster policies (the render flags that change what is rendered). */
export function addClusterPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--cluster-policies <path>', 'evaluate with the node files these ClusterImagePolicy/ImagePolicy resources produce (files, directories, "-"; repeatable; see `imgpolicy render`)', collect)
    .option('--base-policy <file>', 'with --cluster-policies: the policy.json the MCO starts from (default: its template)')
    .option('--fulcio-ca <file>', 'with policy-controller --cluster-policies: Fulcio CA (PEM)')
    .option('--rekor-public-key <file>', 'with policy-controller --cluster-policies: Rekor public key (PEM)')
    .addOption(new Option('--on-no-match <policy>', 'with policy-controller --cluster-policies: images no policy matches').choices(['deny', 'allow']))
    .option('--key-secret <name=file>', 'with policy-controller --cluster-policies: a Secret from a PEM file (repeatable)', collect);
}
