import { ImgpolicyError, InvalidSignatureError, PolicyRequirementError, asImgpolicyError } from '../../errors.js';
import type { BundleAttachment, ImageSource, SigstoreSignature } from '../../image/index.js';
import type { SigstoreSignedRequirement } from '../../policy/index.js';
import type { VerifiedPayload } from '../../signature/types.js';
import { Trace } from '../../trace.js';
import { COSIGN_SIMPLESIGNING } from '../../manifest/index.js';
import { checkPayloadAgainstImage, firstAcceptedSignature, withPayload } from '../signatures.js';
import type { BundleReport, EvaluationContext, RequirementOutcome, SignatureOutcome } from '../types.js';

/** The only MIME type c/image treats as a signature among sigstore attachments (others are attestations etc.). */
export const COSIGN_SIGNATURE_MIME_TYPE = COSIGN_SIMPLESIGNING;

type Candidate = { kind: 'legacy'; sig: SigstoreSignature } | { kind: 'bundle'; att: BundleAttachment };

/** c/image policy_eval_sigstore.go isRunningImageAllowed, plus the opt-in sigstore bundles (see EvaluationContext). */
export async function evaluateSigstoreSigned(
  req: SigstoreSignedRequirement,
  index: number,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<RequirementOutcome> {
  const all = await image.signatures();
  let nonSigstore = 0;
  let nonSignatureAttachments = 0;
  const candidates: { index: number; sig: Candidate }[] = [];
  all.forEach((sig, i) => {
    if (sig.format !== 'sigstore') nonSigstore++;
    else if (sig.mimeType !== COSIGN_SIGNATURE_MIME_TYPE) nonSignatureAttachments++;
    else candidates.push({ index: i, sig: { kind: 'legacy', sig } });
  });
  let bundles: BundleReport | undefined;
  if (ctx.sigstoreBundles === true && image.bundles) {
    // Beyond c/image: bundle attachments are further candidates, *after* the c/image signatures, so that an image
    // c/image accepts is accepted for the same signature (and reported the same way).
    const atts = await image.bundles();
    atts.forEach((att, i) => candidates.push({ index: all.length + i, sig: { kind: 'bundle', att } }));
    bundles = { enabled: true, found: atts.length, ...(atts[0] ? { source: atts[0].source } : {}) };
  }
  const none =
    nonSigstore === 0 && nonSignatureAttachments === 0
      ? 'A signature was required, but no signature exists'
      : `A signature was required, but no signature exists (${nonSigstore} non-sigstore signatures, ${nonSignatureAttachments} sigstore non-signature attachments)`;
  const { outcomes, error } = await firstAcceptedSignature(candidates, 'sigstore', (c) => checkCandidate(req, image, ctx, c), none);
  const labelled = outcomes.map((o) => (o.index >= all.length ? { ...o, format: 'sigstore-bundle' as const } : o));
  let outcome: RequirementOutcome = {
    index,
    type: req.type,
    allowed: !error,
    ...(error ? { error } : {}),
    signatures: labelled,
    skipped: { nonSigstore, nonSignatureAttachments },
    ...(bundles ? { bundles } : {}),
  };
  if (error && ctx.sigstoreBundles !== true && ctx.sigstoreBundleHint !== false) {
    const probed = await probeBundles(req, image, ctx, error);
    if (probed) outcome = { ...outcome, bundles: probed };
  }
  return outcome;
}

async function checkCandidate(req: SigstoreSignedRequirement, image: ImageSource, ctx: EvaluationContext, c: Candidate): Promise<VerifiedPayload> {
  const payload = c.kind === 'legacy' ? await ctx.verifiers.sigstore(req, c.sig, ctx.verify) : await verifyBundle(req, image, ctx, c.att);
  try {
    await checkPayloadAgainstImage(image, payload, req.signedIdentity);
  } catch (e) {
    throw withPayload(e, payload);
  }
  if (c.kind === 'bundle') {
    // Said every time a bundle is accepted, because it is the one way bundles differ in what they prove.
    ctx.trace.info(
      `Sigstore bundle ${c.att.referrer} carries no signed image name (cosign v3 signs only the digest ${c.att.subjectDigest}): ` +
        `signedIdentity was checked against the image's own reference ${payload.dockerReference}, which limits the references accepted ` +
        `but proves nothing about the name the signer meant`,
      { hint: 'sigstore-bundle-identity', referrer: c.att.referrer, identityCheckedAgainst: payload.dockerReference },
    );
  }
  return payload;
}

async function verifyBundle(req: SigstoreSignedRequirement, image: ImageSource, ctx: EvaluationContext, att: BundleAttachment): Promise<VerifiedPayload> {
  const manifest = (await image.manifest()).bytes;
  const dref = image.reference.dockerReference();
  const identity = dref ? dref.toString() : image.reference.stringWithinTransport();
  if (ctx.verifiers.sigstoreBundle) return ctx.verifiers.sigstoreBundle(req, att, { manifest, identity }, ctx.verify);
  const { verifySigstoreBundle } = await import('../../signature/bundle/index.js');
  return verifySigstoreBundle(req, { bytes: att.bytes, imageDigest: att.subjectDigest, manifest, imageIdentity: identity }, ctx.verify);
}

/**
 * Bundles off and the requirement denied: would bundle support change that? Only a verdict-type denial is
 * probed (not a registry failure, which would just fail again, slowly), registry debug lines go to a throw-away
 * trace, every error is swallowed, and the verdict is never touched: the only effect is one hint event.
 */
async function probeBundles(
  req: SigstoreSignedRequirement,
  image: ImageSource,
  ctx: EvaluationContext,
  denial: ImgpolicyError,
): Promise<BundleReport | undefined> {
  if (!image.bundles || !(denial instanceof PolicyRequirementError || denial instanceof InvalidSignatureError)) return undefined;
  let atts: BundleAttachment[];
  try {
    atts = await image.bundles({ trace: new Trace() });
  } catch {
    return undefined;
  }
  if (atts.length === 0) return undefined;
  const quiet: EvaluationContext = { ...ctx, trace: new Trace(), verify: { ...ctx.verify, trace: new Trace() } };
  const outcomes: SignatureOutcome[] = [];
  let wouldAllow = false;
  for (const [i, att] of atts.entries()) {
    try {
      const payload = await checkCandidate(req, image, quiet, { kind: 'bundle', att });
      outcomes.push({ index: i, format: 'sigstore-bundle', accepted: true, payload });
      wouldAllow = true;
      break;
    } catch (e) {
      const p = (e as { payload?: VerifiedPayload }).payload;
      outcomes.push({ index: i, format: 'sigstore-bundle', accepted: false, error: asImgpolicyError(e), ...(p ? { payload: p } : {}) });
    }
  }
  const n = atts.length;
  const what = `${n} sigstore bundle${n === 1 ? '' : 's'} (OCI referrer${n === 1 ? '' : 's'}, cosign v3 format)`;
  const text = wouldAllow
    ? `This image carries ${what} that containers/image (CRI-O, podman, skopeo) does not read; bundle support (--sigstore-bundles) would allow it under this requirement`
    : `This image carries ${what} that containers/image does not read; bundle support (--sigstore-bundles) would not change the verdict: ${outcomes[outcomes.length - 1]!.error!.message}`;
  ctx.trace.info(text, { hint: 'sigstore-bundle-present', text, bundles: n, wouldAllow, source: atts[0]!.source });
  return { enabled: false, found: n, source: atts[0]!.source, wouldAllow, outcomes };
}
