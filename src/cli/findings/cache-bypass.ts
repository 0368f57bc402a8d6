/**
 * The namespace cache bypass: CRI-O checks the signature policy when it pulls, and the kubelet asks it to pull only
 * when the image is not on the node or the pull policy is `Always`. An image that namespace A's policy allows is
 * pulled onto a node for A's pods; a pod of namespace B whose policy rejects that image, but whose container may
 * reuse a local copy (`IfNotPresent`, `Never`), then starts from that copy and no policy is consulted. A gate that
 * judges each namespace on its own reports B's rejection and cannot see that the node will never enforce it.
 *
 * Which local copy serves a container (CRI-O's image lookup through containers/storage): the kubelet asks for the
 * reference as written (`:latest` appended when it has neither tag nor digest); a tag finds an image stored under
 * the same repository and tag; a digest finds an image of the same repository with that manifest digest, whatever
 * tag pulled it. A copy pulled by digest carries no tag, so it never serves a tag reference.
 *
 * This is a finding beside the verdicts: it never changes one.
 */
import { parseDockerReference } from '../../reference/index.js';
import type { ImageOccurrence } from '../k8s/manifests.js';
import { effectivePullPolicy, reusesLocalCopy } from '../pull-policy.js';
import { errorOf, verdictOf, type ImageReport } from '../output/result.js';

export interface ExposedContainer {
  readonly occurrence: ImageOccurrence;
  readonly namespace: string;
  readonly pullPolicy: string;
  readonly pullPolicyLabel: string;
  readonly pullPolicySource: string;
}

export interface PolicySide {
  readonly namespaces: readonly string[];
  readonly policy: string | null;
  /** The reference as pulled on that side (what the node stored). */
  readonly reference: string;
}

export interface CacheBypassFinding {
  readonly kind: 'cache-bypass';
  /** The reference the kubelet asks the runtime for, in the rejecting namespace. */
  readonly image: string;
  /** The manifest digest of the copy on the node (what the allowing namespace pulled). */
  readonly manifestDigest: string | null;
  readonly allowedIn: readonly PolicySide[];
  readonly rejectedIn: PolicySide & { readonly message: string };
  readonly exposed: readonly ExposedContainer[];
  readonly fixes: readonly string[];
}

interface Pulled {
  readonly report: ImageReport;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The reference a pull stored on the node: the evaluated (CRI-O) form, so `name:tag@digest` is `name@digest`. */
function pulledForm(r: ImageReport): Pulled | undefined {
  const s = (r.evaluated ?? r.input).replace(/^docker:\/\//, '');
  try {
    const ref = parseDockerReference(s);
    return { report: r, repository: ref.name(), ...(ref.tag !== undefined ? { tag: ref.tag } : {}), ...(ref.digest !== undefined ? { digest: ref.digest } : {}) };
  } catch {
    return undefined; // not a docker reference (dir:, oci:): never on a node's image store through the kubelet
  }
}

/** The kubelet's request for a container: as written, with `:latest` when there is neither tag nor digest. */
export function kubeletReference(image: string): string {
  try {
    const ref = parseDockerReference(image);
    return ref.tag === undefined && ref.digest === undefined ? `${image}:latest` : image;
  } catch {
    return image;
  }
}

function servesFrom(copy: Pulled, wanted: Pulled, wantedManifestDigest: string | undefined): boolean {
  if (copy.repository !== wanted.repository) return false;
  if (wanted.digest !== undefined) {
    const held = [copy.digest, copy.report.manifestDigest].filter((d): d is string => d !== undefined);
    return held.includes(wanted.digest) || (wantedManifestDigest !== undefined && held.includes(wantedManifestDigest));
  }
  return copy.tag !== undefined && copy.tag === (wanted.tag ?? 'latest');
}

function namespacesOf(r: ImageReport, defaultNamespace: string): string[] {
  const ns = (r.occurrences ?? []).map((o) => o.namespace ?? defaultNamespace);
  if (ns.length === 0 && r.namespace !== undefined) ns.push(r.namespace);
  return [...new Set(ns)].sort();
}

/**
 * One finding per image rejected by one namespace policy that another namespace's policy allows, when at least one
 * container of the rejecting namespace may start from the local copy.
 * `defaultNamespace` is the namespace of manifests without `metadata.namespace` (as verify chose it).
 */
export function findCacheBypass(reports: readonly ImageReport[], defaultNamespace: string): CacheBypassFinding[] {
  // Only a pod pulls onto a node: an allowed image counts when some namespace uses it (not a bare command-line image).
  const inNamespace = (r: ImageReport) => (r.occurrences?.length ?? 0) > 0 || r.namespace !== undefined;
  const allowed = reports.filter((r) => verdictOf(r) === 'allowed' && inNamespace(r)).map(pulledForm).filter((p): p is Pulled => p !== undefined);
  const findings: CacheBypassFinding[] = [];
  for (const r of reports) {
    if (verdictOf(r) !== 'rejected' || !r.occurrences?.length) continue;
    const wanted = pulledForm(r);
    if (!wanted) continue;
    const copies = allowed.filter((a) => a.report.policyPath !== r.policyPath && servesFrom(a, wanted, r.manifestDigest));
    if (copies.length === 0) continue;
    const exposed: ExposedContainer[] = [];
    for (const o of r.occurrences) {
      const pp = effectivePullPolicy(o.image, o.imagePullPolicy);
      if (!reusesLocalCopy(pp.policy)) continue;
      exposed.push({ occurrence: o, namespace: o.namespace ?? defaultNamespace, pullPolicy: pp.policy, pullPolicyLabel: pp.label, pullPolicySource: pp.source });
    }
    if (exposed.length === 0) continue;
    const image = kubeletReference(r.input);
    findings.push({
      kind: 'cache-bypass',
      image,
      manifestDigest: copies[0]!.report.manifestDigest ?? r.manifestDigest ?? null,
      allowedIn: copies.map((c) => ({ namespaces: namespacesOf(c.report, defaultNamespace), policy: c.report.policyPath ?? null, reference: c.report.input })),
      rejectedIn: { namespaces: namespacesOf(r, defaultNamespace), policy: r.policyPath ?? null, reference: r.input, message: errorOf(r)?.message ?? 'rejected' },
      exposed,
      fixes: [
        `set imagePullPolicy: Always on ${exposed.length === 1 ? 'that container' : 'those containers'}: the kubelet then asks CRI-O to pull for every start, and the policy of namespace ${exposed[0]!.namespace} is checked (this finding goes away)`,
        `or align the policies: make ${r.policyPath ?? 'the rejecting policy'} and ${copies.map((c) => c.report.policyPath ?? 'the global policy').join(', ')} agree on ${image}`,
      ],
    });
  }
  return findings;
}
