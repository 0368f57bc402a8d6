/**
 * OpenShift ClusterImagePolicy/ImagePolicy end to end: resources → `imgpolicy render` (the MCO's node files) →
 * verdicts of skopeo 1.18 (containers/image 5.34.2) and imgpolicy on the same rendered files and registry images,
 * which must agree; then `imgpolicy verify --cluster-policies -f manifests/` across namespaces must give the verdicts
 * the rendered files give.
 *
 * Resources (16): every rootOfTrust type (PublicKey, PublicKey + rekorKeyData, FulcioCAWithRekor, PKI), every
 * matchPolicy (MatchRepoDigestOrExact, MatchRepository, ExactRepository, RemapIdentity), a tag scope over a
 * repository scope, cluster + namespace policies overlapping (the namespace scope is skipped) and on separate scopes,
 * two namespace policies on one scope (AND), a merge into a base policy, and refused resources.
 *
 * Without the oracle the suite is skipped with one line, except under CI=true, where it fails.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from 'node:console';
import {
  checkPrerequisites,
  compareTriples,
  ensureBuilt,
  formatDisagreements,
  IMGPOLICY_BIN,
  ORACLE_DIR,
  oracleVerdict,
  REGISTRY,
  run,
  type Triple,
} from '../helpers/oracle.js';
import { b64file, copyImage, cosignKey, cosignSign, FIXTURES, pushFixtureVariant, tools } from './cluster-images.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

const out = new Console({ stdout: process.stdout, stderr: process.stderr });
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const TIMEOUT = 600_000;
const R = `${REGISTRY}/h18/ocp`;

const cip = (name: string, scopes: string[], policy: object) => ({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterImagePolicy', metadata: { name }, spec: { scopes, policy } });
const ip = (name: string, namespace: string, scopes: string[], policy: object) => ({ apiVersion: 'config.openshift.io/v1', kind: 'ImagePolicy', metadata: { name, namespace }, spec: { scopes, policy } });
const yamlDocs = (objs: object[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';

async function imgpolicy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [IMGPOLICY_BIN, ...args], { timeoutMs: 180_000, env: { ...process.env, NO_COLOR: '1' } });
}

if (!prereq.ok) {
  if (!inCI) out.warn(`cluster-policies: skipped: ${prereq.reason}`);
  (inCI ? describe : describe.skip)('cluster policies against containers/image 5.34', () => {
    test('the oracle is running', () => {
      throw new Error(`cluster-policies: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  const oracleEnv = prereq.env!;
  const t = tools(oracleEnv, ORACLE_DIR);
  let work = '';
  const images: string[] = [];
  const digests: Record<string, string> = {};
  let pub = '';
  let totalCompared = 0;
  let totalDisagreements = 0;

  const P256 = b64file(join(FIXTURES, 'keys/cosign-p256.pub'));
  const P384 = b64file(join(FIXTURES, 'keys/cosign-p384.pub'));
  const REKOR = b64file(join(FIXTURES, 'keys/rekor.pub'));
  const FULCIO = b64file(join(FIXTURES, 'ca/fulcio-root.pem'));
  const PKI_ROOT = b64file(join(FIXTURES, 'ca/pki-root.pem'));
  const PKI_INT = b64file(join(FIXTURES, 'ca/pki-intermediate.pem'));
  const FIXTURE_REPO = 'registry.example.com/imgpolicy/test';
  const key = (keyData: string, signedIdentity?: object, rekorKeyData?: string) => ({
    rootOfTrust: { policyType: 'PublicKey', publicKey: { keyData, ...(rekorKeyData ? { rekorKeyData } : {}) } },
    ...(signedIdentity ? { signedIdentity } : {}),
  });
  const exact = { matchPolicy: 'ExactRepository', exactRepository: { repository: FIXTURE_REPO } };
  const remap = (variant: string) => ({ matchPolicy: 'RemapIdentity', remapIdentity: { prefix: `${R}/${variant}`, signedPrefix: 'registry.example.com/imgpolicy' } });

  beforeAll(async () => {
    const problem = await ensureBuilt();
    if (problem) throw new Error(`build ${problem}`);
    work = mkdtempSync(join(tmpdir(), 'imgpolicy-cluster-conf-'));
    for (const v of ['key-p256', 'rekor-key-p256', 'fulcio-cadata', 'pki-email']) digests[v] = await pushFixtureVariant(t, work, v, `h18/ocp/${v}/test`);
    digests['unsigned'] = await copyImage(t, 'test/unsigned:v1', 'h18/ocp/unsigned:v1');
    digests['cosigned'] = await copyImage(t, 'test/unsigned:v1', 'h18/ocp/cosigned:v1');
    digests['cosigned2'] = await copyImage(t, 'test/img-2:v1', 'h18/ocp/cosigned2:v1');
    const k = await cosignKey(t, join(work, 'cosign'), 'cluster');
    pub = k.pub;
    await cosignSign(t, k, 'h18/ocp/cosigned', digests['cosigned']!);
    await cosignSign(t, k, 'h18/ocp/cosigned2', digests['cosigned2']!);
    // A copy whose signature claims the repository it was copied from (what RemapIdentity is for).
    digests['remapped'] = await copyImage(t, 'test/img-3:v1', 'h18/ocp/remapped:v1');
    await cosignSign(t, k, 'h18/ocp/remapped', digests['remapped']!, ['--sign-container-identity', `${R}/cosigned`]);
    for (const [name, d] of Object.entries(digests)) {
      const repo = ['unsigned', 'cosigned', 'cosigned2', 'remapped'].includes(name) ? `${R}/${name}` : `${R}/${name}/test`;
      images.push(`docker://${repo}:v1`, `docker://${repo}@${d}`);
    }
  }, TIMEOUT);

  afterAll(() => {
    out.log(`cluster-policies: ${totalCompared} cases (rendered OpenShift policies × registry images) compared with skopeo 1.18, ${totalDisagreements} disagreements`);
    if (work && process.env.CONFORMANCE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  });

  const renderScenario = async (name: string, resources: object[], extra: string[] = []) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resources.yaml'), yamlDocs(resources));
    const r = await imgpolicy(['render', '--out', join(dir, 'node'), ...extra, join(dir, 'resources.yaml')]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return { dir, node: join(dir, 'node'), stdout: r.stdout };
  };

  const policyFiles = (node: string): string[] => {
    const files = [join(node, 'containers/policy.json')];
    const ns = join(node, 'crio/policies');
    if (existsSync(ns)) for (const f of readdirSync(ns).sort()) files.push(join(ns, f));
    return files;
  };

  const differential = async (group: string, node: string) => {
    const triples: Triple[] = [];
    for (const policy of policyFiles(node)) {
      // Both tools must parse the file first: lint says OK, and skopeo loads it (any verdict but a policy error).
      const lint = await imgpolicy(['lint', policy]);
      expect(lint.code).toBe(0);
      for (const image of images) triples.push({ group, image, policy, registriesD: join(node, 'containers/registries.d'), access: 'plain' });
    }
    const stats = await compareTriples(triples, { oracleEnv });
    totalCompared += stats.compared;
    totalDisagreements += stats.disagreements.length;
    if (stats.disagreements.length > 0) throw new Error(formatDisagreements(stats.disagreements));
    const answers = [...(stats.oracleAnswers ?? new Map<string, number>()).keys()];
    expect(answers.some((a) => a.startsWith('allowed'))).toBe(true);
    expect(answers.some((a) => a.startsWith('rejected'))).toBe(true);
    expect(answers.some((a) => a.startsWith('error: Error loading trust policy'))).toBe(false);
    return stats;
  };

  const S1 = () => [
    cip('a-publickey-exactrepository', [`${R}/key-p256`], key(P256, exact)),
    cip('b-publickey-rekor-remapidentity', [`${R}/rekor-key-p256`], key(P256, remap('rekor-key-p256'), REKOR)),
    cip('c-fulcio-exactrepository', [`${R}/fulcio-cadata`], {
      rootOfTrust: { policyType: 'FulcioCAWithRekor', fulcioCAWithRekor: { fulcioCAData: FULCIO, rekorKeyData: REKOR, fulcioSubject: { oidcIssuer: 'https://issuer.example.com', signedEmail: 'signer@example.com' } } },
      signedIdentity: exact,
    }),
    cip('d-pki-exactrepository', [`${R}/pki-email`], {
      rootOfTrust: { policyType: 'PKI', pki: { caRootsData: PKI_ROOT, caIntermediatesData: PKI_INT, pkiCertificateSubject: { email: 'pki-signer@example.com' } } },
      signedIdentity: exact,
    }),
    cip('e-cosign-matchrepository', [`${R}/cosigned`], key(b64file(pub), { matchPolicy: 'MatchRepository' })),
    cip('f-cosign-matchrepodigestorexact', [`${R}/cosigned2`], key(b64file(pub), { matchPolicy: 'MatchRepoDigestOrExact' })),
    cip('g-wrong-key-on-a-tag', [`${R}/key-p256/test:v1`], key(P384, exact)),
    cip('h-cosign-remapidentity', [`${R}/remapped`], key(b64file(pub), { matchPolicy: 'RemapIdentity', remapIdentity: { prefix: `${R}/remapped`, signedPrefix: `${R}/cosigned` } })),
  ];

  test(
    'every rootOfTrust and matchPolicy: rendered as the MCO renders, then skopeo 1.18 and imgpolicy agree on every image',
    async () => {
      const s = await renderScenario('s1-roots', S1());
      const policy = JSON.parse(readFileSync(join(s.node, 'containers/policy.json'), 'utf8'));
      // MCO facts: the template's default and docker-daemon stay; docker and atomic carry the scopes (atomic: < 3 slashes).
      expect(policy.default).toEqual([{ type: 'insecureAcceptAnything' }]);
      expect(Object.keys(policy.transports).sort()).toEqual(['atomic', 'docker', 'docker-daemon']);
      // Every scope here has three slashes (127.0.0.1:5000/h18/ocp/x): the MCO leaves them out of atomic.
      expect(policy.transports.atomic).toEqual({});
      expect(Object.keys(policy.transports.docker)).toEqual([`${R}/cosigned`, `${R}/cosigned2`, `${R}/fulcio-cadata`, `${R}/key-p256`, `${R}/key-p256/test:v1`, `${R}/pki-email`, `${R}/rekor-key-p256`, `${R}/remapped`]);
      expect(policy.transports.docker[`${R}/rekor-key-p256`][0]).toEqual({
        type: 'sigstoreSigned',
        keyData: P256,
        rekorPublicKeyData: REKOR,
        signedIdentity: { type: 'remapIdentity', prefix: `${R}/rekor-key-p256`, signedPrefix: 'registry.example.com/imgpolicy' },
      });
      expect(policy.transports.docker[`${R}/pki-email`][0].pki).toEqual({ caRootsData: PKI_ROOT, caIntermediatesData: PKI_INT, subjectEmail: 'pki-signer@example.com' });
      expect(readFileSync(join(s.node, 'containers/registries.d/sigstore-registries.yaml'), 'utf8')).toContain(`  ${R}/fulcio-cadata:\n    use-sigstore-attachments: true\n`);
      const stats = await differential('openshift roots', s.node);
      // The fixtures' verdicts as the policies intend them (the oracle said so too, or the differential failed).
      const v = async (image: string) => (await oracleVerdict({ group: '', image, policy: join(s.node, 'containers/policy.json'), registriesD: join(s.node, 'containers/registries.d'), access: 'plain' }, oracleEnv)).verdict;
      expect(await v(`docker://${R}/fulcio-cadata/test@${digests['fulcio-cadata']}`)).toBe('allowed');
      expect(await v(`docker://${R}/pki-email/test:v1`)).toBe('allowed');
      expect(await v(`docker://${R}/key-p256/test:v1`)).toBe('rejected'); // the tag scope's wrong key wins
      expect(await v(`docker://${R}/key-p256/test@${digests['key-p256']}`)).toBe('allowed');
      expect(await v(`docker://${R}/cosigned:v1`)).toBe('allowed');
      expect(await v(`docker://${R}/cosigned2:v1`)).toBe('rejected'); // tagless cosign identity vs matchRepoDigestOrExact
      expect(stats.compared).toBe(images.length);
    },
    TIMEOUT,
  );

  const S2 = () => [
    cip('cluster-cosign', [`${R}/cosigned`], key(b64file(pub), { matchPolicy: 'MatchRepository' })),
    ip('ns-a-conflict-and-fixture', 'ns-a', [`${R}/cosigned`, `${R}/key-p256`], key(P256, exact)),
    ip('ns-a-second-on-same-scope', 'ns-a', [`${R}/key-p256`], key(P384, exact)),
    ip('ns-b-unsigned', 'ns-b', [`${R}/unsigned`], key(b64file(pub), { matchPolicy: 'MatchRepository' })),
    ip('ns-c-pki', 'ns-c', [`${R}/pki-email`], {
      rootOfTrust: { policyType: 'PKI', pki: { caRootsData: PKI_ROOT, caIntermediatesData: PKI_INT, pkiCertificateSubject: { email: 'someone-else@example.com' } } },
      signedIdentity: exact,
    }),
  ];

  test(
    'cluster + namespace policies: the overlapping namespace scope is skipped, two namespace policies on one scope AND; skopeo and imgpolicy agree per file',
    async () => {
      const s = await renderScenario('s2-namespaces', S2());
      expect(s.stdout).toContain(`ImagePolicy/ns-a/ns-a-conflict-and-fixture: Pending (ConflictScopes): has conflicting scope(s) ["${R}/cosigned"]`);
      const nsA = JSON.parse(readFileSync(join(s.node, 'crio/policies/ns-a.json'), 'utf8'));
      expect(nsA.transports.docker[`${R}/cosigned`]).toHaveLength(1); // the cluster's only
      expect(nsA.transports.docker[`${R}/key-p256`].map((q: { keyData: string }) => q.keyData)).toEqual([P256, P384]);
      expect(policyFiles(s.node).map((f) => f.slice(s.node.length + 1))).toEqual(['containers/policy.json', 'crio/policies/ns-a.json', 'crio/policies/ns-b.json', 'crio/policies/ns-c.json']);
      await differential('openshift namespaces', s.node);

      // verify --cluster-policies on manifests across namespaces = the verdicts of the rendered files.
      const manifests = join(s.dir, 'manifests');
      mkdirSync(manifests, { recursive: true });
      const pick = [`${R}/cosigned:v1`, `${R}/unsigned:v1`, `${R}/key-p256/test@${digests['key-p256']}`, `${R}/pki-email/test:v1`, `${R}/cosigned2:v1`];
      const namespaces = ['ns-a', 'ns-b', 'ns-c', 'other'];
      for (const ns of namespaces)
        writeFileSync(
          join(manifests, `${ns}.yaml`),
          yamlDocs([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: ns }, spec: { template: { spec: { containers: pick.map((image, i) => ({ name: `c${i}`, image })) } } } }]),
        );
      const r = await imgpolicy(['verify', '--cluster-policies', join(s.dir, 'resources.yaml'), '-f', manifests, '--tls-verify=false', '--output', 'json']);
      const results = (parseVerifyJSON(r.stdout) as { results: { input: string; namespace?: string; verdict: string; policy?: string; explanation?: { policyPath?: string }; trace: { message: string }[] }[] }).results;
      // One result per (image, policy file): namespaces without a file share the global policy's result.
      expect(results.length).toBeGreaterThanOrEqual(pick.length * 3);
      let compared = 0;
      for (const res of results) {
        const nsFile = join(s.node, 'crio/policies', `${res.namespace}.json`);
        const policy = existsSync(nsFile) ? nsFile : join(s.node, 'containers/policy.json');
        const o = await oracleVerdict({ group: 'verify --cluster-policies', image: `docker://${res.input}`, policy, registriesD: join(s.node, 'containers/registries.d'), access: 'plain' }, oracleEnv);
        expect(`${res.namespace} ${res.input} ${res.verdict}`).toBe(`${res.namespace} ${res.input} ${o.verdict}`);
        expect(res.policy).toContain(existsSync(nsFile) ? `/etc/crio/policies/${res.namespace}.json` : '/etc/containers/policy.json');
        compared++;
      }
      totalCompared += compared;
      // The deciding resource is named: the ns-b file's unsigned scope comes from the namespace policy.
      const unsignedB = results.find((x) => x.namespace === 'ns-b' && x.input.startsWith(`${R}/unsigned`))!;
      expect(unsignedB.policy).toBe('/etc/crio/policies/ns-b.json');
      expect(unsignedB.explanation?.policyPath).toBe(`/etc/crio/policies/ns-b.json [scope "${R}/unsigned" from ImagePolicy/ns-b/ns-b-unsigned]`);
      expect(unsignedB.trace.map((e) => e.message)).toContain(`Scope "${R}/unsigned" of /etc/crio/policies/ns-b.json comes from ImagePolicy/ns-b/ns-b-unsigned`);
    },
    TIMEOUT,
  );

  test(
    'merge into a base policy: default reject and other transports kept, the base docker scopes replaced (as the MCO does); both tools agree',
    async () => {
      const base = join(work, 'base-policy.json');
      writeFileSync(
        base,
        JSON.stringify({
          default: [{ type: 'reject' }],
          transports: { docker: { [`${R}/unsigned`]: [{ type: 'insecureAcceptAnything' }] }, 'docker-daemon': { '': [{ type: 'insecureAcceptAnything' }] } },
        }),
      );
      const s = await renderScenario('s3-base', [cip('cluster-cosign', [`${R}/cosigned`], key(b64file(pub), { matchPolicy: 'MatchRepository' }))], ['--base-policy', base]);
      expect(s.stdout).toContain(`its docker scopes ["${R}/unsigned"] are not in the rendered policy.json`);
      const policy = JSON.parse(readFileSync(join(s.node, 'containers/policy.json'), 'utf8'));
      expect(policy.default).toEqual([{ type: 'reject' }]);
      expect(Object.keys(policy.transports.docker)).toEqual([`${R}/cosigned`]);
      await differential('openshift base policy', s.node);
    },
    TIMEOUT,
  );

  test('refused resources: the API server\'s message, nothing written, exit 3', async () => {
    const cases: [object, string][] = [
      [cip('no-fqdn', ['h18/ocp'], key(P256)), "invalid image scope format, scope must contain a fully qualified domain name or 'localhost'"],
      [cip('path-wildcard', [`${R}/*`], key(P256)), 'invalid image scope with wildcard, a wildcard can only be at the start of the domain and is only supported for subdomain matching, not path matching'],
      [cip('tagged-remap', [`${R}/x`], key(P256, { matchPolicy: 'RemapIdentity', remapIdentity: { prefix: `${R}/x:v1`, signedPrefix: 'registry.example.com/x' } })), 'invalid repository or prefix in the signedIdentity, should not include the tag or digest'],
    ];
    for (const [resource, message] of cases) {
      const file = join(work, 'refused.yaml');
      writeFileSync(file, yamlDocs([resource]));
      const outDir = join(work, 'refused-out');
      const r = await imgpolicy(['render', '--out', outDir, file]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(message);
      expect(existsSync(outDir)).toBe(false);
    }
  });
}
