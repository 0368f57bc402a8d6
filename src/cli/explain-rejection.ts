/**
 * Explanations of a rejection: which policy file, scope and requirement decided, what that requirement expected
 * and what the image offered, plus hints for configuration mistakes we can recognise. All of it is an addition:
 * the verdict and containers/image's message are never touched — this module only reads the result, the policy
 * and (already fetched, cached) signatures.
 */
import type { EvaluationResult } from '../evaluate/index.js';
import type { ImageSource, Signature } from '../image/index.js';
import { requirementsForImageRef, type Policy, type PolicyRequirement } from '../policy/index.js';
import { isNameOnly, parseDockerReference, type DockerReference, type ImageReference } from '../reference/index.js';
import { Trace } from '../trace.js';
import { describeRequirement } from './describe-requirement.js';
import type { Explanation, Hint } from './output/result.js';

export interface ExplainInputs {
  readonly policy: Policy;
  readonly ref: ImageReference;
  readonly result: EvaluationResult;
  readonly source?: ImageSource;
  readonly manifestDigest?: string;
  /** The registries.d directory in use, for the attachments hint. */
  readonly registriesD?: string;
}

export async function explainRejection(i: ExplainInputs): Promise<Explanation> {
  const { policy, ref, result } = i;
  const selected = requirementsForImageRef(policy, ref, new Trace());
  const denied = result.requirements.find((q) => !q.allowed);
  const req: PolicyRequirement | undefined = denied ? selected.requirements[denied.index] : undefined;
  const expected: string[] = [];
  const found: string[] = [];
  if (req) {
    expected.push(describeRequirement(req, ref));
    if ((req.type === 'signedBy' || req.type === 'sigstoreSigned') && i.manifestDigest) {
      expected.push(`a signature naming this image's manifest digest ${i.manifestDigest}`);
    }
  }
  // When reading the image failed, there is nothing found to describe: the error says what went wrong.
  const unreadable = denied?.error?.kind === 'image-source';
  if (!unreadable && (denied?.signatures !== undefined || req?.type === 'signedBy' || req?.type === 'sigstoreSigned')) {
    const sigs = await signaturesIfRead(i.source);
    const considered = denied?.signatures ?? [];
    if (considered.length === 0) {
      const s = denied?.skipped;
      const other = s ? [s.nonSigstore && `${s.nonSigstore} non-sigstore`, s.nonSimpleSigning && `${s.nonSimpleSigning} non-simple-signing`, s.nonSignatureAttachments && `${s.nonSignatureAttachments} sigstore non-signature attachments`].filter(Boolean) : [];
      found.push(`no signature of the kind this requirement reads${other.length ? ` (present: ${other.join(', ')})` : ''}`);
    }
    for (const o of considered) {
      const sig = sigs?.[o.index];
      const facts = sig ? await signatureFacts(sig, i.manifestDigest) : [];
      const claims = o.payload
        ? [`identity ${JSON.stringify(o.payload.dockerReference)}`, `digest ${o.payload.manifestDigest}${i.manifestDigest && o.payload.manifestDigest !== i.manifestDigest ? ' (not this image)' : ''}`, ...verifiedDetails(o.payload.details)]
        : facts;
      found.push(`signature ${o.index + 1} (${o.format}${o.accepted ? ', accepted' : ''}): ${claims.join(', ') || 'unreadable'}${o.error ? ` — ${o.error.message}` : ''}`);
    }
  }
  return {
    ...(policy.path ? { policyPath: policy.path } : {}),
    scope: result.scope,
    ...(denied ? { requirement: { index: denied.index, type: denied.type, ...(req?.location ? { line: req.location.line } : {}) } } : {}),
    expected,
    found,
    hints: hintsFor(i, req, denied?.signatures ?? []),
  };
}

async function signaturesIfRead(source: ImageSource | undefined): Promise<Signature[] | undefined> {
  if (!source) return undefined;
  try {
    return await source.signatures(); // the cached promise evaluation already awaited: no new request
  } catch {
    return undefined;
  }
}

function verifiedDetails(d: Readonly<Record<string, unknown>> | undefined): string[] {
  if (!d) return [];
  const out: string[] = [];
  if (typeof d['keyFingerprint'] === 'string') out.push(`key ${d['keyFingerprint']}`);
  if (Array.isArray(d['certificateEmails']) && d['certificateEmails'].length) out.push(`email ${(d['certificateEmails'] as string[]).join(', ')}`);
  if (typeof d['certificateIssuer'] === 'string') out.push(`issuer ${d['certificateIssuer']}`);
  if (typeof d['rekorIntegratedTimeISO'] === 'string') out.push(`Rekor time ${d['rekorIntegratedTimeISO']}`);
  return out;
}

/** Untrusted facts of one signature (what it claims, who it says signed it), for "found:" lines. */
export async function signatureFacts(sig: Signature, imageDigest?: string): Promise<string[]> {
  const out: string[] = [];
  const digestNote = (d: string | undefined) => (d && imageDigest && d !== imageDigest ? ' (not this image)' : '');
  try {
    if (sig.format === 'sigstore') {
      const { sigstoreSignatureFacts } = await import('../signature/sigstore/index.js');
      const f = sigstoreSignatureFacts(sig);
      if (f.claimedDockerReference !== undefined) out.push(`identity ${JSON.stringify(f.claimedDockerReference)}`);
      if (f.claimedManifestDigest !== undefined) out.push(`digest ${f.claimedManifestDigest}${digestNote(f.claimedManifestDigest)}`);
      if (f.certificate) {
        const who = [...f.certificate.emails, ...f.certificate.uris, ...f.certificate.dnsNames];
        if (who.length) out.push(`certificate for ${who.join(', ')}`);
        if (f.certificate.oidcIssuer) out.push(`issuer ${f.certificate.oidcIssuer}`);
        if (f.certificate.keyFingerprint) out.push(`key ${f.certificate.keyFingerprint}`);
      }
      if (f.rekor?.integratedTimeISO) out.push(`Rekor time ${f.rekor.integratedTimeISO}`);
    } else {
      const { simpleSigningFacts } = await import('../signature/simple-signing/index.js');
      const f = await simpleSigningFacts(sig);
      if (f.untrustedDockerReference !== undefined) out.push(`identity ${JSON.stringify(f.untrustedDockerReference)}`);
      if (f.untrustedManifestDigest !== undefined) out.push(`digest ${f.untrustedManifestDigest}${digestNote(f.untrustedManifestDigest)}`);
      const keys = f.untrustedFingerprints.length ? f.untrustedFingerprints : f.untrustedKeyIDs;
      if (keys.length) out.push(`GPG key ${keys.join(', ')}`);
    }
  } catch {
    // Facts are best-effort decoration; the verdict's own message already says what went wrong.
  }
  return out;
}

function hintsFor(i: ExplainInputs, req: PolicyRequirement | undefined, sigs: readonly { payload?: { dockerReference: string } }[]): Hint[] {
  const hints: Hint[] = [];
  for (const t of i.result.trace) {
    const code = t.data?.['hint'];
    if (code === 'sigstore-attachments-disabled') {
      const repo = i.ref.dockerReference()?.name() ?? '';
      hints.push({
        code,
        text:
          `${t.message}. Add to a YAML file in ${i.registriesD ?? 'the registries.d directory (e.g. /etc/containers/registries.d)'}:\n` +
          `  docker:\n    ${repo}:\n      use-sigstore-attachments: true\n` +
          `(or "default-docker: {use-sigstore-attachments: true}" for every registry, as CRI-O ships it)`,
      });
    } else if (typeof code === 'string' && !hints.some((h) => h.code === code)) {
      hints.push({ code, text: t.message });
    }
  }
  const tagless = taglessIdentityHint(i.ref, req, sigs);
  if (tagless) hints.push(tagless);
  hints.push(...scopeNearMisses(i.policy, i.ref, i.result));
  return hints;
}

/**
 * `cosign sign` writes the repository without a tag into the payload; the default signedIdentity
 * (matchRepoDigestOrExact) — and matchExact — then demand the tag and reject every such signature (spec §11.4).
 */
function taglessIdentityHint(ref: ImageReference, req: PolicyRequirement | undefined, sigs: readonly { payload?: { dockerReference: string } }[]): Hint | undefined {
  if (!req || (req.type !== 'sigstoreSigned' && req.type !== 'signedBy')) return undefined;
  const m = req.signedIdentity.type;
  if (m !== 'matchRepoDigestOrExact' && m !== 'matchExact') return undefined;
  const image = ref.dockerReference();
  if (!image) return undefined;
  for (const s of sigs) {
    if (!s.payload) continue;
    let claimed: DockerReference;
    try {
      claimed = parseDockerReference(s.payload.dockerReference);
    } catch {
      continue;
    }
    if (isNameOnly(claimed) && claimed.name() === image.name()) {
      return {
        code: 'tagless-signature-identity',
        text:
          `the signature names ${JSON.stringify(s.payload.dockerReference)} without a tag (as \`cosign sign\` writes it), and ` +
          `signedIdentity ${m}${m === 'matchRepoDigestOrExact' ? ' (the default)' : ''} requires ${image.toString()} exactly. ` +
          `If any signature for this repository should do, add "signedIdentity": {"type": "matchRepository"} to requirement ` +
          `${req.location ? `at line ${req.location.line}` : 'that denied'}.`,
      };
    }
  }
  return undefined;
}

/** Host spelling that c/image treats as different but a user usually means as the same. */
function canonicalHost(host: string): string {
  const h = host.replace(/:\d+$/, '').toLowerCase();
  return h === 'localhost' || h === '127.0.0.1' || h === '[::1]' || h === '::1' ? 'loopback' : h;
}

function canonicalScope(scope: string): string {
  let s = scope.replace(/^docker:\/\//, '').replace(/\/+$/, '');
  try {
    // Scopes are compared as strings, never normalised: `docker.io/busybox` or `busybox` never match (spec §3.2).
    if (!s.startsWith('*.') && s !== '') s = parseDockerReference(s).toString();
  } catch {
    /* not a reference: compare as written */
  }
  const slash = s.indexOf('/');
  const host = slash === -1 ? s : s.slice(0, slash);
  return canonicalHost(host) + (slash === -1 ? '' : s.slice(slash));
}

/**
 * A scope that would have applied to this image but for its spelling: a port present or missing,
 * `localhost` vs `127.0.0.1`, `docker.io/busybox` for `docker.io/library/busybox`, a `docker://` prefix.
 * Only scopes more specific than the one that decided are reported (the others would not have changed anything).
 */
function scopeNearMisses(policy: Policy, ref: ImageReference, result: EvaluationResult): Hint[] {
  const section = policy.transports.get(ref.transport);
  const image = ref.dockerReference();
  if (!section || !image) return [];
  const candidates = [ref.policyConfigurationIdentity(), ...ref.policyConfigurationNamespaces().filter((n) => !n.startsWith('*.'))];
  const decidedAt = result.scope.scope === null ? candidates.length : Math.max(0, candidates.indexOf(result.scope.scope));
  const hints: Hint[] = [];
  for (const key of section.keys()) {
    if (key === '' || candidates.includes(key) || key.startsWith('*.')) continue;
    const ck = canonicalScope(key);
    const hit = candidates.findIndex((c) => canonicalScope(c) === ck);
    if (hit === -1 || hit >= decidedAt) continue;
    const want = candidates[hit]!;
    const why = describeDifference(key, want);
    hints.push({
      code: 'scope-never-matches',
      text:
        `scope ${JSON.stringify(key)} in ${policy.path ?? 'the policy'} never matches this image: scopes are compared as exact strings, ` +
        `and this image's ${hit === 0 ? 'identity' : 'namespace'} is ${JSON.stringify(want)}${why ? ` (${why})` : ''}. ` +
        `Write ${JSON.stringify(want)} to make it apply.`,
    });
  }
  return hints;
}

function describeDifference(scope: string, candidate: string): string {
  const host = (s: string) => s.replace(/^docker:\/\//, '').split('/')[0]!;
  const [a, b] = [host(scope), host(candidate)];
  const port = (h: string) => /:(\d+)$/.exec(h)?.[1];
  const reasons: string[] = [];
  if (scope.startsWith('docker://')) reasons.push('scopes have no "docker://" prefix');
  if (port(a) !== port(b)) reasons.push(port(b) ? `the image's registry has port ${port(b)}${port(a) ? `, not ${port(a)}` : ', the scope has none'}` : 'the scope has a port, the image has none');
  const la = a.replace(/:\d+$/, '');
  const lb = b.replace(/:\d+$/, '');
  if (la !== lb) reasons.push(`${JSON.stringify(la)} and ${JSON.stringify(lb)} are different names to containers/image`);
  if (reasons.length === 0) reasons.push('the scope is not written in the normalised form (e.g. docker.io/library/… for official images)');
  return reasons.join('; ');
}
