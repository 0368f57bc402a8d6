/**
 * sigstore policy-controller ClusterImagePolicies → `imgpolicy render` (containers-policy.json + report), then, on
 * images this suite pushes and signs:
 * - the converted policy: skopeo 1.18 (containers/image 5.34.2) and imgpolicy must agree (0 disagreements);
 * - policy-controller's verdict, reproduced with cosign 2.5 `verify` / `verify-attestation` and the equivalent
 *   key/identity flags (AND over matching policies, OR over authorities, static pass/fail, warn mode admits, no match
 *   denies), against the converted policy's verdict: each difference must be explained by a report line of a policy
 *   that applies to the image, in the right direction (looser for an extra allow, stricter/wider for an extra deny).
 * The comparison table is printed.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from 'node:console';
import { checkPrerequisites, compareTriples, ensureBuilt, formatDisagreements, IMGPOLICY_BIN, ORACLE_DIR, oracleVerdict, REGISTRY, run, type Triple } from '../helpers/oracle.js';
import { copyImage, cosignKey, cosignSign, FIXTURES, pushFixtureVariant, tools } from './cluster-images.js';

const out = new Console({ stdout: process.stdout, stderr: process.stderr });
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const TIMEOUT = 600_000;
const P = `${REGISTRY}/h18/pc`;

interface ReportLine {
  path: string;
  effect: 'looser' | 'stricter' | 'wider' | 'note';
  message: string;
  images: string;
  dropped: boolean;
}

/** policy-controller's GlobMatch, written from its documented rules (the reference side: independent of src/). */
function pcGlobMatch(glob: string, image: string): boolean {
  if (glob === '*/*') glob = 'index.docker.io/*/*';
  if (glob === '*') glob = 'index.docker.io/library/*';
  // Its order: "." → "\.", "**" → ".+", "*" → "[^/]+" (the second step leaves no "*" for the third to touch).
  const re = glob.replaceAll('.', '\\.').replaceAll('**', '.+').replaceAll('*', '[^/]+');
  return new RegExp(`^${re}$`).test(image);
}

const cip = (name: string, spec: object, apiVersion = 'policy.sigstore.dev/v1beta1') => ({ apiVersion, kind: 'ClusterImagePolicy', metadata: { name }, spec });

if (!prereq.ok) {
  if (!inCI) out.warn(`policy-controller: skipped: ${prereq.reason}`);
  (inCI ? describe : describe.skip)('policy-controller conversion against cosign 2.5 and containers/image 5.34', () => {
    test('the oracle is running', () => {
      throw new Error(`policy-controller: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  const oracleEnv = prereq.env!;
  const t = tools(oracleEnv, ORACLE_DIR);
  let work = '';
  let k1: Awaited<ReturnType<typeof cosignKey>>;
  let k2: Awaited<ReturnType<typeof cosignKey>>;
  let cosignEnv: NodeJS.ProcessEnv = {};
  const pods: string[] = [];

  beforeAll(async () => {
    const problem = await ensureBuilt();
    if (problem) throw new Error(`build ${problem}`);
    work = mkdtempSync(join(tmpdir(), 'imgpolicy-pc-conf-'));
    k1 = await cosignKey(t, join(work, 'k1'), 'k1');
    k2 = await cosignKey(t, join(work, 'k2'), 'k2');
    cosignEnv = { ...k1.env, SIGSTORE_ROOT_FILE: join(FIXTURES, 'ca/fulcio-root.pem'), SIGSTORE_REKOR_PUBLIC_KEY: join(FIXTURES, 'keys/rekor.pub') };
    const signed: [string, string, (typeof k1)[]][] = [
      ['app', 'test/img-1:v1', [k1]],
      ['app2', 'test/img-2:v1', [k2]],
      ['both', 'test/img-3:v1', [k1, k2]],
      ['unsigned', 'test/unsigned:v1', []],
      ['team/deep/app', 'test/img-4:v1', [k1]],
      ['team/app', 'test/img-1:v1', [k1]],
      ['static/pass', 'test/unsigned:v1', []],
      ['static/fail', 'test/img-1:v1', [k1]],
      ['warn/app', 'test/unsigned:v1', []],
      ['attest/app', 'test/img-2:v1', [k1]],
      ['multi/app', 'test/img-3:v1', [k1]],
    ];
    for (const [repo, src, keys] of signed) {
      const d = await copyImage(t, src, `h18/pc/${repo}:v1`);
      for (const [i, k] of keys.entries()) {
        if (i === 0) await cosignSign(t, k, `h18/pc/${repo}`, d);
        else await run(t.cosign, ['sign', '--key', k.key, '--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '-y', `${P}/${repo}@${d}`], { env: k.env, timeoutMs: 60_000 });
      }
      pods.push(`${P}/${repo}:v1`);
    }
    for (const repo of ['fulcio/test', 'regexp/test', 'uri/test']) {
      await pushFixtureVariant(t, work, 'fulcio-cadata', `h18/pc/${repo}`);
      pods.push(`${P}/${repo}:v1`);
    }
  }, TIMEOUT);

  afterAll(() => {
    if (work && process.env.CONFORMANCE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  });

  const keyless = (identity: object) => ({ keyless: { url: 'https://fulcio.example', identities: [identity] }, ctlog: { url: 'https://rekor.example' } });
  const resources = () => [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k2-secret', namespace: 'cosign-system' }, stringData: { 'cosign.pub': readFileSync(k2.pub, 'utf8') } },
    cip('c01-key', { images: [{ glob: `${P}/app:*` }], authorities: [{ key: { data: readFileSync(k1.pub, 'utf8') } }] }),
    cip('c02-keyless', { images: [{ glob: `${P}/fulcio/**` }], authorities: [{ ...keyless({ issuer: 'https://issuer.example.com', subject: 'signer@example.com' }), keyless: { ...keyless({}).keyless, identities: [{ issuer: 'https://issuer.example.com', subject: 'signer@example.com' }], insecureIgnoreSCT: true } }] }),
    cip('c03-two-authorities', { images: [{ glob: `${P}/both:*` }], authorities: [{ key: { data: readFileSync(k2.pub, 'utf8') } }, { key: { data: readFileSync(k1.pub, 'utf8') } }] }),
    cip('c04-multi-outer', { images: [{ glob: `${P}/multi/**` }], authorities: [{ key: { data: readFileSync(k1.pub, 'utf8') } }] }),
    cip('c05-multi-inner', { images: [{ glob: `${P}/multi/app:*` }], authorities: [{ key: { data: readFileSync(k2.pub, 'utf8') } }] }),
    cip('c06-doublestar', { images: [{ glob: `${P}/team/**` }], authorities: [{ key: { data: readFileSync(k1.pub, 'utf8') } }] }),
    cip('c07-singlestar', { images: [{ glob: `${P}/team/*` }], authorities: [{ key: { data: readFileSync(k2.pub, 'utf8') } }] }),
    cip('c08-static-pass', { images: [{ glob: `${P}/static/pass:*` }], authorities: [{ static: { action: 'pass' } }] }),
    cip('c09-static-fail', { images: [{ glob: `${P}/static/fail:*` }], authorities: [{ static: { action: 'fail' } }] }),
    cip('c10-warn', { mode: 'warn', images: [{ glob: `${P}/warn/**` }], authorities: [{ key: { data: readFileSync(k1.pub, 'utf8') } }] }),
    cip('c11-regexp', { images: [{ glob: `${P}/regexp/**` }], authorities: [keyless({ issuer: 'https://issuer.example.com', subjectRegExp: '.*@example\\.com' })] }),
    cip('c12-attestations', { images: [{ glob: `${P}/attest/**` }], authorities: [{ key: { data: readFileSync(k1.pub, 'utf8') }, attestations: [{ name: 'sbom', predicateType: 'spdxjson' }] }] }),
    cip('c13-secretref-v1alpha1', { images: [{ glob: `${P}/app2:*` }], authorities: [{ key: { secretRef: { name: 'k2-secret' } } }] }, 'policy.sigstore.dev/v1alpha1'),
    cip('c14-uri-subject', { images: [{ glob: `${P}/uri/**` }], authorities: [keyless({ issuer: 'https://issuer.example.com', subject: 'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main' })] }),
  ];

  /** policy-controller's decision for a pod image, each authority checked with cosign 2.5. */
  async function pcVerdict(image: string, cips: ReturnType<typeof resources>): Promise<{ allowed: boolean; matched: string[] }> {
    const matching = cips.filter((c) => c.kind === 'ClusterImagePolicy' && (c as { spec: { images: { glob: string }[] } }).spec.images.some((i) => pcGlobMatch(i.glob, image)));
    const matched = matching.map((c) => c.metadata.name);
    if (matching.length === 0) return { allowed: false, matched }; // no-match-policy: deny
    const cosign = async (args: string[]) => (await run(t.cosign, [...args, '--allow-insecure-registry', '--allow-http-registry', image], { env: cosignEnv, timeoutMs: 60_000 })).code === 0;
    for (const c of matching) {
      const spec = (c as { spec: { mode?: string; authorities: Record<string, any>[] } }).spec; // eslint-disable-line @typescript-eslint/no-explicit-any
      let pass = false;
      for (const a of spec.authorities) {
        if (a.static) pass = a.static.action === 'pass';
        else if (a.key) {
          const pem = a.key.data ?? readFileSync(k2.pub, 'utf8'); // c13's Secret holds k2
          const f = join(work, `key-${c.metadata.name}.pub`);
          writeFileSync(f, pem);
          pass = await cosign(['verify', '--key', f, '--insecure-ignore-tlog']);
          if (pass && a.attestations) pass = await cosign(['verify-attestation', '--key', f, '--insecure-ignore-tlog', '--type', a.attestations[0].predicateType]);
        } else if (a.keyless) {
          const id = a.keyless.identities[0];
          pass = await cosign([
            'verify',
            ...(id.subjectRegExp ? ['--certificate-identity-regexp', id.subjectRegExp] : ['--certificate-identity', id.subject]),
            '--certificate-oidc-issuer',
            id.issuer,
            '--insecure-ignore-sct',
            '--offline',
          ]);
        }
        if (pass) break;
      }
      if (!pass && spec.mode !== 'warn') return { allowed: false, matched };
    }
    return { allowed: true, matched };
  }

  test(
    'converted policy: skopeo 1.18 = imgpolicy; policy-controller (cosign 2.5) vs converted, every difference explained by the report',
    async () => {
      const cips = resources();
      const dir = join(work, 'render');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cips.yaml'), cips.map((o) => JSON.stringify(o)).join('\n---\n'));
      const node = join(dir, 'node');
      const args = ['render', '--out', node, '--fulcio-ca', join(FIXTURES, 'ca/fulcio-root.pem'), '--rekor-public-key', join(FIXTURES, 'keys/rekor.pub'), '--output', 'json'];
      const r = await run(process.execPath, [IMGPOLICY_BIN, ...args, join(dir, 'cips.yaml')], { timeoutMs: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const report = (JSON.parse(r.stdout) as { report: ReportLine[] }).report;
      // --strict: exit 1 when anything was dropped.
      const strict = await run(process.execPath, [IMGPOLICY_BIN, ...args.filter((a) => a !== '--out' && a !== node), '--strict', join(dir, 'cips.yaml')], { timeoutMs: 120_000 });
      expect(strict.code).toBe(1);

      const policy = join(node, 'containers/policy.json');
      const registriesD = join(node, 'containers/registries.d');
      const triples: Triple[] = [...pods, `${P}/nomatch:v1`].map((p) => ({ group: 'policy-controller', image: `docker://${p}`, policy, registriesD, access: 'plain' }));
      const stats = await compareTriples(triples, { oracleEnv });
      if (stats.disagreements.length > 0) throw new Error(formatDisagreements(stats.disagreements));

      const rows: string[] = ['| image | policies matched | policy-controller (cosign 2.5) | converted (c/image = imgpolicy) | explained by |', '|---|---|---|---|---|'];
      let agree = 0;
      const unexplained: string[] = [];
      for (const image of pods) {
        const pc = await pcVerdict(image, cips);
        const conv = await oracleVerdict({ group: '', image: `docker://${image}`, policy, registriesD, access: 'plain' }, oracleEnv);
        const convAllowed = conv.verdict === 'allowed';
        let why = '';
        if (pc.allowed === convAllowed) agree++;
        else {
          // Policies that apply to the image in either world: matched by glob, or whose converted scope covers it.
          const names = new Set([...pc.matched, ...report.filter((l) => l.images.split(', ').some((g) => pcGlobMatch(g, image))).map((l) => l.path.split(' ')[0]!.split('/')[1]!)]);
          // The most specific reason: a dropped restriction, then a wider scope from a policy the image does not match
          // by glob, then the identity difference (stricter, nothing dropped), then any wider scope.
          let best = 0;
          for (const l of report) {
            const name = l.path.split(' ')[0]!.split('/')[1]!;
            const byScope = l.effect === 'wider' && image.startsWith(l.message.match(/scope "([^"]+)"/)?.[1] ?? '\u0000');
            if (!names.has(name) && !byScope) continue;
            const score = convAllowed
              ? (l.effect === 'looser' ? 1 : 0)
              : l.effect === 'stricter' ? (l.dropped ? 4 : 1.5) : l.effect === 'wider' ? (pc.matched.includes(name) ? 1 : 2) : 0;
            if (score > best) {
              best = score;
              why = `${l.path} (${l.effect}${l.dropped ? ', dropped' : ''})`;
            }
          }
          if (!why) unexplained.push(`${image}: policy-controller ${pc.allowed ? 'allows' : 'denies'}, converted ${conv.verdict}`);
        }
        rows.push(`| ${image.slice(REGISTRY.length + 1)} | ${pc.matched.join(', ') || '(none: no-match deny)'} | ${pc.allowed ? 'allowed' : 'denied'} | ${conv.verdict} | ${why || (pc.allowed === convAllowed ? 'agree' : '**unexplained**')} |`);
      }
      out.log(rows.join('\n'));
      out.log(`policy-controller: ${pods.length} images, ${agree} agree with cosign 2.5, ${pods.length - agree} differ (each explained by the report: ${unexplained.length === 0}); converted policy: ${stats.compared} cases, ${stats.disagreements.length} disagreements between skopeo 1.18 and imgpolicy`);
      expect(unexplained).toEqual([]);
      expect(agree).toBeGreaterThanOrEqual(8);
    },
    TIMEOUT,
  );
}
