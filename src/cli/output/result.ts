import { ERROR_KINDS, type ImgpolicyError } from '../../errors.js';
import type { EvaluationResult, ScopeMatch } from '../../evaluate/index.js';
import type { TraceEvent } from '../../trace.js';
import type { ImageOccurrence } from '../k8s/manifests.js';
import type { ManifestProblem } from '../k8s/problem.js';
import type { FindingsNotes } from './findings.js';

/** A configuration-mistake hint, beside (never instead of) containers/image's message. */
export interface Hint {
  /** Stable machine-readable code, e.g. `sigstore-attachments-disabled`. */
  readonly code: string;
  readonly text: string;
}

/** What a formatter prints under a rejection: which file/scope/requirement decided, what was expected and found. */
export interface Explanation {
  readonly policyPath?: string;
  readonly scope?: ScopeMatch;
  readonly requirement?: { readonly index: number; readonly type: string; readonly line?: number };
  readonly expected: readonly string[];
  readonly found: readonly string[];
  readonly hints: readonly Hint[];
}

/** The pinned form's own verdict (`--pin`): CRI-O evaluates `name@digest` once the manifest says `name:tag@digest`. */
export interface PinOutcome {
  readonly reference: string;
  readonly allowed: boolean;
  readonly message?: string;
  /** Whether the manifests were rewritten for this image. */
  readonly written: boolean;
}

/** One image's result as every formatter sees it. */
export interface ImageReport {
  /** What the user wrote (the first spelling seen, for images listed several times). */
  readonly input: string;
  /** The reference evaluated, when it differs from `input` (CRI-O drops the tag of `name:tag@digest`). */
  readonly evaluated?: string;
  /** The policy file that decided. */
  readonly policyPath?: string;
  /** `namespace`: `<signature-policy-dir>/<ns>.json`; `global`: the global policy (also the fallback). */
  readonly policySource?: 'namespace' | 'global';
  readonly namespace?: string;
  readonly result?: EvaluationResult;
  /** Set when the image could not even be opened (bad reference, unsupported transport, policy not loadable). */
  readonly error?: ImgpolicyError;
  readonly exitCode: number;
  /** The manifest digest the verdict is about (per-platform instance for lists), when it could be read. */
  readonly manifestDigest?: string;
  /** True when an accepted signature named that digest (not merely "allowed without a check"). */
  readonly digestVerified?: boolean;
  /** Where the image appears in Kubernetes manifests (empty for command-line images). */
  readonly occurrences?: readonly ImageOccurrence[];
  readonly explanation?: Explanation;
  readonly pin?: PinOutcome;
  /** The trace of an image that failed before a result existed (for --debug and JSON). */
  readonly traceEvents?: readonly TraceEvent[];
  /** Wall time of the evaluation, for JUnit. */
  readonly seconds?: number;
  /** When the reference names a manifest list: its digest (what `--pin` writes). */
  readonly listDigest?: string;
  /** For manifest images of a list: the verdict on each platform a node may pull (the report's verdict is the worst). */
  readonly platforms?: readonly PlatformOutcome[];
}

export interface PlatformOutcome {
  readonly platform: string;
  readonly digest: string;
  readonly verdict: Verdict;
  readonly message?: string;
}

export type Verdict = 'allowed' | 'rejected' | 'error';

export function verdictOf(r: ImageReport): Verdict {
  if (r.result?.allowed) return 'allowed';
  const e = r.error ?? r.result?.error;
  return e ? ERROR_KINDS[e.kind].verdict : 'error';
}

export function errorOf(r: ImageReport): ImgpolicyError | undefined {
  return r.error ?? r.result?.error;
}

/** `SignatureValidationFailed` where CRI-O would give the kubelet that reason (see ERROR_KINDS). */
export function kubeletReason(e: ImgpolicyError | undefined): string | undefined {
  return e ? ERROR_KINDS[e.kind].kubeletReason : undefined;
}

/** c/image's class names, for consumers that mirror CRI-O's classification. */
export function errorClass(e: ImgpolicyError): string {
  return ERROR_KINDS[e.kind].cimageClass;
}

/** `SignatureValidationFailed: <message>` where CRI-O would say so, else the message alone. */
export function reasonAndMessage(e: ImgpolicyError): string {
  const reason = kubeletReason(e);
  return reason ? `${reason}: ${e.message}` : e.message;
}

/** Where an image appears, for one line of text: `k8s/web.yaml:12 (Deployment web, container app)`. */
export function occurrenceLabel(o: ImageOccurrence): string {
  return `${o.file}:${o.line} (${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}, ${o.field === 'containers' ? 'container' : o.field.replace(/s$/, '')} ${o.container})`;
}

/** The scope that decided, in words. */
export function scopeLabel(s: ScopeMatch | undefined): string {
  if (!s || s.kind === 'default') return 'the default section';
  return `transport ${JSON.stringify(s.transport ?? '')} scope ${JSON.stringify(s.scope ?? '')}`;
}

export interface Summary {
  readonly total: number;
  readonly allowed: number;
  readonly rejected: number;
  readonly errors: number;
  readonly references: number;
}

export function summarize(reports: readonly ImageReport[]): Summary {
  const count = (v: Verdict) => reports.filter((r) => verdictOf(r) === v).length;
  const references = reports.reduce((n, r) => n + Math.max(1, r.occurrences?.length ?? 0), 0);
  return { total: reports.length, allowed: count('allowed'), rejected: count('rejected'), errors: count('error'), references };
}

/** Run-level notes every formatter shows (tag-only verification, pins written, skipped documents). */
export interface RunNotes extends FindingsNotes {
  readonly warnings: readonly string[];
  /** Manifest documents or constructs that were not read (refused, unparsable): errors in every format. */
  readonly problems?: readonly ManifestProblem[];
  /** Manifest places knowingly not evaluated (--ignore-kind): also in `warnings`; JUnit and SARIF list them too. */
  readonly skippedDocuments?: readonly string[];
  readonly pinnedFiles?: readonly string[];
}
