/**
 * The trust root of one `sigstoreSigned` requirement, c/image `prepareTrustRoot`.
 *
 * It is built *per signature*, reading files each time, exactly as upstream does (its FIXME notwithstanding):
 * that is observable — a broken key file is only reported when there is a candidate signature, and an unsigned
 * image still says "A signature was required, but no signature exists". Loading errors are plain errors (the
 * configuration is broken, not the signature), except PKI intermediates, which upstream parses with the strict
 * signature-side parser and reports as InvalidSignatureError.
 */
import { EvaluationError, ImgpolicyError, InvalidSignatureError } from '../../errors.js';
import type { SigstoreSignedRequirement } from '../../policy/types.js';
import type { VerifyContext } from '../types.js';
import { KeyParseError, unmarshalPEMToPublicKey, type PublicKey } from '../../go/crypto/keys.js';
import { appendCertsFromPEM, unmarshalCertificatesFromPEM, type Certificate } from '../../go/crypto/x509/parser.js';

export interface FulcioTrustRoot {
  readonly caCertificates: readonly Certificate[];
  readonly oidcIssuer: string;
  readonly subjectEmail: string;
}

export interface PKITrustRoot {
  readonly caRootsCertificates: readonly Certificate[];
  readonly caIntermediateCertificates?: readonly Certificate[];
  readonly subjectEmail?: string;
  readonly subjectHostname?: string;
}

export interface SigstoreTrustRoot {
  readonly publicKeys?: readonly PublicKey[];
  readonly fulcio?: FulcioTrustRoot;
  readonly rekorPublicKeys?: readonly PublicKey[];
  readonly pki?: PKITrustRoot;
}

async function read(ctx: VerifyContext, path: string): Promise<Uint8Array> {
  try {
    return await ctx.readFile(path);
  } catch (e) {
    if (e instanceof ImgpolicyError) throw e;
    throw new EvaluationError(e instanceof Error ? e.message : String(e));
  }
}

/** c/image loadBytesFromConfigSources: the one configured source, or undefined when none is. */
async function loadSources(
  ctx: VerifyContext,
  src: { path?: string | undefined; paths?: readonly string[] | undefined; data?: Uint8Array | undefined; datas?: readonly Uint8Array[] | undefined },
): Promise<Uint8Array[] | undefined> {
  let out: Uint8Array[] | undefined;
  if (src.path !== undefined && src.path !== '') out = [await read(ctx, src.path)];
  if (src.paths !== undefined) {
    out = [];
    for (const p of src.paths) out.push(await read(ctx, p));
  }
  if (src.data !== undefined) out = [src.data];
  if (src.datas !== undefined) out = [...src.datas];
  return out;
}

function parseKeys(pems: Uint8Array[], what: 'public key' | 'Rekor public key'): PublicKey[] {
  return pems.map((pem, i) => {
    try {
      return unmarshalPEMToPublicKey(pem);
    } catch (e) {
      if (e instanceof KeyParseError) throw new EvaluationError(`parsing ${what} ${i + 1}: ${e.message}`);
      throw e;
    }
  });
}

export async function prepareTrustRoot(req: SigstoreSignedRequirement, ctx: VerifyContext): Promise<SigstoreTrustRoot> {
  let publicKeys: PublicKey[] | undefined;
  const keyPEMs = await loadSources(ctx, { path: req.keyPath, paths: req.keyPaths, data: req.keyData, datas: req.keyDatas });
  if (keyPEMs) {
    publicKeys = parseKeys(keyPEMs, 'public key');
    if (publicKeys.length === 0) {
      throw new EvaluationError('Internal inconsistency: "keyPath", "keyPaths", "keyData" and "keyDatas" produced no public keys');
    }
  }

  let fulcio: FulcioTrustRoot | undefined;
  if (req.fulcio) {
    const f = req.fulcio;
    const ca = await loadSources(ctx, { path: f.caPath, data: f.caData });
    if (!ca || ca.length !== 1) throw new EvaluationError('Internal inconsistency: Fulcio specified with not exactly one of "caPath" nor "caData"');
    const pool: Certificate[] = [];
    if (!appendCertsFromPEM(pool, ca[0]!)) throw new EvaluationError('error loading Fulcio CA certificates');
    if (!f.oidcIssuer) throw new EvaluationError('Internal inconsistency: Fulcio use set up without OIDC issuer');
    if (!f.subjectEmail) throw new EvaluationError('Internal inconsistency: Fulcio use set up without subject email');
    fulcio = { caCertificates: pool, oidcIssuer: f.oidcIssuer, subjectEmail: f.subjectEmail };
  }

  let rekorPublicKeys: PublicKey[] | undefined;
  const rekorPEMs = await loadSources(ctx, {
    path: req.rekorPublicKeyPath,
    paths: req.rekorPublicKeyPaths,
    data: req.rekorPublicKeyData,
    datas: req.rekorPublicKeyDatas,
  });
  if (rekorPEMs) {
    rekorPublicKeys = parseKeys(rekorPEMs, 'Rekor public key');
    rekorPublicKeys.forEach((k, i) => {
      // The SET is an ECDSA signature by definition (Rekor signs with ECDSA); c/image refuses other key types.
      if (k.kind !== 'ecdsa') throw new EvaluationError(`Rekor public key ${i + 1} is not using ECDSA`);
    });
    if (rekorPublicKeys.length === 0) {
      throw new EvaluationError(
        'Internal inconsistency: "rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData" and "rekorPublicKeyDatas" produced no public keys',
      );
    }
  }

  let pki: PKITrustRoot | undefined;
  if (req.pki) {
    const p = req.pki;
    const roots = await loadSources(ctx, { path: p.caRootsPath, data: p.caRootsData });
    if (!roots || roots.length !== 1) throw new EvaluationError('Internal inconsistency: PKI specified with not exactly one of "caRootsPath" nor "caRootsData"');
    const pool: Certificate[] = [];
    if (!appendCertsFromPEM(pool, roots[0]!)) throw new EvaluationError('error loading PKI CA Roots certificates');
    let intermediates: Certificate[] | undefined;
    const inter = await loadSources(ctx, { path: p.caIntermediatesPath, data: p.caIntermediatesData });
    if (inter) {
      try {
        intermediates = unmarshalCertificatesFromPEM(inter[0]!);
      } catch (e) {
        throw new InvalidSignatureError(`loading trusted intermediate certificates: ${(e as Error).message}`);
      }
    }
    if (!p.subjectEmail && !p.subjectHostname) {
      throw new EvaluationError('Internal inconsistency: PKI use set up without subject email or subject hostname');
    }
    pki = {
      caRootsCertificates: pool,
      ...(intermediates ? { caIntermediateCertificates: intermediates } : {}),
      ...(p.subjectEmail ? { subjectEmail: p.subjectEmail } : {}),
      ...(p.subjectHostname ? { subjectHostname: p.subjectHostname } : {}),
    };
  }

  return {
    ...(publicKeys ? { publicKeys } : {}),
    ...(fulcio ? { fulcio } : {}),
    ...(rekorPublicKeys ? { rekorPublicKeys } : {}),
    ...(pki ? { pki } : {}),
  };
}
