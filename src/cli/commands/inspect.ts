import { resolve } from 'node:path';
import type { Command } from 'commander';
import { asImgpolicyError } from '../../errors.js';
import type { Signature } from '../../image/index.js';
import type { PolicyReferenceMatch, SignedByRequirement, SigstoreSignedRequirement } from '../../policy/index.js';
import { parseDockerReference, parseImageReference, type ImageReference } from '../../reference/index.js';
import { evaluationContext, processEnv, type ProcessEnv } from '../context.js';
import { EXIT, exitCodeForError } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import { ImageSession, openImageSource } from '../open-image.js';
import { addImageAccessOptions, collect, withRegistriesD, type ImageAccessOptions } from '../options.js';

interface InspectOptions extends ImageAccessOptions {
  key?: string[];
  fulcioCa?: string;
  rekorKey?: string;
  output: string;
}

/** Placeholders for trust roots `inspect` cannot know; a suggestion using one says so. */
const PLACEHOLDER = {
  cosignKey: '/etc/containers/keys/REPLACE-cosign.pub',
  gpgKey: '/etc/containers/keys/REPLACE-gpg-key.asc',
  fulcioCa: '/etc/containers/fulcio_v1.crt.pem',
  rekorKey: '/etc/containers/rekor.pub',
  pkiRoots: '/etc/containers/REPLACE-pki-roots.pem',
} as const;

export function inspectCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  const cmd = program
    .command('inspect')
    .description('list the signatures an image has and print the policy.json entry that would accept each')
    .argument('<image>', 'image reference: docker (default), dir:PATH, oci:PATH[:REF]')
    .option('--key <path>', 'public key to try (cosign PEM or GPG; repeatable): the one that verifies goes into the suggested entry', collect)
    .option('--fulcio-ca <path>', 'Fulcio CA certificate(s) for keyless signatures (default placeholder: /etc/containers/fulcio_v1.crt.pem)')
    .option('--rekor-key <path>', 'Rekor public key for keyless signatures / SETs (default placeholder: /etc/containers/rekor.pub)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText(
      'after',
      `
Everything shown about a signature is what it CLAIMS (identity, digest, certificate, Rekor time), read without
trusting it — only "verified by" lines have been checked, with the keys you pass. Sigstore attachments are read
where registries.d enables them (use-sigstore-attachments), exactly as containers/image would.

Examples:
  imgpolicy inspect 127.0.0.1:5000/team/app:v1
  imgpolicy inspect --key cosign.pub --registries.d ./registries.d 127.0.0.1:5000/team/app:v1
  imgpolicy inspect --fulcio-ca fulcio_v1.crt.pem --rekor-key rekor.pub quay.io/org/app:v2
  imgpolicy inspect --output json dir:/tmp/image | jq .signatures[0].suggestedPolicy > policy.json`,
    );
  addImageAccessOptions(cmd);
  cmd.action(async (image: string, opts: InspectOptions) => {
    io.setExitCode(await runInspect(image, withRegistriesD(opts), env(), io));
  });
}

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

export async function runInspect(image: string, opts: InspectOptions, pe: ProcessEnv, io: CLIIO): Promise<number> {
  if (opts.output !== 'text' && opts.output !== 'json') {
    io.stderr(`unknown --output ${JSON.stringify(opts.output)}: use text or json\n`);
    return EXIT.usage;
  }
  let ref: ImageReference;
  try {
    ref = parseImageReference(image, { cwd: pe.cwd });
  } catch (e) {
    io.stderr(`invalid image reference ${JSON.stringify(image)}: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  const ctx = evaluationContext(pe);
  const session = new ImageSession();
  try {
    const source = await openImageSource(ref, { ...opts, probeDisabledAttachments: true }, pe, ctx.trace, session);
    const { manifestDigest } = await import('../../image/index.js');
    const digest = manifestDigest((await source.manifest()).bytes);
    const sigs = await source.signatures();
    const keys = (opts.key ?? []).map((k) => resolve(pe.cwd, k));
    const inspections: SignatureInspection[] = [];
    for (const [i, sig] of sigs.entries()) inspections.push(await inspectSignature(i, sig, ref, digest, keys, opts, pe, ctx));
    const hints = ctx.trace.events.filter((e) => typeof e.data?.['hint'] === 'string').map((e) => ({ code: String(e.data!['hint']), text: e.message }));
    if (opts.output === 'json') {
      io.stdout(JSON.stringify({ image: ref.toString(), manifestDigest: digest, signatures: inspections, hints }, null, 2) + '\n');
    } else {
      io.stdout(renderInspection(ref, digest, inspections, hints, io));
    }
    return EXIT.allowed;
  } catch (e) {
    const err = asImgpolicyError(e);
    io.stderr(`imgpolicy: inspecting ${image}: ${err.message}\n`);
    return err.kind === 'usage' ? EXIT.usage : exitCodeForError(err) === EXIT.usage ? EXIT.usage : EXIT.couldNotEvaluate;
  } finally {
    await session.close();
  }
}

async function inspectSignature(
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

/**
 * The least permissive signedIdentity that accepts what the signature claims for this image: undefined means the
 * default (matchRepoDigestOrExact) already does; null means none can (the claim is not a docker reference).
 */
export function suggestIdentity(ref: ImageReference, claimed: string | undefined): Record<string, unknown> | undefined | null {
  if (claimed === undefined) return null;
  let c;
  try {
    c = parseDockerReference(claimed);
  } catch {
    return null;
  }
  const r = ref.dockerReference();
  if (r === null) return { type: 'exactRepository', dockerRepository: c.name() };
  if (c.name() === r.name()) {
    if (r.digest !== undefined && r.tag === undefined) return undefined; // matchRepoDigestOrExact: any claim of the repo
    if (r.tag !== undefined && c.tag === r.tag && c.digest === undefined) return undefined; // exact tag
    return { type: 'matchRepository' };
  }
  return { type: 'exactRepository', dockerRepository: c.name() };
}

/** The repository for docker images (every tag of it), the policy identity for the others. */
export function suggestScope(ref: ImageReference): { transport: string; scope: string } {
  const r = ref.dockerReference();
  if (ref.transport === 'docker' && r) return { transport: 'docker', scope: r.name() };
  return { transport: ref.transport, scope: ref.policyConfigurationIdentity() };
}

function renderInspection(ref: ImageReference, digest: string, sigs: readonly SignatureInspection[], hints: readonly { text: string }[], io: CLIIO): string {
  const c = io.chalk;
  let out = `image:      ${ref.toString()}\nmanifest:   ${digest}\nsignatures: ${sigs.length}${sigs.length === 0 ? ' (none found)' : ''}\n`;
  for (const s of sigs) {
    out += `\n${c.bold(`${s.index + 1}. ${s.format === 'sigstore' ? `sigstore (cosign) ${s.mimeType ?? ''}` : 'simple signing (GPG, skopeo/podman --sign-by)'}`)}\n`;
    const claimed = s.claims.dockerReference;
    if (claimed !== undefined) {
      let noTag = '';
      try {
        const p = parseDockerReference(claimed);
        if (p.tag === undefined && p.digest === undefined) noTag = ' (no tag: as `cosign sign` writes it)';
      } catch {
        noTag = ' (not a valid docker reference)';
      }
      out += `   identity:  ${JSON.stringify(claimed)}${noTag}\n`;
    }
    if (s.claims.manifestDigest !== undefined) out += `   digest:    ${s.claims.manifestDigest} ${s.claims.matchesImageDigest ? c.green('(this image)') : c.red('(NOT this image)')}\n`;
    if (s.gpgKeys?.length) out += `   GPG key:   ${s.gpgKeys.join(', ')} (as the signature names it)\n`;
    if (s.certificate) {
      const who = [...s.certificate.emails, ...s.certificate.uris, ...s.certificate.dnsNames].join(', ');
      out += `   cert:      ${who || '(no SAN)'}${s.certificate.oidcIssuer ? `, issuer ${s.certificate.oidcIssuer}` : ''}, valid ${s.certificate.notBefore} … ${s.certificate.notAfter}\n`;
      if (s.certificate.keyFingerprint) out += `   key:       ${s.certificate.keyFingerprint} (certificate key, SHA-256)\n`;
    }
    if (s.rekor) out += `   Rekor:     integrated ${s.rekor.integratedTimeISO ?? '?'}${s.rekor.logIndex !== undefined ? `, log index ${s.rekor.logIndex}` : ''} (from the SET, unverified unless "verified by")\n`;
    if (s.verifiedBy) out += c.green(`   verified by ${s.verifiedBy.key}${s.verifiedBy.keyFingerprint ? ` (key fingerprint ${s.verifiedBy.keyFingerprint})` : ''}\n`);
    for (const p of s.problems) out += c.yellow(`   note: ${p}\n`);
    if (s.suggestion) {
      out += `   policy.json entry that accepts it${s.suggestion.placeholders.length ? ` (replace ${s.suggestion.placeholders.join(', ')})` : ''}:\n`;
      const body = JSON.stringify({ [s.suggestion.transport]: { [s.suggestion.scope]: [s.suggestion.requirement] } }, null, 2);
      out += body.split('\n').map((l) => `     ${l}`).join('\n') + '\n';
      out += c.dim(`     (under "transports" in policy.json)\n`);
    }
  }
  for (const h of hints) out += c.yellow(`\nhint: ${h.text}\n`);
  return out;
}

