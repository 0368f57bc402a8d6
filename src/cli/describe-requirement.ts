import { describeMatch, type PolicyRequirement } from '../policy/index.js';
import type { ImageReference } from '../reference/index.js';
import { goQuote } from '../go/fmt.js';

/** One line saying what a requirement demands of `ref` (shared by `explain`, rejection explanations and `trust show`). */
export function describeRequirement(req: PolicyRequirement, ref: ImageReference): string {
  switch (req.type) {
    case 'insecureAcceptAnything':
      return 'insecureAcceptAnything: allowed without any check';
    case 'reject':
      return 'reject: always denied';
    case 'signedBaseLayer':
      return 'signedBaseLayer: always denied (not implemented by containers/image)';
    case 'signedBy': {
      const keys = req.keyPath ?? req.keyPaths?.join(', ') ?? (req.keyData ? 'inline keyData' : '?');
      return `signedBy (${req.keyType}): a GPG simple-signing signature by a key in ${keys}; ${describeMatch(req.signedIdentity, ref)}`;
    }
    case 'sigstoreSigned': {
      let trust: string;
      if (req.fulcio) {
        trust = `a Fulcio certificate (CA ${req.fulcio.caPath ?? 'inline caData'}) for ${goQuote(req.fulcio.subjectEmail)} issued by ${goQuote(req.fulcio.oidcIssuer)}`;
      } else if (req.pki) {
        const who = [req.pki.subjectEmail && `email ${goQuote(req.pki.subjectEmail)}`, req.pki.subjectHostname && `hostname ${goQuote(req.pki.subjectHostname)}`].filter(Boolean).join(' and ');
        trust = `a certificate from PKI roots ${req.pki.caRootsPath ?? 'inline caRootsData'} for ${who}`;
      } else {
        const keys = req.keyPath ?? req.keyPaths?.join(', ') ?? (req.keyData ? 'inline keyData' : req.keyDatas ? `${req.keyDatas.length} inline keyDatas` : '?');
        trust = `a public key from ${keys}`;
      }
      const rekor = req.rekorPublicKeyPath ?? req.rekorPublicKeyPaths?.join(', ') ?? (req.rekorPublicKeyData || req.rekorPublicKeyDatas ? 'inline Rekor key' : undefined);
      return `sigstoreSigned: a cosign signature by ${trust}${rekor ? `, with a Rekor SET signed by ${rekor}` : ''}; ${describeMatch(req.signedIdentity, ref)}`;
    }
  }
}
