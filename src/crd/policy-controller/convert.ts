/**
 * sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev v1beta1/v1alpha1) → containers-policy.json, as
 * far as containers/image can express it, with a report line for everything it cannot.
 *
 * Semantics kept:
 * - authorities of one policy are alternatives (OR). containers/image has OR only as several keys of one sigstoreSigned
 *   requirement (keyDatas), so key authorities with the same transparency-log setting become one requirement; any other
 *   alternative is dropped, which only ever rejects more (report: stricter);
 * - several policies matching an image must all pass (AND): each scope gets the requirements of every policy whose
 *   scope contains it, because containers/image applies only the most specific scope;
 * - static pass → insecureAcceptAnything, static fail → reject (an alternative that never passes);
 * - images no policy matches get the no-match default (`--no-match deny|allow`, policy-controller's no-match-policy).
 * Never turned into an acceptance: a policy none of whose authorities can be expressed rejects (stricter); what is
 * dropped from a restriction that stays (attestations, CUE/Rego policy, SCT checks) is reported as looser, naming the
 * images it concerns.
 * Signatures are matched with signedIdentity matchRepository: cosign writes tagless identities and checks only the
 * digest, containers/image also requires the claimed repository to be the image's (stricter for re-tagged copies).
 */
import { stringify } from 'yaml';
import { goBase64Decode } from '../../go/encoding/base64.js';
import { goMarshalIndent, sortedKeys } from '../../go/encoding/json/encode.js';
import { parsePolicy } from '../../policy/index.js';
import type { Resource } from '../documents.js';
import { CrdError } from '../errors.js';
import { globToScope, scopeContains } from './glob.js';

export const POLICY_CONTROLLER_GROUP = 'policy.sigstore.dev';

export interface ConvertOptions {
  /** PEM of the Fulcio CA for keyless authorities without ca-cert/trustRootRef (policy-controller would use TUF). */
  readonly fulcioCA?: string;
  /** PEM of the Rekor public key for keyless authorities and for key authorities with ctlog. */
  readonly rekorPublicKey?: string;
  /** policy-controller's no-match-policy: what images no policy matches get (default deny). */
  readonly noMatch?: 'deny' | 'allow';
  /** Secret name → PEM, for key.secretRef / ca-cert.secretRef when the Secret is not in the input. */
  readonly secrets?: ReadonlyMap<string, string>;
}

export type Effect = 'looser' | 'stricter' | 'wider' | 'note';

export interface ReportLine {
  /** `ClusterImagePolicy/name spec.authorities[0].keyless.identities[1].subjectRegExp` */
  readonly path: string;
  readonly effect: Effect;
  readonly message: string;
  /** The images concerned, as the policy's globs. */
  readonly images: string;
  /** Something the resource asks for was left out (what `--strict` fails on); false for scope widening and notes. */
  readonly dropped: boolean;
}

export interface Converted {
  readonly policyJson: string;
  readonly registriesD: string;
  readonly report: ReportLine[];
  readonly notes: string[];
  readonly origins: Map<string, string[]>;
}

type Req = Record<string, unknown>;
type Obj = Record<string, unknown>;

interface Alternative {
  readonly path: string;
  /** The authority also requires attestations (which cannot be checked). */
  readonly attestations?: boolean;
  /** policy-controller would verify the certificate's embedded SCT (containers/image does not). */
  readonly sct?: boolean;
  readonly kind: 'key' | 'keyless';
  readonly keyPEM?: string;
  readonly rekorPEM?: string;
  readonly fulcio?: { caPEM: string; issuer: string; email: string };
}

const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
// An email subject as Fulcio puts it in a SAN: no scheme, one @.
const EMAIL = /^[^\s@/:]+@[^\s@/]+$/;

export function convertPolicyController(resources: readonly Resource[], secrets: readonly Resource[], opts: ConvertOptions = {}): Converted {
  const report: ReportLine[] = [];
  const notes: string[] = [];
  const trustRoots = new Map(resources.filter((r) => r.kind === 'TrustRoot').map((r) => [r.name, r]));
  const cips = resources.filter((r) => r.kind === 'ClusterImagePolicy').sort((a, b) => a.name.localeCompare(b.name));
  for (const r of resources) if (r.kind !== 'TrustRoot' && r.kind !== 'ClusterImagePolicy') notes.push(`${r.origin}: ${r.kind} (${r.apiVersion}) is not read`);

  const secretPEM = (name: string, at: string): string | undefined => {
    const fromFlag = opts.secrets?.get(name);
    if (fromFlag !== undefined) return fromFlag;
    const s = secrets.find((x) => x.name === name);
    if (!s) return undefined;
    const data = obj(s.object['data']) ?? {};
    const stringData = obj(s.object['stringData']) ?? {};
    const values = [...Object.values(data).map((v) => Buffer.from(goBase64Decode(String(v))).toString('utf8')), ...Object.values(stringData).map(String)];
    if (values.length !== 1) throw new CrdError(`${at}: Secret ${JSON.stringify(name)} must hold exactly one key (policy-controller's rule), it holds ${values.length}`);
    return values[0];
  };
  const trustRoot = (name: string, at: string, what: 'ca' | 'rekor'): { pem?: string; why?: string } => {
    const tr = trustRoots.get(name);
    if (!tr) return { why: `TrustRoot ${JSON.stringify(name)} is not in the input` };
    const spec = obj(tr.object['spec']) ?? {};
    const keys = obj(spec['sigstoreKeys']);
    if (!keys) return { why: `TrustRoot ${JSON.stringify(name)} has no sigstoreKeys (TUF repository/remote roots are not fetched)` };
    const entry =
      what === 'ca' ? obj(arr(keys['certificateAuthorities'])[0])?.['certChain'] : obj(arr(keys['tLogs'])[0])?.['publicKey'];
    if (typeof entry !== 'string') return { why: `TrustRoot ${JSON.stringify(name)} has no ${what === 'ca' ? 'certificateAuthorities[0].certChain' : 'tLogs[0].publicKey'}` };
    try {
      return { pem: Buffer.from(goBase64Decode(entry)).toString('utf8') };
    } catch (e) {
      throw new CrdError(`${at}: TrustRoot ${JSON.stringify(name)}: ${(e as Error).message}`);
    }
  };

  interface Mapped {
    readonly label: string;
    readonly scopes: string[];
    readonly requirement: Req;
  }
  const mapped: Mapped[] = [];
  for (const cip of cips) {
    const label = `ClusterImagePolicy/${cip.name}`;
    const spec = obj(cip.object['spec']) ?? {};
    const globs = arr(spec['images']).map((i, n) => {
      const g = str(obj(i)?.['glob']);
      if (g === undefined) throw new CrdError(`${cip.origin}: ${label} spec.images[${n}].glob: Required value`);
      return g;
    });
    if (globs.length === 0) throw new CrdError(`${cip.origin}: ${label} spec.images: Required value`);
    const images = globs.join(', ');
    const line = (path: string, effect: Effect, message: string, dropped = effect === 'looser' || effect === 'stricter') =>
      report.push({ path: `${label} ${path}`, effect, message, images, dropped });

    const scopes: string[] = [];
    const widened: { n: number; glob: string; where: string }[] = [];
    globs.forEach((g, n) => {
      const m = globToScope(g);
      if (!scopes.includes(m.scope)) scopes.push(m.scope);
      const where = m.scope === '' ? 'the docker transport default ("")' : `scope ${JSON.stringify(m.scope)}`;
      if (m.relation === 'wider') widened.push({ n, glob: g, where });
      if (m.relation === 'wider') line(`spec.images[${n}].glob`, 'wider', `${JSON.stringify(g)} → ${where}, which is wider: ${m.detail}`);
      else if (m.relation === 'matches-nothing') line(`spec.images[${n}].glob`, 'stricter', `${JSON.stringify(g)} → ${where}: ${m.detail}`);
      else if (m.detail) line(`spec.images[${n}].glob`, 'note', `${JSON.stringify(g)} → ${where}: ${m.detail}`);
    });

    if (str(spec['mode']) === 'warn')
      line('spec.mode', 'stricter', 'mode: warn only warns in policy-controller; a node cannot warn, so the requirements are enforced (images failing them are rejected)');
    if (spec['policy'] !== undefined)
      line(`spec.policy (${str(obj(spec['policy'])?.['type']) ?? 'cue/rego'})`, 'looser', 'a CUE/Rego policy cannot be evaluated by containers/image: it is not checked, so images that fail only that policy are accepted');
    if (spec['match'] !== undefined) line('spec.match', 'note', 'resource matching (match:) is an admission concept; on the node the policy applies to every pod');

    let acceptAll = false;
    let hasFail = false;
    const alternatives: Alternative[] = [];
    arr(spec['authorities']).forEach((a0, n) => {
      const a = obj(a0) ?? {};
      const at = `spec.authorities[${n}]`;
      const drop = (path: string, why: string) => line(path, 'stricter', `${why}: this authority is dropped, so signatures only it would accept are rejected`);
      const attestations = arr(a['attestations']).length > 0;
      if (a['source'] !== undefined || a['sources'] !== undefined) {
        drop(`${at}.source`, 'signatures in another repository (source.oci) are not read by containers/image');
        return;
      }
      if (str(a['signatureFormat']) === 'bundle') {
        drop(`${at}.signatureFormat`, 'sigstore bundles (signatureFormat: bundle) are ignored by containers/image');
        return;
      }
      if (a['rfc3161timestamp'] !== undefined)
        line(`${at}.rfc3161timestamp`, 'stricter', 'TSA timestamps are not used by containers/image: a keyless signature needs a Rekor SET instead');
      const stat = obj(a['static']);
      if (stat) {
        const action = str(stat['action']);
        if (action === 'pass') acceptAll = true;
        else if (action === 'fail') hasFail = true;
        else throw new CrdError(`${cip.origin}: ${label} ${at}.static.action: Unsupported value: ${JSON.stringify(action)}: supported values: "pass", "fail"`);
        return;
      }
      const ctlog = obj(a['ctlog']);
      let ctlogRekor: string | undefined;
      if (ctlog) {
        if (str(ctlog['url'])) line(`${at}.ctlog.url`, 'note', `${JSON.stringify(ctlog['url'])} is not contacted: containers/image checks the Rekor SET in the signature offline with the Rekor public key`);
        const trRef = str(ctlog['trustRootRef']);
        if (trRef) {
          const t = trustRoot(trRef, `${cip.origin}: ${label} ${at}.ctlog.trustRootRef`, 'rekor');
          ctlogRekor = t.pem;
          if (!t.pem) line(`${at}.ctlog.trustRootRef`, 'note', `${t.why}; using --rekor-public-key`);
        }
        ctlogRekor ??= opts.rekorPublicKey;
      }
      const key = obj(a['key']);
      if (key) {
        if (str(key['kms'])) return drop(`${at}.key.kms`, 'KMS keys are not fetched');
        if (str(key['hashAlgorithm']) && key['hashAlgorithm'] !== 'sha256')
          return drop(`${at}.key.hashAlgorithm`, `hashAlgorithm ${JSON.stringify(key['hashAlgorithm'])} is not what containers/image verifies with`);
        let pem = str(key['data']);
        const ref = str(obj(key['secretRef'])?.['name']);
        if (!pem && ref) {
          pem = secretPEM(ref, `${cip.origin}: ${label} ${at}.key.secretRef`);
          if (!pem) return drop(`${at}.key.secretRef`, `Secret ${JSON.stringify(ref)} is neither in the input nor given with --key-secret ${ref}=FILE`);
        }
        if (!pem) return drop(`${at}.key`, 'no key data');
        if (ctlog && !ctlogRekor) line(`${at}.ctlog`, 'looser', 'no Rekor public key (--rekor-public-key or a TrustRoot): the transparency log is not checked for this key');
        alternatives.push({ path: at, kind: 'key', keyPEM: pem, attestations, ...(ctlog && ctlogRekor ? { rekorPEM: ctlogRekor } : {}) });
        return;
      }
      const keyless = obj(a['keyless']);
      if (keyless) {
        if (str(keyless['url'])) line(`${at}.keyless.url`, 'note', `${JSON.stringify(keyless['url'])} is not contacted: the Fulcio CA comes from ca-cert, a TrustRoot or --fulcio-ca`);
        let caPEM: string | undefined;
        const caCert = obj(keyless['ca-cert']);
        if (caCert) {
          caPEM = str(caCert['data']);
          const ref = str(obj(caCert['secretRef'])?.['name']);
          if (!caPEM && ref) caPEM = secretPEM(ref, `${cip.origin}: ${label} ${at}.keyless.ca-cert.secretRef`);
        }
        const trRef = str(keyless['trustRootRef']);
        if (!caPEM && trRef) {
          const t = trustRoot(trRef, `${cip.origin}: ${label} ${at}.keyless.trustRootRef`, 'ca');
          caPEM = t.pem;
          if (!t.pem) line(`${at}.keyless.trustRootRef`, 'note', `${t.why}; using --fulcio-ca`);
        }
        caPEM ??= opts.fulcioCA;
        const rekorPEM = ctlogRekor ?? opts.rekorPublicKey;
        if (!caPEM) return drop(`${at}.keyless`, 'no Fulcio CA (ca-cert, a TrustRoot or --fulcio-ca)');
        if (!rekorPEM) return drop(`${at}.keyless`, 'no Rekor public key (ctlog.trustRootRef or --rekor-public-key); containers/image requires one with Fulcio');
        const sct = keyless['insecureIgnoreSCT'] !== true;
        const ids = arr(keyless['identities']);
        if (ids.length === 0) return drop(`${at}.keyless.identities`, 'no identities');
        ids.forEach((i0, k) => {
          const i = obj(i0) ?? {};
          const ip = `${at}.keyless.identities[${k}]`;
          if (str(i['issuerRegExp'])) return drop(`${ip}.issuerRegExp`, 'regular-expression issuers cannot be expressed (containers/image compares the issuer exactly)');
          if (str(i['subjectRegExp'])) return drop(`${ip}.subjectRegExp`, 'regular-expression subjects cannot be expressed (containers/image compares one email exactly)');
          const issuer = str(i['issuer']);
          const subject = str(i['subject']);
          if (!issuer || !subject) return drop(ip, 'an identity needs an exact issuer and subject');
          if (!EMAIL.test(subject)) return drop(`${ip}.subject`, `${JSON.stringify(subject)} is not an email address: containers/image's fulcio matches subjectEmail only`);
          alternatives.push({ path: ip, kind: 'keyless', rekorPEM, attestations, sct, fulcio: { caPEM: caPEM!, issuer, email: subject } });
        });
        return;
      }
      line(at, 'stricter', 'an authority without key, keyless or static is not understood: dropped');
    });

    let requirement: Req;
    if (acceptAll) {
      requirement = { type: 'insecureAcceptAnything' };
      for (const alt of alternatives) line(alt.path, 'note', 'another authority is static: pass, so this one does not change the verdict');
      // A wider scope is safe for a restriction, not for an acceptance: the glob's limit is a restriction that is lost
      // (unless images no policy matches are allowed anyway; other policies' scopes inside this one still AND).
      if (opts.noMatch !== 'allow')
        for (const w of widened)
          line(`spec.images[${w.n}].glob`, 'looser', `static: pass on ${w.where}: images there that ${JSON.stringify(w.glob)} does not match, and no other policy matches, are accepted without any check where policy-controller rejects them (no-match deny)`);
    } else if (alternatives.length === 0) {
      requirement = { type: 'reject' };
      if (!hasFail) line('spec.authorities', 'stricter', 'no authority could be expressed: every image this policy matches is rejected');
    } else {
      const first = alternatives[0]!;
      const group =
        first.kind === 'key' ? alternatives.filter((x) => x.kind === 'key' && x.rekorPEM === first.rekorPEM) : [first];
      // Only what is kept can become looser: a dropped authority's attestations do not matter.
      for (const alt of group)
        if (alt.sct) line(alt.path.replace(/\.identities\[\d+\]$/, ''), 'looser', "the certificate's embedded SCT is not verified by containers/image");
      for (const alt of group)
        if (alt.attestations)
          line(`${alt.path.replace(/\.keyless\.identities\[\d+\]$/, '')}.attestations`, 'looser', 'attestations cannot be checked by containers/image: images signed by this authority are accepted without them');
      for (const alt of alternatives)
        if (!group.includes(alt))
          line(alt.path, 'stricter', `containers/image cannot accept this alternative together with ${first.path} (OR exists only as several keys of one requirement): signatures only it would accept are rejected`);
      requirement = { type: 'sigstoreSigned' };
      if (first.kind === 'key') {
        if (group.length === 1) requirement['keyData'] = b64(first.keyPEM!);
        else requirement['keyDatas'] = group.map((g) => b64(g.keyPEM!));
      } else requirement['fulcio'] = { caData: b64(first.fulcio!.caPEM), oidcIssuer: first.fulcio!.issuer, subjectEmail: first.fulcio!.email };
      if (first.rekorPEM !== undefined) requirement['rekorPublicKeyData'] = b64(first.rekorPEM);
      requirement['signedIdentity'] = { type: 'matchRepository' };
      line(
        'spec.authorities',
        'stricter',
        'signedIdentity matchRepository: containers/image also requires the signature to claim this image\'s repository (cosign and policy-controller check only the digest), so signatures copied from another repository are rejected',
        false,
      );
      try {
        parsePolicy(JSON.stringify({ default: [requirement] }));
      } catch (e) {
        throw new CrdError(`${cip.origin}: ${label}: containers/image refuses the converted requirement: ${(e as Error).message}`);
      }
    }
    mapped.push({ label, scopes, requirement });
  }

  // AND over policies: a scope carries the requirements of every policy whose scope contains it.
  const allScopes = [...new Set(mapped.flatMap((m) => m.scopes))];
  const docker: Record<string, Req[]> = {};
  const origins = new Map<string, string[]>();
  for (const s of allScopes) {
    const from = mapped.filter((m) => m.scopes.some((o) => scopeContains(o, s)));
    docker[s] = from.map((m) => m.requirement);
    origins.set(s, from.map((m) => m.label));
  }
  const noMatch = opts.noMatch ?? 'deny';
  const policy = { default: [{ type: noMatch === 'allow' ? 'insecureAcceptAnything' : 'reject' }], transports: { docker: sortedKeys(docker) } };
  const policyJson = goMarshalIndent(policy);
  parsePolicy(policyJson);
  const registries: Obj = {};
  if (allScopes.includes('')) registries['default-docker'] = { 'use-sigstore-attachments': true };
  const withScope = allScopes.filter((s) => s !== '');
  if (withScope.length > 0) registries['docker'] = sortedKeys(Object.fromEntries(withScope.map((s) => [s, { 'use-sigstore-attachments': true }])));
  return { policyJson, registriesD: stringify(registries), report, notes, origins };
}
