// Public face of the policy module.
export type * from './types.js';
export { parsePolicy, loadPolicyFile, defaultPolicyPath } from './parse.js';
export { requirementsForImageRef, scopeCandidates } from './scope.js';
export { matchesDockerReference, describeMatch } from './identity.js';
// schemaErrors lives in ./schema-check.js and is imported lazily by lint: it loads the Ajv runtime.
