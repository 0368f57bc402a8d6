/**
 * What `inspect` shows about a sigstore signature — WITHOUT trusting it. Nothing here is verified: the payload's
 * claims, the certificate's identity and the SET's time are all attacker-controlled until `verifySigstoreSignature`
 * has accepted the signature. Every field is therefore named "claimed"/"untrusted" in spirit, and every parse is
 * best-effort: a malformed part yields an `…Error` string instead of an exception.
 */
import type { SigstoreSignature } from '../../image/types.js';
import {
  SIGSTORE_CERTIFICATE_ANNOTATION,
  SIGSTORE_CHAIN_ANNOTATION,
  SIGSTORE_SET_ANNOTATION,
  SIGSTORE_SIGNATURE_ANNOTATION,
  SIGSTORE_SIGNATURE_MIME_TYPE,
} from './annotations.js';
import { fulcioIssuerInCertificate } from './certificates.js';
import { keyFingerprint } from '../../go/crypto/keys.js';
import { unmarshalCertificatesFromPEM } from '../../go/crypto/x509/parser.js';

export interface SigstoreSignatureFacts {
  readonly mimeType: string;
  readonly isSignature: boolean;
  readonly annotations: readonly string[];
  readonly claimedDockerReference?: string;
  readonly claimedManifestDigest?: string;
  readonly payloadError?: string;
  readonly certificate?: {
    readonly emails: readonly string[];
    readonly dnsNames: readonly string[];
    readonly uris: readonly string[];
    readonly subject: string;
    readonly oidcIssuer?: string;
    readonly notBefore: string;
    readonly notAfter: string;
    readonly keyFingerprint?: string;
  };
  readonly certificateError?: string;
  readonly chainLength?: number;
  readonly rekor?: { readonly integratedTime?: number; readonly integratedTimeISO?: string; readonly logIndex?: number; readonly logID?: string };
  readonly rekorError?: string;
}

const iso = (d: Date) => (Number.isNaN(d.getTime()) ? 'invalid' : d.toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function sigstoreSignatureFacts(sig: SigstoreSignature): SigstoreSignatureFacts {
  const ann = sig.annotations;
  const facts: { -readonly [K in keyof SigstoreSignatureFacts]: SigstoreSignatureFacts[K] } = {
    mimeType: sig.mimeType,
    isSignature: sig.mimeType === SIGSTORE_SIGNATURE_MIME_TYPE && SIGSTORE_SIGNATURE_ANNOTATION in ann,
    annotations: Object.keys(ann).sort(),
  };
  try {
    // JSON.parse-ok: inspect's best-effort display of an UNVERIFIED payload; verdicts read payloads with signature/payload.ts
    const p = JSON.parse(Buffer.from(sig.payload).toString('utf8')) as {
      critical?: { identity?: { 'docker-reference'?: unknown }; image?: { 'docker-manifest-digest'?: unknown } };
    };
    const ref = p?.critical?.identity?.['docker-reference'];
    const dig = p?.critical?.image?.['docker-manifest-digest'];
    if (typeof ref === 'string') facts.claimedDockerReference = ref;
    if (typeof dig === 'string') facts.claimedManifestDigest = dig;
  } catch (e) {
    facts.payloadError = (e as Error).message;
  }
  const certText = ann[SIGSTORE_CERTIFICATE_ANNOTATION];
  if (certText !== undefined) {
    try {
      const [c] = unmarshalCertificatesFromPEM(Buffer.from(certText, 'utf8'));
      if (c) {
        let oidcIssuer: string | undefined;
        try {
          oidcIssuer = fulcioIssuerInCertificate(c).issuer;
        } catch {
          /* not a Fulcio certificate, or a broken extension: show nothing */
        }
        facts.certificate = {
          emails: c.emailAddresses,
          dnsNames: c.dnsNames,
          uris: c.uris,
          subject: c.subjectCommonName,
          ...(oidcIssuer !== undefined ? { oidcIssuer } : {}),
          notBefore: iso(c.notBefore),
          notAfter: iso(c.notAfter),
          ...(c.publicKey ? { keyFingerprint: keyFingerprint(c.publicKey) } : {}),
        };
      }
    } catch (e) {
      facts.certificateError = (e as Error).message;
    }
  }
  const chainText = ann[SIGSTORE_CHAIN_ANNOTATION];
  if (chainText !== undefined) {
    try {
      facts.chainLength = unmarshalCertificatesFromPEM(Buffer.from(chainText, 'utf8')).length;
    } catch (e) {
      facts.certificateError ??= `chain: ${(e as Error).message}`;
    }
  }
  const setText = ann[SIGSTORE_SET_ANNOTATION];
  if (setText !== undefined) {
    try {
      // JSON.parse-ok: inspect's best-effort display of an UNVERIFIED SET; verdicts read SETs through go/encoding/json
      const set = JSON.parse(setText) as { Payload?: { integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
      const p = set?.Payload ?? {};
      const t = typeof p.integratedTime === 'number' ? p.integratedTime : undefined;
      facts.rekor = {
        ...(t !== undefined ? { integratedTime: t, integratedTimeISO: iso(new Date(t * 1000)) } : {}),
        ...(typeof p.logIndex === 'number' ? { logIndex: p.logIndex } : {}),
        ...(typeof p.logID === 'string' ? { logID: p.logID } : {}),
      };
    } catch (e) {
      facts.rekorError = (e as Error).message;
    }
  }
  return facts;
}
