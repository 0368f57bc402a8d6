import type { ImgpolicyError } from '../errors.js';
import type { SignedByRequirement, SigstoreSignedRequirement } from '../policy/index.js';
import type { SigstoreSignature, SimpleSigningSignature } from '../image/index.js';
import type { Trace, TraceEvent } from '../trace.js';
import type { VerifiedPayload, VerifyContext } from '../signature/types.js';

/** The verifiers evaluation calls; injected so that crypto stacks load only when a requirement needs them. */
export interface Verifiers {
  sigstore(req: SigstoreSignedRequirement, sig: SigstoreSignature, ctx: VerifyContext): Promise<VerifiedPayload>;
  simpleSigning(req: SignedByRequirement, sig: SimpleSigningSignature, ctx: VerifyContext): Promise<VerifiedPayload>;
}

export interface EvaluationContext {
  readonly trace: Trace;
  readonly verify: VerifyContext;
  readonly verifiers: Verifiers;
  /** c/image's opt-in PolicyContext.RequireSignatureVerification (container-libs): deny when no requirement verified a signature. */
  readonly requireSignatureVerification?: boolean;
}

export interface SignatureOutcome {
  readonly index: number;
  readonly format: 'simple-signing' | 'sigstore';
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
