/**
 * `lint --target`: would an older runtime parse this policy? containers/image's parser rejects every key it does not
 * know (`Unknown key "keyPaths"`), and a node that cannot parse its policy.json refuses every pull — so a policy
 * written for 5.34 can take down a cluster whose nodes run CRI-O 1.28. The table below says when each policy
 * feature appeared; it was read from containers/image's `signature/policy_config*.go` at each release tag, and the
 * runtime → containers/image mapping from each runtime's go.mod at its `.0` release (patch releases may vendor a
 * newer containers/image; name the containers-image version directly when in doubt).
 */
import type { Policy, PolicyRequirement } from '../policy/index.js';

export type Version = readonly [number, number, number];

/** containers/image version vendored by each runtime release (go.mod at the release tag). */
export const RUNTIME_TARGETS: Readonly<Record<string, Version>> = {
  'cri-o-1.24': [5, 17, 0],
  'cri-o-1.25': [5, 22, 0],
  'cri-o-1.26': [5, 23, 1],
  'cri-o-1.27': [5, 25, 0],
  'cri-o-1.28': [5, 27, 0],
  'cri-o-1.29': [5, 29, 0],
  'cri-o-1.30': [5, 29, 3],
  'cri-o-1.31': [5, 32, 2],
  'cri-o-1.32': [5, 33, 0],
  'cri-o-1.33': [5, 35, 0],
  'cri-o-1.34': [5, 36, 2],
  'skopeo-1.9': [5, 23, 1],
  'skopeo-1.18': [5, 34, 2],
};

interface Feature {
  /** What the user wrote, e.g. `sigstoreSigned.keyPaths`. */
  readonly name: string;
  readonly since: Version;
  /** The error the older parser gives. */
  readonly message: string;
  readonly present: (r: PolicyRequirement) => boolean;
}

const sig = (r: PolicyRequirement) => (r.type === 'sigstoreSigned' ? r : undefined);
const unknownKey = (k: string) => `Unknown key ${JSON.stringify(k)}`;

export const FEATURES: readonly Feature[] = [
  { name: 'sigstoreSigned', since: [5, 22, 0], message: 'Unknown policy requirement type "sigstoreSigned"', present: (r) => r.type === 'sigstoreSigned' },
  { name: 'sigstoreSigned.fulcio', since: [5, 24, 0], message: unknownKey('fulcio'), present: (r) => sig(r)?.fulcio !== undefined },
  { name: 'sigstoreSigned.rekorPublicKeyPath', since: [5, 24, 0], message: unknownKey('rekorPublicKeyPath'), present: (r) => sig(r)?.rekorPublicKeyPath !== undefined },
  { name: 'sigstoreSigned.rekorPublicKeyData', since: [5, 24, 0], message: unknownKey('rekorPublicKeyData'), present: (r) => sig(r)?.rekorPublicKeyData !== undefined },
  { name: 'sigstoreSigned.keyPaths', since: [5, 33, 0], message: unknownKey('keyPaths'), present: (r) => sig(r)?.keyPaths !== undefined },
  { name: 'sigstoreSigned.keyDatas', since: [5, 33, 0], message: unknownKey('keyDatas'), present: (r) => sig(r)?.keyDatas !== undefined },
  { name: 'sigstoreSigned.rekorPublicKeyPaths', since: [5, 33, 0], message: unknownKey('rekorPublicKeyPaths'), present: (r) => sig(r)?.rekorPublicKeyPaths !== undefined },
  { name: 'sigstoreSigned.rekorPublicKeyDatas', since: [5, 33, 0], message: unknownKey('rekorPublicKeyDatas'), present: (r) => sig(r)?.rekorPublicKeyDatas !== undefined },
  { name: 'sigstoreSigned.pki', since: [5, 34, 1], message: unknownKey('pki'), present: (r) => sig(r)?.pki !== undefined },
  {
    name: 'signedIdentity remapIdentity',
    since: [5, 9, 0],
    message: 'Unknown policy reference match type "remapIdentity"',
    present: (r) => (r.type === 'signedBy' || r.type === 'sigstoreSigned') && r.signedIdentity.type === 'remapIdentity',
  },
];

export interface TargetProblem {
  readonly target: string;
  readonly version: Version;
  readonly feature: string;
  readonly since: Version;
  readonly message: string;
  readonly path?: string;
  readonly line?: number;
}

export function parseTarget(t: string): { name: string; version: Version } | undefined {
  const name = t.trim().toLowerCase();
  const known = RUNTIME_TARGETS[name];
  if (known) return { name, version: known };
  const m = /^(?:containers-image|c\/image|image)-v?5\.(\d+)(?:\.(\d+))?$/.exec(name);
  if (m) return { name, version: [5, Number(m[1]), Number(m[2] ?? 0)] };
  return undefined;
}

export const vstr = (v: Version) => v.join('.');
const older = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Every requirement of the policy with where it stands. */
function* requirements(policy: Policy): Generator<PolicyRequirement> {
  yield* policy.default;
  for (const scopes of policy.transports.values()) for (const reqs of scopes.values()) yield* reqs;
}

export function checkTarget(policy: Policy, target: { name: string; version: Version }): TargetProblem[] {
  const out: TargetProblem[] = [];
  for (const r of requirements(policy)) {
    for (const f of FEATURES) {
      if (older(target.version, f.since) >= 0 || !f.present(r)) continue;
      out.push({
        target: target.name,
        version: target.version,
        feature: f.name,
        since: f.since,
        message: f.message,
        ...(r.location ? { path: r.location.path, line: r.location.line } : {}),
      });
    }
  }
  return out;
}
