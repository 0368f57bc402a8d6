import type { ImageReference } from '../reference/index.js';
import type { Trace } from '../trace.js';

/** A simple-signing (GPG, "atomic container signature") blob: raw OpenPGP bytes. */
export interface SimpleSigningSignature {
  readonly format: 'simple-signing';
  readonly blob: Uint8Array;
}

/** A sigstore attachment (one layer of a `.sig` manifest, or a `sigstore-json` dir: file). */
export interface SigstoreSignature {
  readonly format: 'sigstore';
  readonly mimeType: string;
  readonly payload: Uint8Array;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Signature = SimpleSigningSignature | SigstoreSignature;

/**
 * A sigstore bundle found as an OCI 1.1 referrer of the image (cosign v3's default storage; containers/image never
 * reads these). One referrer manifest may carry several bundle layers; each is one attachment.
 */
export interface BundleAttachment {
  readonly format: 'sigstore-bundle';
  /** Layer media type, e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`. */
  readonly mediaType: string;
  /** The bundle JSON, exactly as stored (size-limited, digest-checked). */
  readonly bytes: Uint8Array;
  /** The digest the bundle was discovered for (the per-platform instance for lists): what it must sign. */
  readonly subjectDigest: string;
  /** Digest of the referrer manifest that holds the bundle layer. */
  readonly referrer: string;
  /** `referrers-api` (OCI 1.1 endpoint) or `referrers-tag` (the `sha256-<hex>` tag-schema fallback). */
  readonly source: 'referrers-api' | 'referrers-tag';
  /** Annotations of the referrer manifest (cosign: `dev.sigstore.bundle.predicateType`, `…content`). */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface Manifest {
  readonly bytes: Uint8Array;
  /** Media type as served / detected. */
  readonly mimeType: string;
}

/**
 * What evaluation reads of an image, and nothing else. Implementations fetch lazily and at most once:
 * `manifest()` and `signatures()` return the same promise on every call.
 * For a manifest list, `manifest()` is the chosen per-platform instance, never the index.
 */
export interface ImageSource {
  readonly reference: ImageReference;
  /** The manifest that the policy applies to (per-platform instance for lists). */
  manifest(): Promise<Manifest>;
  /** All signatures, in c/image's order (lookaside / simple-signing first, then sigstore attachments). */
  signatures(): Promise<Signature[]>;
  /**
   * Opt-in, beyond containers/image: sigstore bundles attached as OCI referrers of the manifest the policy applies
   * to. Only called when asked (`--sigstore-bundles`, or the cheap "would bundles change this?" probe), fetched at
   * most once. Optional: sources without a registry have none.
   */
  bundles?(opts?: { trace?: Trace }): Promise<BundleAttachment[]>;
  /** Human-readable notes for the trace (which source was used, which instance was chosen). */
  readonly notes?: string[];
  /**
   * Beyond a pull: when the reference names a manifest list, its digest and instances (so a gate can evaluate every
   * platform a node may pull, and pin the list). Undefined for a single manifest. Optional: registries only.
   */
  manifestList?(): Promise<ManifestListInfo | undefined>;
}

export interface ManifestListInfo {
  /** sha256 of the list's bytes: what `name@digest` pins. */
  readonly digest: string;
  readonly instances: readonly { readonly digest: string; readonly platform?: { os?: string; architecture?: string; variant?: string } | null }[];
}
