/**
 * Policies as clusters declare them → the files a node's CRI-O reads. Two sources:
 * - OpenShift `config.openshift.io` ClusterImagePolicy/ImagePolicy, rendered exactly as the MCO renders them;
 * - sigstore policy-controller `policy.sigstore.dev` ClusterImagePolicy, translated as far as containers/image can
 *   express it, with a report of everything it cannot.
 * Everything is computed in memory; writing is the caller's choice (`render` writes, `verify --cluster-policies`
 * evaluates).
 */
import { readResources, type Resource } from './documents.js';
import { CrdError } from './errors.js';
import { renderNodeFiles, type ScopeOrigins } from './openshift/render.js';
import { OPENSHIFT_GROUP, validateImagePolicy } from './openshift/validate.js';
import { convertPolicyController, POLICY_CONTROLLER_GROUP, type ConvertOptions, type ReportLine } from './policy-controller/convert.js';

export { CrdError } from './errors.js';
export { readResources, type Resource } from './documents.js';
export type { ReportLine } from './policy-controller/convert.js';

/** Paths relative to the node's /etc. */
export const POLICY_PATH = 'containers/policy.json';
export const SIGSTORE_REGISTRIES_PATH = 'containers/registries.d/sigstore-registries.yaml';
export const namespacePolicyPath = (ns: string) => `crio/policies/${ns}.json`;

export interface RenderInput extends ConvertOptions {
  readonly basePolicy?: { text: string; path: string };
  /** Namespace of ImagePolicies without metadata.namespace (kubectl's rule). */
  readonly defaultNamespace?: string;
}

export interface RenderResult {
  readonly source: 'openshift' | 'policy-controller';
  /** Relative path → contents, in the order they are listed. */
  readonly files: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
  /** policy-controller only: what could not be expressed, and what that does to verdicts. */
  readonly report: readonly ReportLine[];
  /** For each policy file written (relative path): scope → resources (Kind/name) behind its requirements. */
  readonly origins: ReadonlyMap<string, ScopeOrigins>;
  /** Resources that were not policies (counted, so a user sees what was not looked into). */
  readonly ignored: readonly string[];
}

const isGroup = (r: Resource, group: string) => r.apiVersion.split('/')[0] === group;

export async function renderPaths(paths: readonly string[], cwd: string, readStdin: () => Promise<string>, input: RenderInput = {}): Promise<RenderResult> {
  return renderResources(await readResources(paths, cwd, readStdin), input);
}

export function renderResources(resources: readonly Resource[], input: RenderInput = {}): RenderResult {
  const openshift = resources.filter((r) => isGroup(r, OPENSHIFT_GROUP) && (r.kind === 'ClusterImagePolicy' || r.kind === 'ImagePolicy'));
  const sigstore = resources.filter((r) => isGroup(r, POLICY_CONTROLLER_GROUP));
  const secrets = resources.filter((r) => r.apiVersion === 'v1' && r.kind === 'Secret');
  const used = new Set<Resource>([...openshift, ...sigstore, ...secrets]);
  const ignored = resources.filter((r) => !used.has(r)).map((r) => `${r.origin} ${r.kind || '(no kind)'}`);
  if (openshift.length > 0 && sigstore.length > 0)
    throw new CrdError('both OpenShift (config.openshift.io) and policy-controller (policy.sigstore.dev) policies were given: render them separately');
  if (openshift.length === 0 && sigstore.filter((r) => r.kind === 'ClusterImagePolicy').length === 0)
    throw new CrdError('no ClusterImagePolicy or ImagePolicy (config.openshift.io or policy.sigstore.dev) found in the input');

  if (openshift.length > 0) {
    const validated = openshift.map((r) => validateImagePolicy(r, input.defaultNamespace ?? 'default'));
    const node = renderNodeFiles(validated, input.basePolicy ? { basePolicy: input.basePolicy } : {});
    const files = new Map<string, string>([[POLICY_PATH, node.policyJson]]);
    const origins = new Map<string, ScopeOrigins>([[POLICY_PATH, node.clusterOrigins]]);
    if (node.registriesD !== undefined) files.set(SIGSTORE_REGISTRIES_PATH, node.registriesD);
    for (const [ns, text] of node.namespaces) {
      files.set(namespacePolicyPath(ns), text);
      origins.set(namespacePolicyPath(ns), node.namespaceOrigins.get(ns)!);
    }
    return { source: 'openshift', files, notes: node.notes, report: [], origins, ignored };
  }

  const converted = convertPolicyController(sigstore, secrets, input);
  const files = new Map<string, string>([[POLICY_PATH, converted.policyJson], [SIGSTORE_REGISTRIES_PATH, converted.registriesD]]);
  return { source: 'policy-controller', files, notes: converted.notes, report: converted.report, origins: new Map([[POLICY_PATH, converted.origins]]), ignored };
}
