/**
 * One ClusterImagePolicy/ImagePolicy `spec.policy` → the sigstoreSigned requirement the MCO writes (its
 * policyItemFromSpec): PublicKey → keyData (+ rekorPublicKeyData when rekorKeyData is set); FulcioCAWithRekor →
 * fulcio{caData, oidcIssuer, subjectEmail} + rekorPublicKeyData; PKI → pki{caRootsData, caIntermediatesData?,
 * subjectEmail?, subjectHostname?}; signedIdentity from matchPolicy, matchRepoDigestOrExact when absent.
 * Fields are in containers/image's marshalling order and bytes are re-encoded with Go's standard base64, so the
 * file reads like the MCO's byte for byte (apart from map order, which Go sorts and so do we).
 */
import type { ImagePolicyResource } from './validate.js';

export type RequirementJSON = Record<string, unknown>;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function requirementFor(p: ImagePolicyResource): RequirementJSON {
  const r: RequirementJSON = { type: 'sigstoreSigned' };
  const t = p.rootOfTrust;
  if (t.publicKey) {
    r['keyData'] = b64(t.publicKey.keyData);
    if (t.publicKey.rekorKeyData && t.publicKey.rekorKeyData.length > 0) r['rekorPublicKeyData'] = b64(t.publicKey.rekorKeyData);
  } else if (t.fulcioCAWithRekor) {
    const f = t.fulcioCAWithRekor;
    r['fulcio'] = { caData: b64(f.fulcioCAData), oidcIssuer: f.oidcIssuer, subjectEmail: f.signedEmail };
    r['rekorPublicKeyData'] = b64(f.rekorKeyData);
  } else if (t.pki) {
    const k = t.pki;
    r['pki'] = {
      caRootsData: b64(k.caRootsData),
      ...(k.caIntermediatesData && k.caIntermediatesData.length > 0 ? { caIntermediatesData: b64(k.caIntermediatesData) } : {}),
      ...(k.email ? { subjectEmail: k.email } : {}),
      ...(k.hostname ? { subjectHostname: k.hostname } : {}),
    };
  }
  const si = p.signedIdentity;
  switch (si?.matchPolicy) {
    case 'RemapIdentity':
      r['signedIdentity'] = { type: 'remapIdentity', prefix: si.prefix, signedPrefix: si.signedPrefix };
      break;
    case 'ExactRepository':
      r['signedIdentity'] = { type: 'exactRepository', dockerRepository: si.repository };
      break;
    case 'MatchRepository':
      r['signedIdentity'] = { type: 'matchRepository' };
      break;
    default:
      r['signedIdentity'] = { type: 'matchRepoDigestOrExact' };
  }
  return r;
}
