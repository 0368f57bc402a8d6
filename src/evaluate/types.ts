import type { ImgpolicyError } from '../errors.js';
import type { SignedByRequirement, SigstoreSignedRequirement } from '../policy/index.js';
import type { BundleAttachment, SigstoreSignature, SimpleSigningSignature } from '../image/index.js';
import type { Trace, TraceEvent } from '../trace.js';
import type { VerifiedPayload, VerifyContext } from '../signature/types.js';

/** The verifiers evaluation calls; injected so that crypto stacks load only when a requirement needs them. */
export interface Verifiers {
  sigstore(req: SigstoreSignedRequirement, sig: SigstoreSignature, ctx: VerifyContext): Promise<VerifiedPayload>;
  simpleSigning(req: SignedByRequirement, sig: SimpleSigningSignature, ctx: VerifyContext): Promise<VerifiedPayload>;
  /**
   * Opt-in sigstore bundles (beyond c/image). Optional: when absent, evaluation lazy-imports
   * src/signature/bundle/ itself, so callers that never enable bundles need not wire anything.
   */
  sigstoreBundle?(req: SigstoreSignedRequirement, bundle: BundleAttachment, image: { manifest: Uint8Array; identity: string }, ctx: VerifyContext): Promise<VerifiedPayload>;
}

export interface EvaluationContext {
  readonly trace: Trace;
  readonly verify: VerifyContext;
  readonly verifiers: Verifiers;
  /** c/image's opt-in PolicyContext.RequireSignatureVerification (container-libs): deny when no requirement verified a signature. */
  readonly requireSignatureVerification?: boolean;
  /**
   * Beyond containers/image, off by default: also accept sigstore bundles stored as OCI 1.1 referrers (cosign v3's
   * default), tried after the c/image signatures. When off (undefined/false) verdicts are exactly c/image's; a
   * denied sigstoreSigned requirement may still *look* for bundles and record a `sigstore-bundle-present` hint.
   */
  readonly sigstoreBundles?: boolean;
  /** Set to false to skip even that look (no extra registry requests after a denial). Default: look. */
  readonly sigstoreBundleHint?: boolean;
}

export interface SignatureOutcome {
  readonly index: number;
  readonly format: 'simple-signing' | 'sigstore' | 'sigstore-bundle';
  readonly accepted: boolean;
  readonly error?: ImgpolicyError;
  /** What the signature claimed / who signed it, when it got far enough to tell. */
  readonly payload?: VerifiedPayload;
}

export interface RequirementOutcome {
  readonly index: number;
  readonly type: string;
  readonly allowed: boolean;
  readonly error?: ImgpolicyError;
  readonly signatures?: readonly SignatureOutcome[];
  /** Signatures present but not considered by this requirement type. */
  readonly skipped?: { readonly nonSigstore?: number; readonly nonSignatureAttachments?: number; readonly nonSimpleSigning?: number };
  /** sigstoreSigned only, when bundles were looked for (enabled, or the hint probe after a denial). */
  readonly bundles?: BundleReport;
}

export interface BundleReport {
  /** Whether bundles took part in the verdict (`sigstoreBundles`), or were only probed for the hint. */
  readonly enabled: boolean;
  readonly found: number;
  /** Where they were found: the referrers API or the `sha256-<hex>` tag fallback. */
  readonly source?: 'referrers-api' | 'referrers-tag';
  /** Probe only: would enabling bundles have allowed this requirement? */
  readonly wouldAllow?: boolean;
  /** Probe only: outcome of each bundle under this requirement. */
  readonly outcomes?: readonly SignatureOutcome[];
}

export interface ScopeMatch {
  readonly transport: string | null;
  readonly scope: string | null;
  readonly kind: 'identity' | 'namespace' | 'transport-default' | 'default';
}

export interface EvaluationResult {
  /** `transport:PolicyConfigurationIdentity`, as in `IsRunningImageAllowed for image %s`. */
  readonly image: string;
  readonly allowed: boolean;
  /** The denial, worded exactly as containers/image words it. */
  readonly error?: ImgpolicyError;
  readonly scope: ScopeMatch;
  readonly requirements: readonly RequirementOutcome[];
  /** The manifest digest that was verified (when the manifest was read). */
  readonly manifestDigest?: string;
  readonly trace: readonly TraceEvent[];
}
