import { createHash } from 'node:crypto';
import { EvaluationError } from '../errors.js';

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

function schema1SignedPayload(manifest: Uint8Array): Uint8Array | null {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(manifest).toString('utf8'));
  } catch {
    return null; // c/image's GuessMIMEType falls back to "unknown": plain sha256 of the bytes
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const o = doc as Record<string, unknown>;
  if (o['schemaVersion'] !== 1 || !('signatures' in o) || o['signatures'] === null) return null;
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
