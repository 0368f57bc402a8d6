/**
 * The MCO's container-runtime-config controller, as far as ClusterImagePolicy/ImagePolicy go: which node files it
 * writes and what is in them (openshift/machine-config-operator pkg/controller/container-runtime-config,
 * getValidScopePolicies, updatePolicyJSON, updateNamespacedPolicyJSONs, generateSigstoreRegistriesdConfig).
 *
 * The facts it follows:
 * - every ClusterImagePolicy scope gets that policy's requirement; several policies on one scope are ANDed (a list);
 * - an ImagePolicy scope equal to or nested inside a ClusterImagePolicy scope is skipped for that namespace (its status
 *   becomes Pending/ConflictScopes) — the cluster policy wins;
 * - with cluster scopes, policy.json's `docker` transport is REPLACED by those scopes (the base's own docker scopes are
 *   dropped: the MCO only edits policies its templates generated) and `atomic` gets the same scopes except those with
 *   three or more slashes; `default` and other transports stay. Without cluster scopes the base is written unchanged;
 * - `<ns>.json` is the cluster file plus that namespace's scopes, appended to `docker` and (fewer than three slashes)
 *   `atomic`;
 * - sigstore-registries.yaml turns use-sigstore-attachments on for every cluster and namespace scope (only when there
 *   is at least one); mirrors from ImageDigestMirrorSets are not modelled here, so they are not added.
 */
import { stringify } from 'yaml';
import { goMarshalIndent, sortedKeys } from '../../go/encoding/json/encode.js';
import { parsePolicy } from '../../policy/index.js';
import { CrdError } from '../errors.js';
import { requirementFor, type RequirementJSON } from './requirement.js';
import type { ImagePolicyResource } from './validate.js';

/** The MCO template's /etc/containers/policy.json (templates/{master,worker}/01-…-container-runtime/_base/files/policy.yaml). */
export const MCO_TEMPLATE_POLICY = `{
    "default": [
        {
            "type": "insecureAcceptAnything"
        }
    ],
    "transports":
        {
            "docker-daemon":
                {
                    "": [{"type":"insecureAcceptAnything"}]
                }
        }
}
`;

/** Which resources put requirements on a scope of one file (for the trace: "scope X ← ClusterImagePolicy/a"). */
export type ScopeOrigins = Map<string, string[]>;

export interface NodeFiles {
  /** containers/policy.json */
  readonly policyJson: string;
  /** crio/policies/<namespace>.json */
  readonly namespaces: ReadonlyMap<string, string>;
  /** containers/registries.d/sigstore-registries.yaml, when the MCO writes one. */
  readonly registriesD?: string;
  /** What the MCO did that a reader might not expect (skipped scopes, replaced base scopes). */
  readonly notes: readonly string[];
  readonly clusterOrigins: ScopeOrigins;
  readonly namespaceOrigins: ReadonlyMap<string, ScopeOrigins>;
}

export interface RenderOptions {
  /** The policy.json the MCO starts from (its template when absent). */
  readonly basePolicy?: { text: string; path: string };
}

interface Contribution {
  readonly requirement: RequirementJSON;
  readonly from: string;
}

/** openshift/runtime-utils ScopeIsNestedInsideScope: equal, a path below, or a host matched by a `*.` wildcard. */
export function scopeIsNestedInsideScope(sub: string, sup: string): boolean {
  if (sub === sup) return true;
  if (sub.length > sup.length && sub.startsWith(sup) && sub[sup.length] === '/') return true;
  if (!sup.startsWith('*.')) return false;
  if (sub.includes(':')) {
    const host = sub.split(':')[0]!;
    return host.endsWith(sup.slice(1)) && !host.includes('/');
  }
  return sub.split('/')[0]!.endsWith(sup.slice(1));
}

export function renderNodeFiles(resources: readonly ImagePolicyResource[], opts: RenderOptions = {}): NodeFiles {
  const notes: string[] = [];
  // The controller lists resources from an informer cache (no defined order); names give a stable one. Order inside
  // a requirement list does not change a verdict (all must accept).
  const byName = (a: ImagePolicyResource, b: ImagePolicyResource) => (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
  const cips = resources.filter((r) => r.kind === 'ClusterImagePolicy').sort(byName);
  const ips = resources.filter((r) => r.kind === 'ImagePolicy').sort(byName);
  const label = (r: ImagePolicyResource) => (r.namespace !== undefined ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`);

  const requirement = (r: ImagePolicyResource): RequirementJSON => {
    const req = requirementFor(r);
    try {
      parsePolicy(JSON.stringify({ default: [req] }));
    } catch (e) {
      // policyItemFromSpec fails (c/image's constructors refuse the values): the MCO's sync fails, nothing is written.
      throw new CrdError(`${r.origin}: ${label(r)}: the MCO cannot build its requirement: ${(e as Error).message}`);
    }
    return req;
  };

  const cluster = new Map<string, Contribution[]>();
  for (const r of cips) {
    const req = requirement(r);
    for (const s of r.scopes) push(cluster, s, { requirement: req, from: label(r) });
  }
  const perNamespace = new Map<string, Map<string, Contribution[]>>();
  for (const r of ips) {
    const req = requirement(r);
    const ns = r.namespace!;
    const conflicts: string[] = [];
    for (const s of r.scopes) {
      if ([...cluster.keys()].some((c) => scopeIsNestedInsideScope(s, c))) {
        conflicts.push(s);
        continue;
      }
      let m = perNamespace.get(ns);
      if (!m) perNamespace.set(ns, (m = new Map()));
      push(m, s, { requirement: req, from: label(r) });
    }
    if (conflicts.length > 0)
      notes.push(
        `${label(r)}: Pending (ConflictScopes): has conflicting scope(s) ${goQuotedList(conflicts)} that equal to or nest inside existing clusterimagepolicy, only policy from clusterimagepolicy scope(s) will be applied`,
      );
  }

  // ---- policy.json
  const baseText = opts.basePolicy?.text ?? MCO_TEMPLATE_POLICY;
  const basePath = opts.basePolicy?.path ?? 'the MCO template policy.json';
  try {
    parsePolicy(baseText);
  } catch (e) {
    throw new CrdError(`${basePath}: error decoding policy json: ${(e as Error).message}`);
  }
  // JSON.parse-ok: re-read only to re-render a policy that parsePolicy (c/image's paranoid decoder: no duplicate or
  // unknown keys) has just accepted, so JSON.parse sees the same members
  const base = JSON.parse(baseText) as { default?: unknown; transports?: Record<string, Record<string, unknown[]>> };
  const clusterOrigins: ScopeOrigins = new Map();
  let policyJson: string;
  let clusterObj: { default?: unknown; transports: Record<string, Record<string, unknown[]>> };
  if (cluster.size === 0) {
    policyJson = baseText;
    clusterObj = { ...base, transports: { ...(base.transports ?? {}) } };
    for (const s of Object.keys(base.transports?.['docker'] ?? {})) clusterOrigins.set(s, [basePath]);
  } else {
    const replaced = Object.keys(base.transports?.['docker'] ?? {}).filter((s) => !cluster.has(s));
    if (replaced.length > 0)
      notes.push(`${basePath}: its docker scopes ${goQuotedList(replaced)} are not in the rendered policy.json: the MCO replaces the docker and atomic transports with the ClusterImagePolicy scopes`);
    const scopes = sortedKeys(Object.fromEntries([...cluster].map(([s, cs]) => [s, cs.map((c) => c.requirement)])));
    for (const [s, cs] of cluster) clusterOrigins.set(s, unique(cs.map((c) => c.from)));
    // Go re-marshals the decoded base: every scope map comes out with sorted keys.
    const transports: Record<string, Record<string, unknown[]>> = Object.fromEntries(Object.entries(base.transports ?? {}).map(([t, m]) => [t, sortedKeys(m)]));
    transports['docker'] = scopes;
    transports['atomic'] = Object.fromEntries(Object.entries(scopes).filter(([s]) => slashes(s) < 3));
    clusterObj = { default: base.default, transports: sortedKeys(transports) };
    policyJson = goMarshalIndent(clusterObj);
  }

  // ---- crio/policies/<ns>.json
  const namespaces = new Map<string, string>();
  const namespaceOrigins = new Map<string, ScopeOrigins>();
  for (const ns of [...perNamespace.keys()].sort()) {
    const scopes = perNamespace.get(ns)!;
    const t: Record<string, Record<string, unknown[]>> = { ...clusterObj.transports };
    const docker: Record<string, unknown[]> = { ...(t['docker'] ?? {}) };
    const atomic: Record<string, unknown[]> = { ...(t['atomic'] ?? {}) };
    const origins: ScopeOrigins = new Map([...clusterOrigins].map(([s, o]) => [s, [...o]]));
    for (const [s, cs] of scopes) {
      docker[s] = [...(docker[s] ?? []), ...cs.map((c) => c.requirement)];
      if (slashes(s) < 3) atomic[s] = [...(atomic[s] ?? []), ...cs.map((c) => c.requirement)];
      origins.set(s, unique([...(origins.get(s) ?? []), ...cs.map((c) => c.from)]));
    }
    t['docker'] = sortedKeys(docker);
    t['atomic'] = sortedKeys(atomic);
    namespaces.set(ns, goMarshalIndent({ default: clusterObj.default, transports: sortedKeys(t) }));
    namespaceOrigins.set(ns, origins);
  }

  // ---- registries.d
  const attachmentScopes = new Set<string>([...cluster.keys()]);
  for (const m of perNamespace.values()) for (const s of m.keys()) attachmentScopes.add(s);
  const registriesD =
    cluster.size === 0 && perNamespace.size === 0
      ? undefined
      : stringify({ docker: sortedKeys(Object.fromEntries([...attachmentScopes].map((s) => [s, { 'use-sigstore-attachments': true }]))) });

  return { policyJson, namespaces, ...(registriesD !== undefined ? { registriesD } : {}), notes, clusterOrigins, namespaceOrigins };
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function slashes(s: string): number {
  return s.split('/').length - 1;
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}
