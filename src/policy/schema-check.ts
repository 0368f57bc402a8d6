/**
 * The JSON Schema layer (schemas/policy.schema.json, precompiled by scripts/compile-schema.mjs).
 *
 * The c/image-worded parser (`parse.ts`) decides whether a policy is valid and with which message; the schema is
 * an extra, editor-friendly view that `lint` can show alongside (it reports *all* problems at once rather than the
 * first one). Its findings are translated here into short texts with our JSON paths.
 */
import { validate, type ValidationError } from './generated/validate-policy.js';
import { indexPath, memberPath } from '../go/encoding/json/scanner.js';

export interface SchemaFinding {
  /** JSON path such as `$.transports.docker["quay.io/x"][0].keyPath`. */
  readonly path: string;
  readonly message: string;
}

const REKOR = 'rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas';

/** Validates a plain JSON value (e.g. from JSON.parse) against the policy schema. */
export function schemaErrors(value: unknown): SchemaFinding[] {
  if (validate(value)) return [];
  const findings: SchemaFinding[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const finding = describe(value, err);
    if (finding === undefined) continue;
    const id = `${finding.path}\u0000${finding.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    findings.push(finding);
  }
  return findings;
}

/** Our path for an Ajv instancePath (JSON Pointer); the value tells array indexes from numeric-looking keys. */
function toPath(root: unknown, pointer: string): { path: string; value: unknown } {
  let path = '$';
  let value = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path = indexPath(path, Number(seg));
      value = value[Number(seg)];
    } else {
      path = memberPath(path, seg);
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
    }
  }
  return { path, value };
}

/** Branch-internal errors (inside oneOf/anyOf/not/if) only explain their parent; the parent is reported. */
function isBranchNoise(err: ValidationError): boolean {
  return /\/(oneOf|anyOf|not|if)\/|\/dependencies\/[^/]+\//.test(err.schemaPath) || err.keyword === 'if';
}

function describe(root: unknown, err: ValidationError): SchemaFinding | undefined {
  // Draft-07 schema dependencies report the failing inner keyword; name the rule instead.
  const dep = /\/dependencies\/([^/]+)\/(anyOf|not)$/.exec(err.schemaPath);
  if (dep) {
    const { path } = toPath(root, err.instancePath);
    if (dep[1] === 'fulcio') return { path, message: `At least one of ${REKOR} must be specified if fulcio is used` };
    if (dep[1] === 'pki') return { path, message: `${REKOR} are not supported for pki` };
    return { path, message: `at most one of ${REKOR} can be used simultaneously` };
  }
  if (isBranchNoise(err) && err.keyword !== 'propertyNames') {
    // A bad scope name is reported through its inner keyword (pattern/const/not) which carries the name.
    if (err.propertyName === undefined) return undefined;
  }
  const { path, value } = toPath(root, err.instancePath);
  const obj = (value !== null && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const last = err.instancePath.slice(err.instancePath.lastIndexOf('/') + 1);
  switch (err.keyword) {
    case 'propertyNames':
      return undefined; // reported by the inner keyword, which names the scope
    case 'additionalProperties': {
      const key = String(err.params['additionalProperty']);
      return { path: memberPath(path, key), message: `Unknown key ${JSON.stringify(key)}` };
    }
    case 'required':
      return { path, message: `Key ${JSON.stringify(String(err.params['missingProperty']))} missing` };
    case 'oneOf':
      if (obj['type'] === 'signedBy') {
        return { path, message: 'exactly one of keyPath, keyPaths and keyData must be specified' };
      }
      if (obj['type'] === 'sigstoreSigned') {
        return { path, message: 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified' };
      }
      if (last === 'fulcio') return { path, message: 'exactly one of caPath and caData must be specified' };
      if (last === 'pki') return { path, message: 'exactly one of caRootsPath and caRootsData must be specified' };
      break;
    case 'anyOf':
      if (last === 'pki') return { path, message: 'At least one of subjectEmail, subjectHostname must be specified' };
      break;
    case 'not':
      if (err.propertyName !== undefined) {
        return { path: memberPath(path, err.propertyName), message: `Invalid scope ${JSON.stringify(err.propertyName)}` };
      }
      if (last === 'pki') return { path, message: 'caIntermediatesPath and caIntermediatesData cannot be used simultaneously' };
      break;
    case 'pattern':
    case 'const':
      if (err.propertyName !== undefined) {
        return { path: memberPath(path, err.propertyName), message: `Invalid scope ${JSON.stringify(err.propertyName)}` };
      }
      if (err.keyword === 'pattern') return { path, message: 'must be standard base64 with padding' };
      return { path, message: `must be ${JSON.stringify(err.params['allowedValue'])}` };
    case 'enum':
      return { path, message: `must be one of ${(err.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'minItems':
      return { path, message: 'must not be empty' };
    case 'minLength':
      return { path, message: 'must not be empty' };
    case 'type':
      return { path, message: `must be ${String(err.params['type'])}` };
  }
  return { path, message: err.message ?? err.keyword };
}
