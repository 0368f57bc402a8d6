/**
 * Which key or certificate a Rekor entry says signed: the one check @sigstore/verify 3 leaves out (it compares the
 * logged signature and digest with the bundle, never the logged verifier). containers/image makes the same check
 * for cosign SETs ("publicKey in Rekor SET does not match"); without it, a log entry made by *another* key for the
 * same signature bytes would vouch for ours.
 */
import { pemDecode } from '../../go/encoding/pem.js';

function fromBase64PEM(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string') return undefined;
  let text = Buffer.from(s, 'base64');
  // intoto 0.0.2 bodies hold the PEM base64-encoded twice.
  if (!text.toString('latin1').includes('-----BEGIN')) text = Buffer.from(text.toString('latin1'), 'base64');
  const { block } = pemDecode(text);
  return block ? new Uint8Array(block.bytes) : undefined;
}

/** DER of every verifier named by a canonicalized Rekor body (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2). */
export function loggedVerifiers(canonicalizedBody: Uint8Array): { kind: string; version: string; verifiers: Uint8Array[] } {
  let body: Record<string, unknown>;
  try {
    // JSON.parse-ok: bundle tlog body: beyond c/image; sigstore-js semantics (c/image's hashedrekord body goes through go/encoding/json)
    body = JSON.parse(Buffer.from(canonicalizedBody).toString('utf8')) as Record<string, unknown>;
  } catch {
    return { kind: '', version: '', verifiers: [] };
  }
  const kind = typeof body['kind'] === 'string' ? body['kind'] : '';
  const version = typeof body['apiVersion'] === 'string' ? body['apiVersion'] : '';
  const spec = (body['spec'] ?? {}) as Record<string, unknown>;
  const out: (Uint8Array | undefined)[] = [];
  if (kind === 'hashedrekord' && version === '0.0.1') {
    const sig = (spec['signature'] ?? {}) as Record<string, unknown>;
    out.push(fromBase64PEM(((sig['publicKey'] ?? {}) as Record<string, unknown>)['content']));
  } else if (kind === 'dsse' && version === '0.0.1') {
    for (const s of Array.isArray(spec['signatures']) ? (spec['signatures'] as Record<string, unknown>[]) : []) out.push(fromBase64PEM(s?.['verifier']));
  } else if (kind === 'intoto' && version === '0.0.2') {
    const env = (((spec['content'] ?? {}) as Record<string, unknown>)['envelope'] ?? {}) as Record<string, unknown>;
    for (const s of Array.isArray(env['signatures']) ? (env['signatures'] as Record<string, unknown>[]) : []) out.push(fromBase64PEM(s?.['publicKey']));
  }
  return { kind, version, verifiers: out.filter((x): x is Uint8Array => x !== undefined) };
}
