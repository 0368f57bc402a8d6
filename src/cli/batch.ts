/**
 * Batch verification: many references (arguments, a list file, Kubernetes manifests), each distinct
 * (reference, policy file) pair evaluated exactly once, a bounded number at a time, over one shared registry pool
 * (connections and bearer tokens are per registry/repository, so 50 references to 5 repositories cost 5 tokens).
 *
 * Nothing here decides anything: each image gets c/image's verdict from `evaluateImageAsPullWould` (the manifest
 * read as a pull reads it, then `isRunningImageAllowed`); this module only
 * chooses the policy file (CRI-O's namespace rule), collects results, and adds explanations beside them.
 */
import { asImgpolicyError, ImageSourceError, PolicyFormatError, UsageError, type ImgpolicyError } from '../errors.js';
import { evaluateImageAsPullWould } from '../evaluate/index.js';
import type { ImageSource } from '../image/index.js';
import type { EvaluationResult } from '../evaluate/index.js';
import type { Policy } from '../policy/index.js';
import { isKnownTransport, parseDockerReference, parseImageReference, type ImageReference } from '../reference/index.js';
import { evaluationContext, policyFileReader, type ProcessEnv } from './context.js';
import { explainRejection } from './explain-rejection.js';
import { exitCodeForError, EXIT } from './exit-codes.js';
import type { ImageOccurrence } from './k8s/manifests.js';
import type { PolicyChoice, PolicyResolver } from './namespace-policy.js';
import { openImageSource, type ImageSession } from './open-image.js';
import { effectiveTimeouts } from './timeouts.js';
import type { ImageAccessOptions } from './options.js';
import type { ImageReport, PlatformOutcome } from './output/result.js';
import { describePolicyError } from './policy-load.js';

/** One reference to evaluate, with everywhere it was found. */
export interface ImageRequest {
  /** As written by the user. */
  readonly input: string;
  /** What is parsed for evaluation (e.g. `docker://` + the CRI-O form for manifest images). */
  readonly evaluate: string;
  readonly namespace?: string;
  /** Where the namespace came from (metadata.namespace, --namespace, the kubeconfig context, "default"), for the trace. */
  readonly namespaceSource?: string;
  readonly occurrence?: ImageOccurrence;
  /**
   * Evaluate every platform of a manifest list a node may pull ('all', or these architectures), as a cluster
   * pulls it, instead of only this machine's. Set for manifest images; ignored when --platform is given.
   */
  readonly architectures?: 'all' | readonly string[];
}

export interface BatchOptions extends ImageAccessOptions {
  readonly jobs: number;
  readonly requireSignatureVerification?: boolean;
  /** Opt-in: sigstore bundles from OCI referrers count as signatures (containers/image ignores them). */
  readonly sigstoreBundles?: boolean;
  /** When bundles are off, probe for them after a denial to say whether they would change the verdict. */
  readonly sigstoreBundleHint?: boolean;
  /** Called with each finished image's trace (for --debug) — the CLI prints, evaluation never does. */
  readonly onTrace?: (report: ImageReport) => void;
  readonly onProgress?: (done: number, total: number, current: string) => void;
  /**
   * Image sources shared by every task of the run that names the same reference (what-if evaluates each image
   * under two policies: each manifest and signature is read once). Absent: each task opens its own source.
   */
  readonly sources?: Map<string, Promise<ImageSource>>;
}

interface Task {
  readonly key: string;
  readonly input: string;
  readonly evaluate: string;
  readonly choice: PolicyChoice | { error: ImgpolicyError; namespace?: string };
  readonly namespaceSource?: string;
  readonly occurrences: ImageOccurrence[];
  architectures?: 'all' | string[];
}

/**
 * CRI-O pulls `name:tag@digest` as `name@digest` (it strips the tag, c/image refuses both), and a manifest image
 * is always a docker reference, never `dir:` or another transport.
 */
export function criOReference(image: string): { evaluate: string; stripped: boolean } {
  try {
    const ref = parseDockerReference(image);
    if (ref.tag !== undefined && ref.digest !== undefined) {
      return { evaluate: `docker://${ref.name()}@${ref.digest}`, stripped: true };
    }
  } catch {
    // Not a valid reference: the docker transport's parser gives the user its own error below.
  }
  return { evaluate: `docker://${image}`, stripped: false };
}

/** One task per (reference, policy file): the key that says which task evaluated a request. */
function taskKey(r: ImageRequest, choice: Task['choice']): string {
  const policyKey = 'error' in choice ? `error:${r.namespace ?? ''}` : (choice.path ?? '');
  return `${r.evaluate}\0${policyKey}`;
}

/** `keys`, when given, receives each request's task key, in request order (what-if pairs two plans by it). */
export async function planTasks(requests: readonly ImageRequest[], resolver: PolicyResolver, keys?: string[]): Promise<Task[]> {
  const choices = new Map<string, Promise<Task['choice']>>();
  const choose = (ns: string | undefined) => {
    const k = ns ?? '\0';
    let p = choices.get(k);
    if (!p) {
      p = resolver.choose(ns).catch((e: unknown) => ({ error: asImgpolicyError(e), ...(ns !== undefined ? { namespace: ns } : {}) }));
      choices.set(k, p);
    }
    return p;
  };
  const tasks = new Map<string, Task>();
  for (const r of requests) {
    const choice = await choose(r.namespace);
    const key = taskKey(r, choice);
    keys?.push(key);
    let t = tasks.get(key);
    if (!t) {
      t = { key, input: r.input, evaluate: r.evaluate, choice, ...(r.namespaceSource !== undefined ? { namespaceSource: r.namespaceSource } : {}), occurrences: [] };
      tasks.set(key, t);
    }
    if (r.occurrence) t.occurrences.push(r.occurrence);
    if (r.architectures !== undefined) {
      t.architectures = r.architectures === 'all' || t.architectures === 'all' ? 'all' : [...new Set([...(t.architectures ?? []), ...r.architectures])].sort();
    }
  }
  return [...tasks.values()];
}

export async function runTasks(
  tasks: readonly Task[],
  opts: BatchOptions,
  pe: ProcessEnv,
  resolver: PolicyResolver,
  session: ImageSession,
): Promise<ImageReport[]> {
  const reports: ImageReport[] = new Array(tasks.length);
  const readFile = policyFileReader();
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= tasks.length) return;
      const t = tasks[i]!;
      reports[i] = await verifyTask(t, opts, pe, resolver, session, readFile);
      opts.onTrace?.(reports[i]!);
      opts.onProgress?.(++done, tasks.length, t.input);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, tasks.length)) }, worker));
  return reports;
}

async function verifyTask(
  t: Task,
  opts: BatchOptions,
  pe: ProcessEnv,
  resolver: PolicyResolver,
  session: ImageSession,
  readFile: (path: string) => Promise<Uint8Array>,
): Promise<ImageReport> {
  const started = Date.now();
  const evaluated = t.evaluate !== t.input && t.evaluate !== `docker://${t.input}` ? { evaluated: t.evaluate } : {};
  const base = {
    input: t.input,
    ...evaluated,
    occurrences: t.occurrences,
    ...('error' in t.choice
      ? {}
      : { policySource: t.choice.source, ...(t.choice.path ? { policyPath: t.choice.path } : {}) }),
    ...(t.choice.namespace !== undefined ? { namespace: t.choice.namespace } : {}),
  };
  const seconds = () => (Date.now() - started) / 1000;
  if ('error' in t.choice) return { ...base, error: t.choice.error, exitCode: EXIT.usage, seconds: seconds() };
  let policy: Policy;
  try {
    policy = await resolver.load(t.choice);
  } catch (e) {
    // A policy that cannot be used is a bad invocation for every image it governs, never a "rejection".
    const error = e instanceof PolicyFormatError || e instanceof UsageError ? e : new UsageError(describePolicyError(e));
    return { ...base, error, exitCode: EXIT.usage, seconds: seconds() };
  }
  const withPolicy = { ...base, ...(policy.path ? { policyPath: policy.path } : {}) };
  const ctx = evaluationContext(pe, {
    readFile,
    ...(opts.requireSignatureVerification ? { requireSignatureVerification: true } : {}),
    ...(opts.sigstoreBundles ? { sigstoreBundles: true } : {}),
    ...(opts.sigstoreBundleHint === false ? { sigstoreBundleHint: false } : {}),
  });
  if (t.choice.source === 'namespace' || t.choice.namespace !== undefined) {
    // CRI-O's own log line for the choice, so that --debug shows which file decided before c/image's lines.
    ctx.trace.info(`Using pull policy path for image ${t.input}: ${JSON.stringify(policy.path ?? '')}`, {
      policyPath: policy.path ?? null,
      policySource: t.choice.source,
      ...(t.choice.namespace !== undefined ? { namespace: t.choice.namespace } : {}),
      ...(t.namespaceSource !== undefined ? { namespaceSource: t.namespaceSource } : {}),
    });
  }
  if (t.namespaceSource !== undefined) ctx.trace.info(`Namespace ${JSON.stringify(t.choice.namespace ?? '')} from ${t.namespaceSource}`, { namespaceSource: t.namespaceSource });
  let ref: ImageReference;
  try {
    ref = parseImageReference(t.evaluate, { cwd: pe.cwd });
  } catch (e) {
    // skopeo/CRI-O parse the name before anything else: the policy never runs, and the image is an error of its
    // own (the batch goes on), worded as c/image's alltransports error.
    const error = new ImageSourceError(`Invalid source name ${withTransport(t.evaluate)}: ${(e as Error).message}`);
    return { ...withPolicy, error, exitCode: exitCodeForError(error), seconds: seconds(), traceEvents: ctx.trace.events };
  }
  let source: ImageSource;
  const limits = effectiveTimeouts(opts.timeout, pe.env);
  // Aborted when the image's deadline passes: every request, retry sleep and token fetch of this image stops.
  const deadline = new AbortController();
  try {
    // A source shared by several tasks (one image under several policies) lives under the first task's deadline.
    source = await sharedSource(t.evaluate, opts.sources, () =>
      openImageSource(ref, opts, pe, ctx.trace, session, { ...(limits.requestMs !== undefined ? { requestMs: limits.requestMs } : {}), cancel: deadline.signal }),
    );
    // As a pull does, the manifest is read before the policy runs: an unreadable image is an error, never "allowed",
    // and every verdict names the digest it is about.
    const sourceLimits = { ...(limits.requestMs !== undefined ? { requestMs: limits.requestMs } : {}), cancel: deadline.signal };
    const evaluateAll = async () => {
      const primary = await evaluateImageAsPullWould(policy, source, ctx);
      if (t.architectures === undefined || opts.platform || !source.manifestList) return { chosen: { result: primary, source }, list: {} };
      const every = await evaluateEveryPlatform(t, ref, policy, source, primary, opts, pe, ctx, session, sourceLimits);
      return every ? { chosen: every.chosen, list: { listDigest: every.listDigest, platforms: every.platforms } } : { chosen: { result: primary, source }, list: {} };
    };
    // One deadline for the image, all its platforms included.
    const { chosen, list } = await withDeadline(evaluateAll(), limits.imageMs, deadline, t.input);
    const { result } = chosen;
    const digest = result.manifestDigest;
    const digestVerified = result.requirements.some((q) => q.signatures?.some((s) => s.accepted && s.payload?.manifestDigest === digest));
    const explanation = result.allowed
      ? undefined
      : await explainRejection({ policy, ref, result, source: chosen.source, ...(digest ? { manifestDigest: digest } : {}), ...(opts.registriesD ? { registriesD: opts.registriesD } : {}) });
    return {
      ...withPolicy,
      result,
      exitCode: exitCodeForError(result.error),
      ...(digest ? { manifestDigest: digest } : {}),
      digestVerified,
      ...(explanation ? { explanation } : {}),
      ...list,
      seconds: seconds(),
    };
  } catch (e) {
    const error = asImgpolicyError(e);
    return { ...withPolicy, error, exitCode: exitCodeForError(error), seconds: seconds(), traceEvents: ctx.trace.events };
  }
}

/**
 * A cluster's nodes pull the instance for their own platform, so a manifest image of a list is evaluated on each
 * platform a node may pull: every instance (attestation entries, `unknown/unknown`, excepted), narrowed by the
 * pod's nodeSelector/affinity on kubernetes.io/arch. The verdict shown is the worst of them. Undefined when the
 * reference is not a list.
 */
async function evaluateEveryPlatform(
  t: Task,
  ref: ImageReference,
  policy: Policy,
  source: ImageSource,
  primary: EvaluationResult,
  opts: BatchOptions,
  pe: ProcessEnv,
  ctx: ReturnType<typeof evaluationContext>,
  session: ImageSession,
  sourceLimits: { requestMs?: number; cancel?: AbortSignal },
): Promise<{ listDigest: string; platforms: PlatformOutcome[]; chosen: { result: EvaluationResult; source: ImageSource } } | undefined> {
  let list;
  try {
    list = await source.manifestList!();
  } catch {
    return undefined; // the primary evaluation already carries why the image could not be read
  }
  if (!list) return undefined;
  const archs = t.architectures;
  const wanted = list.instances.filter(
    (i) => i.platform?.os && i.platform.architecture && i.platform.os !== 'unknown' && (archs === 'all' || archs === undefined || archs.includes(i.platform.architecture)),
  );
  if (wanted.length === 0) {
    const error = new ImageSourceError(
      `no image in manifest list ${ref.toString()} for the architectures the pod may run on (${archs === 'all' || archs === undefined ? 'any' : archs.join(', ')}): its nodes could not pull it`,
    );
    return { listDigest: list.digest, platforms: [], chosen: { result: { ...primary, allowed: false, error }, source } };
  }
  const runs: { platform: string; digest: string; result: EvaluationResult; source: ImageSource }[] = [];
  for (const i of wanted) {
    const p = i.platform!;
    const platform = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
    if (i.digest === primary.manifestDigest) {
      runs.push({ platform, digest: i.digest, result: primary, source });
      continue;
    }
    ctx.trace.info(`Evaluating platform ${platform} of manifest list ${list.digest} (instance ${i.digest})`, { platform, instance: i.digest });
    const s = await openImageSource(ref, { ...opts, platform }, pe, ctx.trace, session, sourceLimits);
    runs.push({ platform, digest: i.digest, result: await evaluateImageAsPullWould(policy, s, ctx), source: s });
  }
  const rank = (r: EvaluationResult) => [EXIT.allowed, EXIT.couldNotEvaluate, EXIT.rejected, EXIT.usage].indexOf(exitCodeForError(r.allowed ? undefined : (r.error ?? new ImageSourceError('not allowed'))) as 0 | 1 | 2 | 3);
  const worst = runs.reduce((a, b) => (rank(b.result) > rank(a.result) ? b : a));
  const platforms = runs.map((r) => ({
    platform: r.platform,
    digest: r.digest,
    verdict: r.result.allowed ? ('allowed' as const) : exitCodeForError(r.result.error) === EXIT.couldNotEvaluate ? ('error' as const) : ('rejected' as const),
    ...(r.result.allowed ? {} : { message: r.result.error?.message ?? 'not allowed' }),
  }));
  return { listDigest: list.digest, platforms, chosen: { result: worst.result, source: worst.source } };
}

/** The name as skopeo is given it: imgpolicy's bare references are `docker://` ones. */
function withTransport(input: string): string {
  const colon = input.indexOf(':');
  return colon !== -1 && isKnownTransport(input.slice(0, colon)) ? input : `docker://${input}`;
}

function sharedSource(key: string, sources: Map<string, Promise<ImageSource>> | undefined, open: () => Promise<ImageSource>): Promise<ImageSource> {
  if (!sources) return open();
  let p = sources.get(key);
  if (!p) {
    p = open();
    sources.set(key, p);
  }
  return p;
}

/** The image's verdict, or an error once `ms` have passed; either way the deadline's signal ends its requests. */
function withDeadline<T>(p: Promise<T>, ms: number | undefined, deadline: AbortController, input: string): Promise<T> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new ImageSourceError(`evaluating ${input}: timed out after ${ms / 1000} s`);
      deadline.abort(err);
      reject(err);
    }, ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
