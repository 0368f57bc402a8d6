import { InvalidSignatureError } from '../errors.js';
import { goQuote } from '../go/fmt.js';
import {
  decodeAny,
  decodeFloat64,
  decodeString,
  paranoidObject,
  paranoidObjectExactFields,
  type GoJsonValue,
} from '../go/encoding/json/decode.js';
import { GoJSONError, readJson } from '../go/encoding/json/scanner.js';

/**
 * The strict parser for the JSON inside a signature: the simple-signing "atomic container signature" (GPG) and the
 * sigstore "cosign container image signature" payloads share it (c/image simple.go and internal/sigstore_payload.go
 * are the same code apart from the type string and the handling of `"optional": null`).
 *
 * Why not JSON.parse: c/image decodes with Go's encoding/json through a "paranoid" token-level reader, and several of
 * its observable decisions depend on that (duplicate members are an error, keys are compared after unescaping, `null`
 * for a string means "", numbers are float64, invalid UTF-8 becomes U+FFFD, error texts are Go's). A payload that
 * c/image rejects must be rejected here with the same message, and vice versa, so we re-implement exactly that much of
 * Go's decoder — with the shared reader and decoders of src/util/go-json/, which the policy parser and the sigstore
 * verifier use too.
 *
 * Every failure is an InvalidSignatureError carrying c/image's text (its JSONFormatError → InvalidSignatureError path).
 */

export type PayloadVariant = 'simple-signing' | 'sigstore';

/** Claims of a payload that passed the strict parse. Untrusted until the caller has checked the cryptography. */
export interface ParsedSignaturePayload {
  /** `critical.identity.docker-reference`, raw (validated only by the identity matcher; may be ""). */
  readonly dockerReference: string;
  /** `critical.image.docker-manifest-digest`, validated as a go-digest. */
  readonly manifestDigest: string;
  /** `optional.creator`, when present (JSON null decodes as "", as in Go). */
  readonly creator?: string;
  /** `optional.timestamp`, seconds since the epoch, when present (JSON null decodes as 0, as in Go). */
  readonly timestamp?: number;
}

const SIGNATURE_TYPES: Record<PayloadVariant, string> = {
  'simple-signing': 'atomic container signature',
  sigstore: 'cosign container image signature',
};

/**
 * Parses a signature payload the way c/image's `json.Unmarshal(payload, &untrustedSignature)` does.
 * `variant` picks the expected `critical.type` and whether `"optional": null` is allowed (sigstore only).
 */
export function parseSignaturePayload(bytes: Uint8Array, variant: PayloadVariant): ParsedSignaturePayload {
  try {
    return decodePayload(bytes, variant);
  } catch (e) {
    // Go's syntax and decoding errors reach the caller as c/image's JSONFormatError → InvalidSignatureError.
    if (e instanceof GoJSONError) throw new InvalidSignatureError(e.message);
    throw e;
  }
}

function decodePayload(bytes: Uint8Array, variant: PayloadVariant): ParsedSignaturePayload {
  // json.Unmarshal validates the whole input before calling the type's UnmarshalJSON.
  const { root } = readJson(bytes, { positions: false });

  let critical: GoJsonValue = { kind: 'null' };
  let optional: GoJsonValue = { kind: 'null' };
  paranoidObjectExactFields(root, {
    critical: (v) => (critical = v),
    optional: (v) => (optional = v),
  });

  let creator: string | undefined;
  let timestampFloat: number | undefined;
  // sigstore_payload.go skips the optional object when its raw bytes are exactly `null`; simple.go does not.
  if (!(variant === 'sigstore' && optional.kind === 'null')) {
    paranoidObject(optional, (key) => {
      switch (key) {
        case 'creator':
          return (v) => (creator = decodeString(v));
        case 'timestamp':
          return (v) => (timestampFloat = decodeFloat64(v));
        default:
          // Unknown optional members are decoded into an `any` and dropped — which still fails on out-of-range numbers.
          return decodeAny;
      }
    });
  }
  let timestamp: number | undefined;
  if (timestampFloat !== undefined) {
    // Go: int64(f) must round-trip to f. Values outside int64 do not (the conversion saturates/wraps on amd64).
    if (!Number.isInteger(timestampFloat) || timestampFloat < -(2 ** 63) || timestampFloat >= 2 ** 63) {
      throw new InvalidSignatureError('Field optional.timestamp is not an integer');
    }
    timestamp = timestampFloat === 0 ? 0 : timestampFloat; // no -0
  }

  let type = '';
  let image: GoJsonValue = { kind: 'null' };
  let identity: GoJsonValue = { kind: 'null' };
  paranoidObjectExactFields(critical, {
    type: (v) => (type = decodeString(v)),
    image: (v) => (image = v),
    identity: (v) => (identity = v),
  });
  if (type !== SIGNATURE_TYPES[variant]) {
    throw new InvalidSignatureError(`Unrecognized signature type ${type}`);
  }

  let digest = '';
  paranoidObjectExactFields(image, { 'docker-manifest-digest': (v) => (digest = decodeString(v)) });
  const digestError = goDigestError(digest);
  if (digestError !== null) {
    throw new InvalidSignatureError(`invalid docker-manifest-digest value ${goQuote(digest)}: ${digestError}`);
  }

  let dockerReference = '';
  paranoidObjectExactFields(identity, { 'docker-reference': (v) => (dockerReference = decodeString(v)) });

  return {
    dockerReference,
    manifestDigest: digest,
    ...(creator !== undefined ? { creator } : {}),
    ...(timestamp !== undefined ? { timestamp } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// go-digest validation (digest.Parse → Digest.Validate), with its error texts.

const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_SYNTAX = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** null when `s` is a valid digest for go-digest (sha256/sha384/sha512 are the algorithms c/image links in). */
export function goDigestError(s: string): string | null {
  const i = s.indexOf(':');
  if (i <= 0 || i + 1 === s.length) return 'invalid checksum digest format';
  const algorithm = s.slice(0, i);
  const encoded = s.slice(i + 1);
  const hexLength = Object.hasOwn(DIGEST_HEX_LENGTH, algorithm) ? DIGEST_HEX_LENGTH[algorithm] : undefined;
  if (hexLength === undefined) {
    return DIGEST_SYNTAX.test(s) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  }
  if (Buffer.byteLength(encoded, 'utf8') !== hexLength) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? null : 'invalid checksum digest format';
}

// ---------------------------------------------------------------------------------------------------------------
// Kept for callers of the syntax check alone.

/** Returns Go's error message for invalid JSON (json.Unmarshal's checkValid), or null when the input is valid. */
export function goJSONSyntaxError(b: Uint8Array): string | null {
  try {
    readJson(b, { positions: false });
    return null;
  } catch (e) {
    if (e instanceof GoJSONError) return e.message;
    throw e;
  }
}
