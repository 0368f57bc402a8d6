/**
 * One signature as `inspect` reports it: its claims, its certificate and Rekor facts, whether a configured key or
 * trust root verifies it (through the same verifiers as `verify`), and the policy entry that would accept it.
 */
import { resolve } from 'node:path';
import type { Signature } from '../../image/index.js';
import type { PolicyReferenceMatch, SignedByRequirement, SigstoreSignedRequirement } from '../../policy/index.js';
import type { ImageReference } from '../../reference/index.js';
import { evaluationContext, type ProcessEnv } from '../context.js';
import type { InspectOptions } from './options.js';
import { PLACEHOLDER, suggestIdentity, suggestScope } from './suggest.js';
export interface SignatureInspection {
  index: number;
  format: Signature['format'];
  mimeType?: string;
  isSignature: boolean;
  claims: { dockerReference?: string; manifestDigest?: string; matchesImageDigest?: boolean };
  certificate?: { emails: readonly string[]; uris: readonly string[]; dnsNames: readonly string[]; oidcIssuer?: string; notBefore: string; notAfter: string; keyFingerprint?: string };
  rekor?: { integratedTime?: number; integratedTimeISO?: string; logIndex?: number };
  gpgKeys?: readonly string[];
  verifiedBy?: { key: string; keyFingerprint?: string };
  problems: string[];
  suggestion?: { transport: string; scope: string; requirement: Record<string, unknown>; placeholders: string[] };
  suggestedPolicy?: unknown;
}

export async function inspectSignature(
  index: number,
  sig: Signature,
  ref: ImageReference,
  imageDigest: string,
  keys: readonly string[],
  opts: InspectOptions,
  pe: ProcessEnv,
  ctx: ReturnType<typeof evaluationContext>,
): Promise<SignatureInspection> {
  const out: SignatureInspection = { index, format: sig.format, isSignature: true, claims: {}, problems: [] };
  const anyIdentity: PolicyReferenceMatch = { type: 'matchRepository' };
  let requirement: Record<string, unknown> | undefined;
  const placeholders: string[] = [];
  if (sig.format === 'sigstore') {
    const m = await import('../../signature/sigstore/index.js');
    const f = m.sigstoreSignatureFacts(sig);
    out.mimeType = f.mimeType;
    out.isSignature = f.isSignature;
    out.claims = { ...(f.claimedDockerReference !== undefined ? { dockerReference: f.claimedDockerReference } : {}), ...(f.claimedManifestDigest !== undefined ? { manifestDigest: f.claimedManifestDigest } : {}) };
    if (f.payloadError) out.problems.push(`payload: ${f.payloadError}`);
    if (f.certificate) out.certificate = { ...f.certificate };
    if (f.certificateError) out.problems.push(`certificate: ${f.certificateError}`);
    if (f.rekor) out.rekor = { ...f.rekor };
    if (f.rekorError) out.problems.push(`Rekor SET: ${f.rekorError}`);
    if (!f.isSignature) {
      out.problems.push('not a cosign signature (another attachment type): containers/image ignores it');
      return out;
    }
    const hasSET = f.rekor !== undefined || f.rekorError !== undefined;
    const rekorKey = opts.rekorKey ? resolve(pe.cwd, opts.rekorKey) : undefined;
    if (f.certificate?.oidcIssuer !== undefined) {
      const caPath = opts.fulcioCa ? resolve(pe.cwd, opts.fulcioCa) : (placeholders.push('fulcio.caPath'), PLACEHOLDER.fulcioCa);
      const rk = rekorKey ?? (placeholders.push('rekorPublicKeyPath'), PLACEHOLDER.rekorKey);
      const email = f.certificate.emails[0];
      if (email === undefined) out.problems.push('the certificate has no email SAN: containers/image Fulcio policies match subjectEmail only');
      requirement = { type: 'sigstoreSigned', fulcio: { caPath, oidcIssuer: f.certificate.oidcIssuer, subjectEmail: email ?? '' }, rekorPublicKeyPath: rk };
      if (opts.fulcioCa && rekorKey && email !== undefined) {
        const req = { type: 'sigstoreSigned', fulcio: { caPath, oidcIssuer: f.certificate.oidcIssuer, subjectEmail: email }, rekorPublicKeyPath: rekorKey, signedIdentity: anyIdentity } as SigstoreSignedRequirement;
        try {
          const p = await m.verifySigstoreSignature(req, sig, ctx.verify);
          out.verifiedBy = { key: `Fulcio CA ${caPath} + Rekor key ${rekorKey}`, ...(typeof p.details?.['keyFingerprint'] === 'string' ? { keyFingerprint: p.details['keyFingerprint'] } : {}) };
        } catch (e) {
          out.problems.push(`does not verify with Fulcio CA ${caPath} and Rekor key ${rekorKey}: ${(e as Error).message}`);
        }
      }
    } else if (f.certificate) {
      placeholders.push('pki.caRootsPath');
      const who = f.certificate.emails[0] !== undefined ? { subjectEmail: f.certificate.emails[0] } : f.certificate.dnsNames[0] !== undefined ? { subjectHostname: f.certificate.dnsNames[0] } : {};
      requirement = { type: 'sigstoreSigned', pki: { caRootsPath: PLACEHOLDER.pkiRoots, ...who } };
    } else {
      for (const k of keys) {
        const withRekor = hasSET && rekorKey !== undefined;
        const req = { type: 'sigstoreSigned', keyPath: k, ...(withRekor ? { rekorPublicKeyPath: rekorKey } : {}), signedIdentity: anyIdentity } as SigstoreSignedRequirement;
        try {
          const p = await m.verifySigstoreSignature(req, sig, ctx.verify);
          out.verifiedBy = { key: k, ...(typeof p.details?.['keyFingerprint'] === 'string' ? { keyFingerprint: p.details['keyFingerprint'] } : {}) };
          break;
        } catch (e) {
          out.problems.push(`not verified by ${k}: ${(e as Error).message}`);
        }
      }
      const keyPath = out.verifiedBy?.key ?? (placeholders.push('keyPath'), PLACEHOLDER.cosignKey);
      requirement = { type: 'sigstoreSigned', keyPath, ...(hasSET && rekorKey ? { rekorPublicKeyPath: rekorKey } : {}) };
    }
  } else {
    const m = await import('../../signature/simple-signing/index.js');
    const f = await m.simpleSigningFacts(sig);
    out.claims = { ...(f.untrustedDockerReference !== undefined ? { dockerReference: f.untrustedDockerReference } : {}), ...(f.untrustedManifestDigest !== undefined ? { manifestDigest: f.untrustedManifestDigest } : {}) };
    out.gpgKeys = f.untrustedFingerprints.length ? f.untrustedFingerprints : f.untrustedKeyIDs;
    if (f.error) out.problems.push(`not an OpenPGP message: ${f.error}`);
    if (f.payloadError) out.problems.push(`payload: ${f.payloadError}`);
    for (const k of keys) {
      const req = { type: 'signedBy', keyType: 'GPGKeys', keyPath: k, signedIdentity: anyIdentity } as SignedByRequirement;
      try {
        const p = await m.verifySimpleSigningSignature(req, sig, ctx.verify);
        out.verifiedBy = { key: k, ...(typeof p.details?.['keyFingerprint'] === 'string' ? { keyFingerprint: p.details['keyFingerprint'] } : {}) };
        break;
      } catch (e) {
        out.problems.push(`not verified by ${k}: ${(e as Error).message}`);
      }
    }
    const keyPath = out.verifiedBy?.key ?? (placeholders.push('keyPath'), PLACEHOLDER.gpgKey);
    requirement = { type: 'signedBy', keyType: 'GPGKeys', keyPath };
  }
  if (out.claims.manifestDigest !== undefined) {
    out.claims.matchesImageDigest = out.claims.manifestDigest === imageDigest;
    if (!out.claims.matchesImageDigest) out.problems.push(`claims digest ${out.claims.manifestDigest}, but this image's manifest is ${imageDigest}: no policy accepts it for this image`);
  }
  const identity = suggestIdentity(ref, out.claims.dockerReference);
  if (requirement && identity !== null && out.claims.matchesImageDigest) {
    if (identity !== undefined) requirement['signedIdentity'] = identity;
    const { transport, scope } = suggestScope(ref);
    out.suggestion = { transport, scope, requirement, placeholders };
    out.suggestedPolicy = { default: [{ type: 'reject' }], transports: { [transport]: { [scope]: [requirement] } } };
  }
  return out;
}
