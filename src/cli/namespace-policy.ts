/**
 * CRI-O's per-namespace policies (CRI-O 1.28+, `signature_policy_dir`): a pull for a pod in namespace NS uses
 * `<dir>/<NS>.json` when that file exists, else the global policy (`--policy`, else c/image's default path).
 * A stat error other than "does not exist" fails the pull, as in CRI-O (`get context for namespace: …`).
 *
 * Policies are loaded once per path and shared by every image that uses them.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Policy } from '../policy/index.js';
import type { ProcessEnv } from './context.js';
import { loadPolicy } from './policy-load.js';

export interface PolicyChoice {
  /** The file that decides (absolute when it came from the policy directory). */
  readonly path: string | undefined;
  readonly source: 'namespace' | 'global';
  readonly namespace?: string;
  /** CRI-O's log line, for the trace: `Using pull policy path for image %s: %q` (only for a namespace file). */
  readonly note?: string;
}

export class PolicyResolver {
  private readonly cache = new Map<string, Promise<Policy>>();
  private readonly globalKey = '\0global';

  constructor(
    private readonly pe: ProcessEnv,
    private readonly globalPath: string | undefined,
    private readonly policyDir: string | undefined,
  ) {
    // CRI-O insists on an absolute signature_policy_dir; a CLI resolves relative paths against the cwd instead.
    if (policyDir !== undefined && !isAbsolute(policyDir)) this.policyDir = resolve(pe.cwd, policyDir);
  }

  /** Which policy file applies to a pod in `namespace` (undefined: no namespace known, the global policy). */
  async choose(namespace: string | undefined): Promise<PolicyChoice> {
    // The API server admits only DNS-1123 labels; anything else (`../x`) would pick a file outside the directory.
    if (namespace !== undefined && namespace !== '' && !isDNS1123Label(namespace)) {
      throw new UsageError(
        `namespace ${JSON.stringify(namespace)} is not valid: a namespace must be a DNS-1123 label (at most 63 characters: lower-case letters, digits and "-", starting and ending with a letter or digit); the API server would refuse it`,
      );
    }
    if (this.policyDir !== undefined && namespace !== undefined && namespace !== '') {
      const path = join(this.policyDir, `${namespace}.json`);
      try {
        await stat(path);
        return { path, source: 'namespace', namespace };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new UsageError(`get context for namespace: read policy path ${path}: ${(e as Error).message}`);
        }
      }
    }
    return { path: this.globalPath, source: 'global', ...(namespace !== undefined ? { namespace } : {}) };
  }

  load(choice: PolicyChoice): Promise<Policy> {
    const key = choice.path ?? this.globalKey;
    let p = this.cache.get(key);
    if (!p) {
      p = loadPolicy(choice.path, this.pe);
      this.cache.set(key, p);
    }
    return p;
  }
}

/** Kubernetes' IsDNS1123Label: what the API server requires of metadata.namespace. */
export function isDNS1123Label(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}
