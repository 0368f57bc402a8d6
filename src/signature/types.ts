import type { Trace } from '../trace.js';

/**
 * What a verifier hands back: the claims of a payload whose signature verified cryptographically and whose
 * JSON passed c/image's strict parser. The manifest digest and the identity are checked by the caller
 * (evaluate/), in c/image's order: crypto → payload parse → digest → identity.
 */
export interface VerifiedPayload {
  /** `critical.identity.docker-reference`, raw (validated only by the identity matcher). */
  readonly dockerReference: string;
  /** `critical.image.docker-manifest-digest`, already validated as a digest. */
  readonly manifestDigest: string;
  /** Facts for explanations and `inspect` (key fingerprint, certificate identity, issuer, Rekor time …). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** What verifiers may use from the outside world; passed in, never global. */
export interface VerifyContext {
  /** Reads a key / CA / keyring file named by the policy. Errors propagate as plain errors (c/image: OS error). */
  readFile(path: string): Promise<Uint8Array>;
  /** The current time (PKI certificates are checked "now"; tests pin it). */
  now(): Date;
  readonly trace: Trace;
}
