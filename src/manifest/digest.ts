import { createHash } from 'node:crypto';
import { EvaluationError } from '../errors.js';
import { readJson, type GoJsonValue } from '../go/encoding/json/scanner.js';
import { foldEq } from '../go/encoding/json/decode.js';

/**
 * c/image manifest.Digest: SHA-256 of the manifest bytes, except that a *signed* Docker schema-1 manifest is
 * digested without its JWS signatures (libtrust "pretty signature" payload). Only sha256 is ever produced, which
 * is why a signature claiming a sha512 digest can never match (spec §6.3).
 */
export function manifestDigest(manifest: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(schema1SignedPayload(manifest) ?? manifest).digest('hex');
}

/** c/image MatchesDigest: does `expected` name this manifest? Unsupported algorithms simply do not match. */
export function manifestMatchesDigest(manifest: Uint8Array, expected: string): boolean {
  const colon = expected.indexOf(':');
  const algorithm = expected.slice(0, colon);
  if (algorithm !== 'sha256') return false;
  return manifestDigest(manifest) === expected;
}

/**
 * c/image manifest.GuessMIMEType, exactly: decode `{mediaType string; schemaVersion int; signatures any}` with Go's
 * struct rules (case-insensitive keys, the last occurrence wins, any type error means "unknown"); a recognised
 * mediaType wins; only an integer schemaVersion 1 with non-null signatures is a signed schema-1 manifest.
 * Being looser here is a security hole: the stripped payload is chosen by whoever serves the manifest, so a manifest
 * merely *claiming* schema 1 could make us digest bytes of the attacker's choice.
 */
const RECOGNISED_MEDIA_TYPES = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
]);

function isSchema1Signed(manifest: Uint8Array): { signatures: GoJsonValue } | null {
  let root: GoJsonValue;
  try {
    root = readJson(manifest, { positions: false }).root;
  } catch {
    return null; // not JSON: "unknown", plain sha256
  }
  if (root.kind !== 'object') return null;
  let mediaType: GoJsonValue | undefined;
  let schemaVersion: GoJsonValue | undefined;
  let signatures: GoJsonValue | undefined;
  for (const e of root.entries) {
    if (foldEq(e.key, 'mediaType')) mediaType = e.value;
    else if (foldEq(e.key, 'schemaVersion')) schemaVersion = e.value;
    else if (foldEq(e.key, 'signatures')) signatures = e.value;
  }
  // json.Unmarshal reports a type error for these and GuessMIMEType then answers "".
  if (mediaType !== undefined && mediaType.kind !== 'string' && mediaType.kind !== 'null') return null;
  if (schemaVersion !== undefined && schemaVersion.kind !== 'null' && (schemaVersion.kind !== 'number' || !/^-?\d+$/.test(schemaVersion.raw))) {
    return null;
  }
  if (mediaType?.kind === 'string' && RECOGNISED_MEDIA_TYPES.has(mediaType.value)) return null;
  if (schemaVersion?.kind !== 'number' || Number(schemaVersion.raw) !== 1) return null;
  if (signatures === undefined || signatures.kind === 'null') return null;
  return { signatures };
}

function schema1SignedPayload(manifest: Uint8Array): Uint8Array | null {
  if (!isSchema1Signed(manifest)) return null;
  const o = JSON.parse(Buffer.from(manifest).toString('utf8')) as Record<string, unknown>;
  const sigs = o['signatures'];
  if (!Array.isArray(sigs)) {
    throw new EvaluationError(
      `error unmarshalling signatures: json: cannot unmarshal ${goJSONType(sigs)} into Go value of type []libtrust.jsParsedSignature`,
    );
  }
  if (sigs.length === 0) throw new EvaluationError('missing signature key');
  let formatLength: number | undefined;
  let formatTail: string | undefined;
  for (const s of sigs) {
    const protectedB64 = (s as Record<string, unknown> | null)?.['protected'];
    if (typeof protectedB64 !== 'string') throw new EvaluationError('malformed signature: missing protected header');
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new EvaluationError(`malformed signature: ${(e as Error).message}`);
    }
    const len = header['formatLength'];
    const tail = header['formatTail'];
    if (typeof len !== 'number' || typeof tail !== 'string') throw new EvaluationError('malformed signature: missing format');
    if (formatLength !== undefined && (len !== formatLength || tail !== formatTail)) {
      throw new EvaluationError('signature format mismatch');
    }
    formatLength = len;
    formatTail = tail;
  }
  if (formatLength === undefined || formatLength > manifest.length) throw new EvaluationError('invalid format length');
  return new Uint8Array(Buffer.concat([manifest.subarray(0, formatLength), Buffer.from(formatTail!, 'base64url')]));
}

function goJSONType(v: unknown): string {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}
