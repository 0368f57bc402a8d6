import { join } from 'node:path';
import { PolicyFormatError, UsageError } from '../errors.js';
import { defaultPolicyPath, loadPolicyFile, type Policy } from '../policy/index.js';
import type { ProcessEnv } from './context.js';

/** c/image DefaultPolicy + NewPolicyFromFile: an explicit path is used even if it does not exist. */
export async function loadPolicy(explicit: string | undefined, pe: ProcessEnv): Promise<Policy> {
  const path = explicit ?? (await defaultPolicyPath({ homeDir: pe.homeDir, ...(pe.etcDir ? { systemPath: join(pe.etcDir, 'containers/policy.json') } : {}) }));
  return loadPolicyFile(path);
}

/** skopeo's wording for a policy that cannot be used, plus where in the file the problem is. */
export function describePolicyError(e: unknown): string {
  if (e instanceof PolicyFormatError) {
    const at = e.position ? `\n  at ${e.position.path} (line ${e.position.line}, column ${e.position.column})` : '';
    return `Error loading trust policy: ${e.message}${at}`;
  }
  if (e instanceof UsageError) return e.message;
  return `Error loading trust policy: ${(e as Error).message}`;
}
