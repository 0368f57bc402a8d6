/** `inspect`'s text rendering: per signature, what it claims, what verified it, and the suggested entry. */
import { parseDockerReference, type ImageReference } from '../../reference/index.js';
import type { CLIIO } from '../io.js';
import type { SignatureInspection } from './signature.js';

export function renderInspection(ref: ImageReference, digest: string, sigs: readonly SignatureInspection[], hints: readonly { text: string }[], io: CLIIO): string {
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
