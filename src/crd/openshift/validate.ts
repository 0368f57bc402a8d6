/**
 * What the API server refuses before the MCO ever sees a resource: openshift/api config/v1 ClusterImagePolicy and
 * ImagePolicy (types_image_policy.go) — required fields, the policyType/matchPolicy unions, maximum lengths and the
 * CEL rules on scopes, signedIdentity prefixes, Fulcio subjects and PKI data, each with the API's own message.
 * The result is a typed, decoded spec; a refusal is a {@link CrdError} worded as `kubectl apply` prints it.
 */
import { goBase64Decode, GoBase64Error } from '../../go/encoding/base64.js';
import type { Resource } from '../documents.js';
import { CrdError } from '../errors.js';

export type PolicyType = 'PublicKey' | 'FulcioCAWithRekor' | 'PKI';
export type MatchPolicy = 'MatchRepoDigestOrExact' | 'MatchRepository' | 'ExactRepository' | 'RemapIdentity';

export interface RootOfTrust {
  readonly policyType: PolicyType;
  readonly publicKey?: { keyData: Uint8Array; rekorKeyData?: Uint8Array };
  readonly fulcioCAWithRekor?: { fulcioCAData: Uint8Array; rekorKeyData: Uint8Array; oidcIssuer: string; signedEmail: string };
  readonly pki?: { caRootsData: Uint8Array; caIntermediatesData?: Uint8Array; email?: string; hostname?: string };
}

export interface SignedIdentity {
  readonly matchPolicy: MatchPolicy;
  readonly repository?: string;
  readonly prefix?: string;
  readonly signedPrefix?: string;
}

export interface ImagePolicyResource {
  readonly kind: 'ClusterImagePolicy' | 'ImagePolicy';
  readonly name: string;
  /** ImagePolicy only. */
  readonly namespace?: string;
  readonly scopes: readonly string[];
  readonly rootOfTrust: RootOfTrust;
  readonly signedIdentity?: SignedIdentity;
  readonly origin: string;
}

export const OPENSHIFT_GROUP = 'config.openshift.io';
export const OPENSHIFT_VERSIONS = ['v1', 'v1alpha1'] as const;

const LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH = '(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?';
const HOST = `(?:(?:${LABEL}(?:\\.${LABEL})+(?::[0-9]+)?)|(?:localhost(?::[0-9]+)?))`;
const WILDCARD_SCOPE = new RegExp(`^\\*(?:\\.${LABEL})+$`);
// [[:xdigit:]] is RE2's; JavaScript spells it [0-9A-Fa-f].
const SCOPE = new RegExp(`^(${HOST}${PATH})(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}))?$`);
const PREFIX = new RegExp(`^${HOST}${PATH}$`);
const TAG_SUFFIX = /:([\w][\w.-]{0,127})$/;
// Go's RE2 \S is ASCII-only: [^\t\n\f\r ].
const EMAIL = /^[^\t\n\f\r ]+@[^\t\n\f\r ]+$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The API server's checks on one ClusterImagePolicy/ImagePolicy, in the order it reports them (first one wins). */
export function validateImagePolicy(r: Resource, defaultNamespace: string): ImagePolicyResource {
  const kind = r.kind as 'ClusterImagePolicy' | 'ImagePolicy';
  const fail = (field: string, detail: string): never => {
    throw new CrdError(`${r.origin}: ${kind}.${OPENSHIFT_GROUP} ${JSON.stringify(r.name)} is invalid: ${field}: ${detail}`);
  };
  if (r.name === '') fail('metadata.name', 'Required value: name or generateName is required');
  const spec = obj(r.object['spec']) ?? fail('spec', 'Required value');
  const scopesRaw = spec['scopes'];
  if (!Array.isArray(scopesRaw) || scopesRaw.length === 0) fail('spec.scopes', 'Required value');
  const scopes = scopesRaw as unknown[];
  if (scopes.length > 256) fail('spec.scopes', `Too many: ${scopes.length}: must have at most 256 items`);
  const seen = new Set<string>();
  scopes.forEach((s, i) => {
    const f = `spec.scopes[${i}]`;
    if (typeof s !== 'string') return fail(f, `Invalid value: ${JSON.stringify(typeof s)}: spec.scopes[${i}] in body must be of type string`);
    if (seen.has(s)) fail(f, `Duplicate value: ${JSON.stringify(s)}`);
    seen.add(s);
    if (s.length > 512) fail(f, `Too long: may not be more than 512 bytes`);
    const host = s.split('/')[0]!;
    if (host.split('.').length === 1 && host.split('.')[0]!.split(':')[0] !== 'localhost')
      fail(f, `Invalid value: "string": invalid image scope format, scope must contain a fully qualified domain name or 'localhost'`);
    if (s.includes('*') && !WILDCARD_SCOPE.test(s))
      fail(f, 'Invalid value: "string": invalid image scope with wildcard, a wildcard can only be at the start of the domain and is only supported for subdomain matching, not path matching');
    if (!s.includes('*') && !SCOPE.test(s)) fail(f, 'Invalid value: "string": invalid repository namespace or image specification in the image scope');
  });

  const policy = obj(spec['policy']) ?? fail('spec.policy', 'Required value');
  const rot = obj(policy['rootOfTrust']) ?? fail('spec.policy.rootOfTrust', 'Required value');
  const policyType = rot['policyType'] as PolicyType;
  if (policyType === undefined) fail('spec.policy.rootOfTrust.policyType', 'Required value');
  if (policyType !== 'PublicKey' && policyType !== 'FulcioCAWithRekor' && policyType !== 'PKI')
    fail('spec.policy.rootOfTrust.policyType', `Unsupported value: ${JSON.stringify(policyType)}: supported values: "PublicKey", "FulcioCAWithRekor", "PKI"`);
  const union = (member: string, type: string) => {
    if ((policyType === type) !== (rot[member] !== undefined))
      fail('spec.policy.rootOfTrust', `Invalid value: "object": ${member} is required when policyType is ${type}, and forbidden otherwise`);
  };
  union('publicKey', 'PublicKey');
  union('fulcioCAWithRekor', 'FulcioCAWithRekor');
  union('pki', 'PKI');
  const bytes = (o: Record<string, unknown>, key: string, field: string, required: boolean): Uint8Array | undefined => {
    const v = o[key];
    if (v === undefined || v === null) {
      if (required) fail(`${field}.${key}`, 'Required value');
      return undefined;
    }
    if (typeof v !== 'string') return fail(`${field}.${key}`, `Invalid value: ${JSON.stringify(typeof v)}: ${field}.${key} in body must be of type string`);
    if (v.length > 8192) fail(`${field}.${key}`, 'Too long: may not be more than 8192 bytes');
    try {
      return goBase64Decode(v);
    } catch (e) {
      return fail(`${field}.${key}`, `Invalid value: ${JSON.stringify(v.slice(0, 40))}: ${e instanceof GoBase64Error ? e.message : String(e)}`);
    }
  };
  const str = (o: Record<string, unknown>, key: string, field: string, required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') {
      if (required) fail(`${field}.${key}`, 'Required value');
      return undefined;
    }
    if (typeof v !== 'string') return fail(`${field}.${key}`, `Invalid value: ${JSON.stringify(typeof v)}: must be of type string`);
    return v;
  };

  let rootOfTrust: RootOfTrust;
  const rf = 'spec.policy.rootOfTrust';
  if (policyType === 'PublicKey') {
    const pk = obj(rot['publicKey'])!;
    const rekor = bytes(pk, 'rekorKeyData', `${rf}.publicKey`, false);
    rootOfTrust = { policyType, publicKey: { keyData: bytes(pk, 'keyData', `${rf}.publicKey`, true)!, ...(rekor ? { rekorKeyData: rekor } : {}) } };
  } else if (policyType === 'FulcioCAWithRekor') {
    const fr = obj(rot['fulcioCAWithRekor'])!;
    const f = `${rf}.fulcioCAWithRekor`;
    const fulcioCAData = bytes(fr, 'fulcioCAData', f, true)!;
    const rekorKeyData = bytes(fr, 'rekorKeyData', f, true)!;
    const subject = obj(fr['fulcioSubject']) ?? fail(`${f}.fulcioSubject`, 'Required value');
    const oidcIssuer = str(subject, 'oidcIssuer', `${f}.fulcioSubject`, true)!;
    if (oidcIssuer.length > 2048) fail(`${f}.fulcioSubject.oidcIssuer`, 'Too long: may not be more than 2048 bytes');
    if (!isURL(oidcIssuer)) fail(`${f}.fulcioSubject.oidcIssuer`, 'Invalid value: "string": oidcIssuer must be a valid URL');
    const signedEmail = str(subject, 'signedEmail', `${f}.fulcioSubject`, true)!;
    if (signedEmail.length > 320) fail(`${f}.fulcioSubject.signedEmail`, 'Too long: may not be more than 320 bytes');
    if (!EMAIL.test(signedEmail)) fail(`${f}.fulcioSubject.signedEmail`, 'Invalid value: "string": invalid email address');
    rootOfTrust = { policyType, fulcioCAWithRekor: { fulcioCAData, rekorKeyData, oidcIssuer, signedEmail } };
  } else {
    const p = obj(rot['pki'])!;
    const f = `${rf}.pki`;
    const caRootsData = bytes(p, 'caRootsData', f, true)!;
    checkPEMBundle(caRootsData, 'caRootsData', `${f}.caRootsData`, fail);
    const caIntermediatesData = bytes(p, 'caIntermediatesData', f, false);
    if (caIntermediatesData) checkPEMBundle(caIntermediatesData, 'caIntermediatesData', `${f}.caIntermediatesData`, fail);
    const subject = obj(p['pkiCertificateSubject']) ?? fail(`${f}.pkiCertificateSubject`, 'Required value');
    const email = str(subject, 'email', `${f}.pkiCertificateSubject`, false);
    const hostname = str(subject, 'hostname', `${f}.pkiCertificateSubject`, false);
    if (email === undefined && hostname === undefined)
      fail(`${f}.pkiCertificateSubject`, 'Invalid value: "object": at least one of email or hostname must be set in pkiCertificateSubject');
    if (email !== undefined && (email.length > 320 || !EMAIL.test(email)))
      fail(`${f}.pkiCertificateSubject.email`, 'Invalid value: "string": invalid email address in pkiCertificateSubject');
    if (hostname !== undefined && (hostname.length > 253 || !DNS1123_SUBDOMAIN.test(hostname.startsWith('*.') ? hostname.slice(2) : hostname)))
      fail(
        `${f}.pkiCertificateSubject.hostname`,
        "Invalid value: \"string\": hostname should be a valid dns 1123 subdomain name, optionally prefixed by '*.'. It should consist only of lowercase alphanumeric characters, hyphens, periods and the optional preceding asterisk.",
      );
    rootOfTrust = {
      policyType,
      pki: { caRootsData, ...(caIntermediatesData ? { caIntermediatesData } : {}), ...(email ? { email } : {}), ...(hostname ? { hostname } : {}) },
    };
  }

  let signedIdentity: SignedIdentity | undefined;
  const si = obj(policy['signedIdentity']);
  if (si !== undefined && Object.keys(si).length > 0) {
    const f = 'spec.policy.signedIdentity';
    const mp = si['matchPolicy'] as MatchPolicy;
    if (mp === undefined) fail(`${f}.matchPolicy`, 'Required value');
    if (mp !== 'MatchRepoDigestOrExact' && mp !== 'MatchRepository' && mp !== 'ExactRepository' && mp !== 'RemapIdentity')
      fail(`${f}.matchPolicy`, `Unsupported value: ${JSON.stringify(mp)}: supported values: "MatchRepoDigestOrExact", "MatchRepository", "ExactRepository", "RemapIdentity"`);
    if ((mp === 'ExactRepository') !== (si['exactRepository'] !== undefined))
      fail(f, 'Invalid value: "object": exactRepository is required when matchPolicy is ExactRepository, and forbidden otherwise');
    if ((mp === 'RemapIdentity') !== (si['remapIdentity'] !== undefined))
      fail(f, 'Invalid value: "object": remapIdentity is required when matchPolicy is RemapIdentity, and forbidden otherwise');
    const prefix = (o: Record<string, unknown>, key: string, field: string): string => {
      const v = str(o, key, field, true)!;
      const at = `${field}.${key}`;
      if (v.length > 512) fail(at, 'Too long: may not be more than 512 bytes');
      if (TAG_SUFFIX.test(v) && !/^localhost:[0-9]+$/.test(v))
        fail(at, 'Invalid value: "string": invalid repository or prefix in the signedIdentity, should not include the tag or digest');
      if (!PREFIX.test(v)) fail(at, 'Invalid value: "string": invalid repository or prefix in the signedIdentity');
      return v;
    };
    if (mp === 'ExactRepository') {
      signedIdentity = { matchPolicy: mp, repository: prefix(obj(si['exactRepository']) ?? {}, 'repository', `${f}.exactRepository`) };
    } else if (mp === 'RemapIdentity') {
      const ri = obj(si['remapIdentity']) ?? {};
      signedIdentity = { matchPolicy: mp, prefix: prefix(ri, 'prefix', `${f}.remapIdentity`), signedPrefix: prefix(ri, 'signedPrefix', `${f}.remapIdentity`) };
    } else {
      signedIdentity = { matchPolicy: mp };
    }
  }

  return {
    kind,
    name: r.name,
    ...(kind === 'ImagePolicy' ? { namespace: r.namespace ?? defaultNamespace } : {}),
    scopes: scopes as string[],
    rootOfTrust,
    ...(signedIdentity ? { signedIdentity } : {}),
    origin: r.origin,
  };
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** CEL isURL is Go's url.ParseRequestURI: an absolute URI (scheme:…) or an absolute path. */
function isURL(s: string): boolean {
  if (s.startsWith('/')) return true;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function checkPEMBundle(data: Uint8Array, name: string, field: string, fail: (f: string, d: string) => never): void {
  const s = Buffer.from(data).toString('latin1');
  const begin = '-----BEGIN CERTIFICATE-----';
  const end = '-----END CERTIFICATE-----';
  if (!s.startsWith(begin)) fail(field, `Invalid value: "string": the ${name} must start with base64 encoding of '${begin}'.`);
  if (!(s.endsWith(`${end}\n`) || s.endsWith(end))) fail(field, `Invalid value: "string": the ${name} must end with base64 encoding of '${end}'.`);
  if (s.split(begin).length !== s.split(end).length)
    fail(field, `Invalid value: "string": ${name} must be base64 encoding of valid PEM format data contain the same number of '${begin}' and '${end}' markers.`);
}
