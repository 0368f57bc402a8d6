/**
 * The JSON Schema (schemas/policy.schema.json, Ajv) is a second definition of a valid policy; c/image's parser
 * (parse.ts) is the one that decides. This guards the schema against drifting from it, over every policy file the
 * project carries and a seeded run of the policy fuzzer's documents:
 * - the parser never accepts a document the schema rejects (`lint` and editors would then flag a policy CRI-O
 *   runs with);
 * - the schema accepts a document the parser rejects only for the documented checks a JSON Schema cannot
 *   express ({@link BEYOND_SCHEMA}: base64 decoding, docker reference grammar, remap prefixes);
 * - documents with duplicate member names are not comparable (Go's decoder sees both, JSON.parse keeps the last):
 *   they are skipped and counted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parsePolicy } from '../../../src/policy/parse.js';
import { schemaErrors } from '../../../src/policy/schema-check.js';
import { readJson, type JsonNode } from '../../../src/go/encoding/json/scanner.js';
import { policyTarget } from '../../fuzz/targets.js';
import { REPO_ROOT } from '../../helpers/oracle.js';

function policyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...policyFiles(p));
    else if (/polic.*\.json$|^[^/]*\.json$/.test(name) && (dir.includes('policies') || name.startsWith('policy'))) out.push(p);
  }
  return out;
}

/** Iterative: the fuzzer nests documents thousands deep. */
function hasDuplicateMembers(root: JsonNode): boolean {
  const stack: JsonNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'object') {
      const seen = new Set<string>();
      for (const e of node.entries) {
        if (seen.has(e.key)) return true;
        seen.add(e.key);
        stack.push(e.value);
      }
    } else if (node.kind === 'array') {
      stack.push(...node.items);
    }
  }
  return false;
}

let lastMessage = '';

/** The parser's semantic checks that the schema deliberately leaves to it (documented in schemas/README or here). */
const BEYOND_SCHEMA: readonly RegExp[] = [
  /illegal base64 data at input byte/,
  /contains neither a tag nor digest/,
  /invalid reference format/,
  /^prefix ".*" is not valid$/,
];

type Outcome = 'both-accept' | 'both-reject' | 'beyond-schema' | 'schema-only' | 'parser-only' | 'not-comparable';

function compare(bytes: Uint8Array): Outcome {
  let parserOk = true;
  try {
    parsePolicy(bytes);
  } catch (e) {
    parserOk = false;
    lastMessage = (e as Error).message;
  }
  let tree;
  try {
    tree = readJson(bytes, { positions: false });
  } catch {
    return parserOk ? 'parser-only' : 'both-reject';
  }
  if (hasDuplicateMembers(tree.root as JsonNode)) return 'not-comparable';
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return 'not-comparable';
  }
  const schemaOk = schemaErrors(value).length === 0;
  if (schemaOk && parserOk) return 'both-accept';
  if (!schemaOk && !parserOk) return 'both-reject';
  if (schemaOk && BEYOND_SCHEMA.some((re) => re.test(lastMessage.replace(/^invalid policy in "[^"]*": /, '')))) return 'beyond-schema';
  return schemaOk ? 'schema-only' : 'parser-only';
}

// Structurally plausible policies, so that many are accepted and the interesting edges (sources, identities,
// scopes) are exercised far more than random mutation reaches them.
const pick = <T>(...v: T[]) => fc.constantFrom(...v);
const identityArb = fc.oneof(
  pick({ type: 'matchExact' }, { type: 'matchRepoDigestOrExact' }, { type: 'matchRepository' }, { type: 'matchExact', x: 1 }),
  fc.record({ type: pick('exactReference'), dockerReference: pick('busybox:latest', 'quay.io/a/b', 'Busybox:1', 'a@sha256:' + '0'.repeat(64), '') }, { requiredKeys: ['type'] }),
  fc.record({ type: pick('exactRepository'), dockerRepository: pick('quay.io/a/b', 'quay.io/a/b:tag', 'UPPER/x', '') }, { requiredKeys: ['type'] }),
  fc.record({ type: pick('remapIdentity'), prefix: pick('quay.io', 'quay.io/ns', 'example.com/', '*.example.com', ''), signedPrefix: pick('example.com', 'ex.com/x', 'a/') }, { requiredKeys: ['type'] }),
);
const file = pick('/k', '', 'relative/k');
const data = pick('YWJj', '', '!!', 'YWJj\n');
const requirementArb = fc.oneof(
  pick({ type: 'insecureAcceptAnything' }, { type: 'reject' }, { type: 'reject', keyPath: '/k' }),
  fc.record({ type: pick('signedBy'), keyType: pick('GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'x'), keyPath: file, keyPaths: fc.array(file, { maxLength: 2 }), keyData: data, signedIdentity: identityArb }, { requiredKeys: ['type'] }),
  fc.record(
    {
      type: pick('sigstoreSigned'),
      keyPath: file,
      keyPaths: fc.array(file, { maxLength: 2 }),
      keyData: data,
      keyDatas: fc.array(data, { maxLength: 2 }),
      fulcio: fc.record({ caPath: file, caData: data, oidcIssuer: pick('https://i', ''), subjectEmail: pick('a@b', '') }, { requiredKeys: [] }),
      rekorPublicKeyPath: file,
      rekorPublicKeyData: data,
      pki: fc.record({ caRootsPath: file, caIntermediatesData: data, subjectEmail: pick('a@b'), subjectHostname: pick('h', '') }, { requiredKeys: [] }),
      signedIdentity: identityArb,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: pick('signedBaseLayer'), baseLayerIdentity: identityArb }, { requiredKeys: ['type'] }),
);
const scopesArb = fc.dictionary(pick('', 'quay.io', 'quay.io/ns/repo:tag', '*.example.com', '/abs/dir', 'rel', '/', '[overlay@/var/lib]x'), fc.array(requirementArb, { minLength: 1, maxLength: 2 }), { maxKeys: 3 });
const plausiblePolicyArb = fc
  .record({ default: fc.array(requirementArb, { maxLength: 2 }), transports: fc.dictionary(pick('docker', 'dir', 'oci', 'atomic', 'docker-archive', 'containers-storage', 'nope'), scopesArb, { maxKeys: 2 }) }, { requiredKeys: ['default'] })
  .map((doc) => new Uint8Array(Buffer.from(JSON.stringify(doc))));

describe('the policy schema agrees with the parser', () => {
  // The project's own policies, and (when ../shared is beside the clone) containers/image's test policy.
  const upstream = join(REPO_ROOT, '../shared/fixtures/containers-image/policy.json');
  const files = [...policyFiles(join(REPO_ROOT, 'fixtures')), ...(existsSync(upstream) ? [upstream] : [])];

  test.each(files.map((f) => [f.slice(f.lastIndexOf('fixtures/')), f]))('%s', (_name, file) => {
    const outcome = compare(readFileSync(file));
    expect(['both-accept', 'both-reject', 'beyond-schema', 'not-comparable']).toContain(outcome);
  });

  test('3,000 seeded documents (fuzzer mutations and plausible policies): never accepted by one and refused by the other', () => {
    const counts: Record<Outcome, number> = { 'both-accept': 0, 'both-reject': 0, 'beyond-schema': 0, 'schema-only': 0, 'parser-only': 0, 'not-comparable': 0 };
    const disagreements: string[] = [];
    fc.assert(
      fc.property(fc.oneof(policyTarget.arbitrary, plausiblePolicyArb), (bytes) => {
        const o = compare(bytes);
        counts[o]++;
        if (o === 'schema-only' || o === 'parser-only') disagreements.push(`${o}: ${lastMessage} :: ${Buffer.from(bytes).toString('utf8').slice(0, 300)}`);
      }),
      { seed: 0x5c4e3a, numRuns: 3000 },
    );
    console.log(`schema-parity: ${files.length} files, 3000 documents: ${JSON.stringify(counts)}`);
    expect(disagreements.slice(0, 40)).toEqual([]);
  });
});
