import type { ImageReference } from '../reference/index.js';

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
  /** Human-readable notes for the trace (which source was used, which instance was chosen). */
  readonly notes?: string[];
}
