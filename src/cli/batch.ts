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
import type { Policy } from '../policy/index.js';
import { parseDockerReference, parseImageReference, type ImageReference } from '../reference/index.js';
import { evaluationContext, policyFileReader, type ProcessEnv } from './context.js';
import { explainRejection } from './explain-rejection.js';
import { exitCodeForError, EXIT } from './exit-codes.js';
import type { ImageOccurrence } from './k8s/manifests.js';
import type { PolicyChoice, PolicyResolver } from './namespace-policy.js';
import { openImageSource, type ImageSession } from './open-image.js';
import { effectiveTimeouts } from './timeouts.js';
import type { ImageAccessOptions } from './options.js';
import type { ImageReport } from './output/result.js';
import { describePolicyError } from './policy-load.js';

/** One reference to evaluate, with everywhere it was found. */
export interface ImageRequest {
  /** As written by the user. */
  readonly input: string;
  /** What is parsed for evaluation (e.g. `docker://` + the CRI-O form for manifest images). */
  readonly evaluate: string;
  readonly namespace?: string;
  readonly occurrence?: ImageOccurrence;
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
  readonly occurrences: ImageOccurrence[];
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
      t = { key, input: r.input, evaluate: r.evaluate, choice, occurrences: [] };
      tasks.set(key, t);
    }
    if (r.occurrence) t.occurrences.push(r.occurrence);
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
    });
  }
  let ref: ImageReference;
  let source: ImageSource;
  const limits = effectiveTimeouts(opts.timeout, pe.env);
  // Aborted when the image's deadline passes: every request, retry sleep and token fetch of this image stops.
  const deadline = new AbortController();
  try {
    ref = parseImageReference(t.evaluate, { cwd: pe.cwd });
    // A source shared by several tasks (one image under several policies) lives under the first task's deadline.
    source = await sharedSource(t.evaluate, opts.sources, () =>
      openImageSource(ref, opts, pe, ctx.trace, session, { ...(limits.requestMs !== undefined ? { requestMs: limits.requestMs } : {}), cancel: deadline.signal }),
    );
    // As a pull does, the manifest is read before the policy runs: an unreadable image is an error, never "allowed",
    // and every verdict names the digest it is about.
    const result = await withDeadline(evaluateImageAsPullWould(policy, source, ctx), limits.imageMs, deadline, t.input);
    const digest = result.manifestDigest;
    const digestVerified = result.requirements.some((q) => q.signatures?.some((s) => s.accepted && s.payload?.manifestDigest === digest));
    const explanation = result.allowed
      ? undefined
      : await explainRejection({ policy, ref, result, source, ...(digest ? { manifestDigest: digest } : {}), ...(opts.registriesD ? { registriesD: opts.registriesD } : {}) });
    return {
      ...withPolicy,
      result,
      exitCode: exitCodeForError(result.error),
      ...(digest ? { manifestDigest: digest } : {}),
      digestVerified,
      ...(explanation ? { explanation } : {}),
      seconds: seconds(),
    };
  } catch (e) {
    const error = asImgpolicyError(e);
    return { ...withPolicy, error, exitCode: exitCodeForError(error), seconds: seconds(), traceEvents: ctx.trace.events };
  }
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
