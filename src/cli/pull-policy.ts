/**
 * The pull policy a container ends up with once the API server has defaulted it, and the reference the kubelet
 * hands the runtime. Both decide whether CRI-O (and so the signature policy) is ever asked about an image.
 *
 * Kubernetes facts this mirrors (kubernetes `pkg/apis/core/v1/defaults.go` SetDefaults_Container and
 * `pkg/util/parsers` ParseImageName; kubelet `pkg/kubelet/images` applyDefaultImageTag):
 * - an explicit `imagePullPolicy` is kept as written;
 * - otherwise the tag is read with `ParseNormalizedNamed`; a reference with neither tag nor digest counts as tag
 *   `latest`; tag `latest` defaults to `Always`, anything else to `IfNotPresent`. So `name@sha256:…` defaults to
 *   `IfNotPresent`, but `name:latest@sha256:…` keeps its tag and defaults to `Always`. A reference that does not
 *   parse has no tag and defaults to `IfNotPresent` (the API server ignores the parse error; validation refuses it);
 * - the kubelet appends `:latest` to a reference with neither tag nor digest before asking the runtime, without
 *   otherwise normalising it.
 */
import { parseDockerReference } from '../reference/index.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface EffectivePullPolicy {
  /** The value the pod runs with (an invalid explicit value is kept as written: the API server refuses it). */
  readonly policy: PullPolicy | string;
  /** `explicit`, or which default rule gave it. */
  readonly source: 'explicit' | 'default-latest-tag' | 'default-no-tag' | 'default-tag' | 'default-digest' | 'default-unparsable';
  /** One line for people: `IfNotPresent (default: tag "v1")`. */
  readonly label: string;
}

export function effectivePullPolicy(image: string, explicit: string | undefined): EffectivePullPolicy {
  if (explicit !== undefined && explicit !== '') return { policy: explicit, source: 'explicit', label: `${explicit} (explicit)` };
  let tag: string | undefined;
  let digest: string | undefined;
  try {
    const ref = parseDockerReference(image);
    tag = ref.tag;
    digest = ref.digest;
  } catch {
    return { policy: 'IfNotPresent', source: 'default-unparsable', label: 'IfNotPresent (default: the reference does not parse)' };
  }
  if (tag === undefined && digest === undefined) return { policy: 'Always', source: 'default-no-tag', label: 'Always (default: no tag means :latest)' };
  if (tag === 'latest') return { policy: 'Always', source: 'default-latest-tag', label: 'Always (default: tag "latest")' };
  if (tag === undefined) return { policy: 'IfNotPresent', source: 'default-digest', label: 'IfNotPresent (default: digest reference)' };
  return { policy: 'IfNotPresent', source: 'default-tag', label: `IfNotPresent (default: tag ${JSON.stringify(tag)})` };
}

/** Policies under which the kubelet starts a container from a local copy without asking the runtime to pull. */
export function reusesLocalCopy(policy: string): boolean {
  return policy === 'IfNotPresent' || policy === 'Never';
}
