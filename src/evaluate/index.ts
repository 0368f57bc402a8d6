import { EvaluationError, ImageSourceError, PolicyRequirementError, asImgpolicyError, type ImgpolicyError } from '../errors.js';
import { Trace } from '../trace.js';
import { manifestDigest, type ImageSource, type Manifest } from '../image/index.js';
import { ManifestFormatError, parseManifestByType } from '../manifest/index.js';
import { requirementsForImageRef, type Policy, type PolicyRequirement } from '../policy/index.js';
import { evaluateSignedBy } from './requirements/signed-by.js';
import { evaluateInsecureAcceptAnything, evaluateReject, evaluateSignedBaseLayer } from './requirements/simple.js';
import { evaluateSigstoreSigned } from './requirements/sigstore-signed.js';
import type { EvaluationContext, EvaluationResult, RequirementOutcome } from './types.js';

export type * from './types.js';
export { COSIGN_SIGNATURE_MIME_TYPE } from './requirements/sigstore-signed.js';

/**
 * c/image PolicyContext.IsRunningImageAllowed: pick the requirements for the image (identity → namespaces → "" →
 * default), evaluate them in order, stop at the first denial and return that requirement's error unchanged.
 */
export async function isRunningImageAllowed(
  policy: Policy,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<EvaluationResult> {
  const ref = image.reference;
  const imageName = `${ref.transport}:${ref.policyConfigurationIdentity()}`;
  ctx.trace.debug(`IsRunningImageAllowed for image ${imageName}`, { image: imageName });
  const selected = requirementsForImageRef(policy, ref, ctx.trace);
  const scope = { transport: selected.transport, scope: selected.scope, kind: selected.kind };
  const outcomes: RequirementOutcome[] = [];

  const finish = async (error?: ImgpolicyError): Promise<EvaluationResult> => ({
    image: imageName,
    allowed: !error,
    ...(error ? { error } : {}),
    scope,
    requirements: outcomes,
    ...(await readDigestIfFetched(image, outcomes)),
    trace: ctx.trace.events,
  });

  if (selected.requirements.length === 0) {
    return finish(new PolicyRequirementError('List of verification policy requirements must not be empty'));
  }
  let verifiedASignature = false;
  for (const [i, req] of selected.requirements.entries()) {
    let outcome: RequirementOutcome;
    try {
      outcome = await evaluateRequirement(req, i, image, ctx);
    } catch (e) {
      // Fail closed: an error while evaluating (e.g. fetching signatures) is this requirement's denial. c/image
      // reads signatures inside the policy evaluation, so a registry failure there (a `.sig` manifest answering
      // 500, an unreachable lookaside) is "Source image rejected" (exit 1), not an unreadable image.
      const err = asImgpolicyError(e);
      outcome = { index: i, type: req.type, allowed: false, error: err instanceof ImageSourceError ? new EvaluationError(err.message) : err };
    }
    outcomes.push(outcome);
    if (!outcome.allowed) {
      ctx.trace.debug(`Requirement ${i}: denied, done`, { requirement: i, type: req.type });
      return finish(outcome.error);
    }
    if (req.type === 'signedBy' || req.type === 'sigstoreSigned') verifiedASignature = true;
    ctx.trace.debug(` Requirement ${i}: allowed`, { requirement: i, type: req.type });
  }
  if (ctx.requireSignatureVerification && !verifiedASignature) {
    return finish(new PolicyRequirementError(`No signature verification policy found for image ${imageName}`));
  }
  ctx.trace.debug('Overall: allowed');
  return finish();
}

/**
 * What a pull (CRI-O, `podman pull`, `skopeo copy`) decides: containers/image reads the image's manifest — and, for a
 * manifest list, chooses the platform instance — *before* it runs the policy, so an image that cannot be read is an
 * error even under `insecureAcceptAnything`, and a result always names the manifest digest the verdict is about.
 */
export async function evaluateImageAsPullWould(
  policy: Policy,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<EvaluationResult> {
  let manifest: Manifest;
  try {
    manifest = await image.manifest();
  } catch (e) {
    const err = asImgpolicyError(e);
    const ref = image.reference;
    // The docker source already words its failure as c/image's "initializing source …", and the platform choice
    // in a list is made after copy's MIME-type check ("choosing an image from manifest list …"); anything else
    // failed in that check and gets its wording.
    const error =
      err instanceof ImageSourceError && /^(initializing source |parsing primary manifest as list |choosing an image from manifest list |copying system image from manifest list: )/.test(err.message)
        ? err
        : new ImageSourceError(`determining manifest MIME type for ${ref.toString()}: ${err.message}`);
    const selected = requirementsForImageRef(policy, ref, new Trace());
    return {
      image: `${ref.transport}:${ref.policyConfigurationIdentity()}`,
      allowed: false,
      error,
      scope: { transport: selected.transport, scope: selected.scope, kind: selected.kind },
      requirements: [],
      trace: ctx.trace.events,
    };
  }
  // The digest is only reported here: a schema-1 manifest whose JWS libtrust refuses has none, and c/image meets
  // that error inside the policy (as the requirement's rejection), not before it.
  let digest: string | undefined;
  try {
    digest = manifestDigest(manifest.bytes);
  } catch {
    digest = undefined;
  }
  const result = await isRunningImageAllowed(policy, image, ctx);
  const withDigest = { ...result, ...(digest !== undefined ? { manifestDigest: digest } : {}) };
  if (!result.allowed) return withDigest;
  // c/image copySingleImage, right after the policy: image.FromUnparsedImage parses the manifest as its MIME type
  // says (manifest.FromBlob). A manifest it cannot parse is an error even though the policy allowed it.
  try {
    parseManifestByType(manifest.bytes, manifest.mimeType);
  } catch (e) {
    if (!(e instanceof ManifestFormatError)) throw e;
    return { ...withDigest, allowed: false, error: new ImageSourceError(`initializing image from source ${image.reference.toString()}: ${e.message}`) };
  }
  // Then the copy reads the image's signatures to copy them along (c/image copy reads them unless told to remove
  // them): signatures that cannot be read fail the pull even under insecureAcceptAnything.
  try {
    await image.signatures();
  } catch (e) {
    const fromList = image.notes?.some((n) => n.startsWith('Source is a manifest list')) === true;
    const error = new ImageSourceError(`${fromList ? 'copying system image from manifest list: ' : ''}reading signatures: ${asImgpolicyError(e).message}`);
    return { ...withDigest, allowed: false, error };
  }
  return withDigest;
}

async function evaluateRequirement(
  req: PolicyRequirement,
  index: number,
  image: ImageSource,
  ctx: EvaluationContext,
): Promise<RequirementOutcome> {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return evaluateInsecureAcceptAnything(index);
    case 'reject':
      return evaluateReject(index, image);
    case 'signedBaseLayer':
      return evaluateSignedBaseLayer(index, ctx);
    case 'signedBy':
      return evaluateSignedBy(req, index, image, ctx);
    case 'sigstoreSigned':
      return evaluateSigstoreSigned(req, index, image, ctx);
  }
}

/** Names the verified manifest in the result, but only when evaluation already read it (no extra fetch). */
async function readDigestIfFetched(
  image: ImageSource,
  outcomes: readonly RequirementOutcome[],
): Promise<{ manifestDigest?: string }> {
  const readManifest = outcomes.some((o) => o.signatures?.some((s) => s.payload !== undefined));
  if (!readManifest) return {};
  try {
    return { manifestDigest: manifestDigest((await image.manifest()).bytes) };
  } catch {
    return {};
  }
}
