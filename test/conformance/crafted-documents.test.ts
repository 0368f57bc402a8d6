/**
 * Crafted documents, differential (issue 19): what an attacker who can push makes of the documents both
 * containers/image 5.34.2 (skopeo 1.18, through ../shared/oracle/verdict.sh) and imgpolicy decode — `.sig`
 * attachment manifests, OCI indexes and Docker lists, sigstore-json signature files, signed schema-1 manifests.
 * Real documents (fetched from the oracle registry, copied by skopeo) are mutated (key case, duplicates, merges,
 * type swaps, base64 alphabets, padding and line breaks, JWS variants) and served by a registry of our own
 * (crafted/doc-registry.ts) or written as `dir:` layouts. Each case must get c/image's verdict and message, and for
 * lists the same evaluated instance digest.
 *
 * Comparison: test/helpers/oracle.ts answersAgree, after one normalisation: verdict.sh prints c/image's `\n` as a
 * space (libtrust ends some messages with "\n"), so ours are compared the same way.
 *
 * Without the oracle: one skip line, except under CI=true, where the suite fails.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Console } from 'node:console';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersAgree, checkPrerequisites, ensureBuilt, IMGPOLICY_BIN, mapLimit, parseVerdictLine, PARALLELISM, REGISTRY, run, VERDICT_SH, ORACLE_DIR, type Answer } from '../helpers/oracle.js';
import { dirIndexCases, indexCases, schema1Cases, sigCases, sigstoreJSONCases, type CraftedCase, type Material } from './crafted/cases.js';
import { startDocRegistry, type DocRegistry } from './crafted/doc-registry.js';
import { newSigner } from './crafted/sign.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const out = new Console({ stdout: process.stdout, stderr: process.stderr });
const TIMEOUT = 900_000;

/** Deviations kept on purpose, by case name, with the reason (none so far). */
const DELIBERATE: Record<string, string> = {};

interface Outcome {
  c: CraftedCase;
  oracle: Answer;
  ours: Answer;
  oracleInstance?: string;
  ourDigest?: string;
}

async function fetchRaw(path: string, accept: string): Promise<Buffer> {
  const res = await fetch(`http://${REGISTRY}${path}`, { headers: { Accept: accept } });
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function oracle(c: CraftedCase, logDir: string, i: number): Promise<{ answer: Answer; instance?: string }> {
  const log = join(logDir, `oracle-${i}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, ORACLE_DIR, ORACLE_REGISTRIES_D: c.registriesD, ORACLE_SRC_ARGS: '--src-tls-verify=false', ORACLE_GLOBAL_ARGS: '', ORACLE_KEEP_LOG: log };
  delete env.VERBOSE;
  const r = await run('bash', [VERDICT_SH, c.image, c.policy], { env, timeoutMs: 120_000 });
  let instance: string | undefined;
  try {
    instance = /copying \(only\) instance (sha256:[0-9a-f]{64})/.exec(readFileSync(log, 'utf8'))?.[1];
  } catch {
    instance = undefined;
  }
  return { answer: parseVerdictLine(r.stdout), ...(instance ? { instance } : {}) };
}

/**
 * The CLI under test. CRAFTED_IMGPOLICY_BIN points the suite at another build (e.g. the code before a fix, to see
 * which cases it fails); by default it is this checkout's bin/imgpolicy.js.
 */
const CLI = process.env.CRAFTED_IMGPOLICY_BIN ?? IMGPOLICY_BIN;

/** One imgpolicy process per (policy, registries.d): verdicts, messages and the digest each result names. */
async function ours(batch: CraftedCase[]): Promise<{ answer: Answer; digest?: string }[]> {
  const first = batch[0]!;
  const args = [CLI, 'verify', '--policy', first.policy, '--registries.d', first.registriesD, '--tls-verify=false', '--output', 'json', '--', ...batch.map((c) => c.image)];
  const r = await run(process.execPath, args, { timeoutMs: 300_000, env: { ...process.env, NO_COLOR: '1' } });
  let results: { verdict: Answer['verdict']; error?: { message: string }; manifestDigest?: string | null }[];
  try {
    results = (JSON.parse(r.stdout) as { results: typeof results }).results;
  } catch {
    return batch.map(() => ({ answer: { verdict: 'error', message: `imgpolicy gave no JSON (exit ${r.code}): ${r.stderr.slice(0, 300)}` } }));
  }
  return results.map((x) => ({
    answer: x.verdict === 'allowed' ? { verdict: 'allowed' } : { verdict: x.verdict, message: (x.error?.message ?? '').replace(/\n/g, ' ') },
    ...(x.manifestDigest ? { digest: x.manifestDigest } : {}),
  }));
}

if (!prereq.ok) {
  if (!inCI) out.warn(`crafted-documents: skipped: ${prereq.reason}`);
  (inCI ? describe : describe.skip)('crafted documents against containers/image 5.34', () => {
    test('the oracle is running', () => {
      throw new Error(`crafted-documents: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  describe('crafted documents: imgpolicy and containers/image 5.34.2 decode them alike', () => {
    let work = '';
    let reg: DocRegistry | undefined;
    let cases: CraftedCase[] = [];
    let outcomes: Outcome[] = [];

    beforeAll(async () => {
      ensureBuilt();
      work = mkdtempSync(join(tmpdir(), 'imgpolicy-crafted-'));
      reg = await startDocRegistry();
      const signer = newSigner();
      const skopeo = prereq.env!.SKOPEO118!;
      const accept = 'application/vnd.oci.image.manifest.v1+json';
      const m1 = await fetchRaw('/v2/test/signed/manifests/v1', accept);
      const m2 = await fetchRaw('/v2/test/unsigned/manifests/v1', accept);
      const m1Digest = 'sha256:' + (await import('node:crypto')).createHash('sha256').update(m1).digest('hex');
      const realSig = JSON.parse((await fetchRaw(`/v2/test/signed/manifests/${m1Digest.replace(':', '-')}.sig`, accept)).toString()) as { config: unknown };
      // The blobs a successful copy reads, served by our registry too.
      for (const mf of [m1, m2]) {
        const doc = JSON.parse(mf.toString()) as { config: { digest: string }; layers: { digest: string }[] };
        for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) reg.putBlob(await fetchRaw(`/v2/test/signed/blobs/${d}`, '*/*').catch(() => fetchRaw(`/v2/test/unsigned/blobs/${d}`, '*/*')));
      }
      const dirSigned = join(work, 'base-signed');
      const dirUnsigned = join(work, 'base-unsigned');
      for (const [repo, dir] of [['test/signed:v1', dirSigned], ['test/unsigned:v1', dirUnsigned]] as const) {
        const r = await run(skopeo, ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${REGISTRY}/${repo}`, `dir:${dir}`], { timeoutMs: 120_000 });
        if (r.code !== 0) throw new Error(`skopeo copy ${repo}: ${r.stderr}`);
      }
      const pub = join(work, 'key.pub');
      writeFileSync(pub, signer.publicKeyPEM);
      const dockerPolicy = join(work, 'policy-docker.json');
      writeFileSync(dockerPolicy, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: pub }] }));
      const dirIdentity = `${REGISTRY}/crafted/dir:v1`;
      const dirPolicy = join(work, 'policy-dir.json');
      writeFileSync(dirPolicy, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: pub, signedIdentity: { type: 'exactReference', dockerReference: dirIdentity } }] }));
      const registriesD = join(work, 'registries.d');
      mkdirSync(join(work, 'lookaside'));
      mkdirSync(registriesD);
      writeFileSync(join(registriesD, 'default.yaml'), `default-docker:\n  use-sigstore-attachments: true\n  lookaside: file://${join(work, 'lookaside')}\n`);
      const m: Material = { signer, reg, m1, m2, sigConfig: realSig.config, dirSigned, dirUnsigned, work, dockerPolicy, dirPolicy, dirIdentity, registriesD };
      cases = [...sigCases(m), ...indexCases(m), ...dirIndexCases(m), ...sigstoreJSONCases(m), ...schema1Cases(m)];

      const logs = join(work, 'logs');
      mkdirSync(logs);
      const oracleAnswers = new Map<CraftedCase, { answer: Answer; instance?: string }>();
      const ourAnswers = new Map<CraftedCase, { answer: Answer; digest?: string }>();
      const batches = new Map<string, CraftedCase[]>();
      for (const c of cases) {
        const k = `${c.policy}\0${c.registriesD}`;
        batches.set(k, [...(batches.get(k) ?? []), c]);
      }
      type Job = { kind: 'oracle'; c: CraftedCase; i: number } | { kind: 'ours'; b: CraftedCase[] };
      const jobs: Job[] = [...[...batches.values()].map((b) => ({ kind: 'ours' as const, b })), ...cases.map((c, i) => ({ kind: 'oracle' as const, c, i }))];
      await mapLimit(jobs, PARALLELISM, async (job) => {
        if (job.kind === 'oracle') oracleAnswers.set(job.c, await oracle(job.c, logs, job.i));
        else (await ours(job.b)).forEach((a, i) => ourAnswers.set(job.b[i]!, a));
      });
      outcomes = cases.map((c) => {
        const o = oracleAnswers.get(c)!;
        const u = ourAnswers.get(c)!;
        return { c, oracle: o.answer, ours: u.answer, ...(o.instance ? { oracleInstance: o.instance } : {}), ...(u.digest ? { ourDigest: u.digest } : {}) };
      });
    }, TIMEOUT);

    afterAll(async () => {
      await reg?.stop();
      if (work && process.env.CRAFTED_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    });

    const fmt = (a: Answer) => (a.verdict === 'allowed' ? 'allowed' : `${a.verdict}: ${a.message ?? ''}`);
    const disagrees = (x: Outcome): string | undefined => {
      if (!answersAgree(x.oracle, x.ours)) return `c/image: ${fmt(x.oracle)}\n      imgpolicy: ${fmt(x.ours)}`;
      // Which manifest was evaluated: c/image logs the chosen instance; ours is the digest the result names.
      if (x.oracleInstance && x.ourDigest && x.oracleInstance !== x.ourDigest) return `c/image evaluated ${x.oracleInstance}, imgpolicy ${x.ourDigest}`;
      return undefined;
    };

    test('at least 100 cases, every group represented', () => {
      expect(cases.length).toBeGreaterThanOrEqual(100);
      expect(new Set(cases.map((c) => c.group))).toEqual(new Set(['sig', 'index', 'single', 'dir-index', 'sigstore-json', 'schema1']));
    });

    test('every case: the same verdict, message and evaluated instance as containers/image', () => {
      const bad = outcomes.flatMap((x) => {
        const d = disagrees(x);
        return d && !DELIBERATE[x.c.name] ? [`  [${x.c.group}] ${x.c.name} (${x.c.note})\n      ${d}`] : [];
      });
      const deliberate = Object.keys(DELIBERATE);
      const instances = outcomes.filter((x) => x.oracleInstance).length;
      out.log(
        `crafted-documents: ${outcomes.length} cases, ${bad.length} disagreements (deliberate: ${deliberate.length ? deliberate.join(', ') : 'none'}; ${instances} list instances compared by digest)`,
      );
      if (process.env.CRAFTED_VERBOSE === '1') for (const x of outcomes) out.log(`  [${x.c.group}] ${x.c.name}: ${fmt(x.oracle)}${x.oracleInstance ? ` @${x.oracleInstance.slice(7, 19)}` : ''}`);
      expect(bad).toEqual([]);
    });
  });
}
