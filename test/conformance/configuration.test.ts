/**
 * Configuration conformance: the same image, configuration files, environment, current directory and flags, run
 * through `imgpolicy verify` as a user types it and through skopeo 1.18 (containers/image 5.34.2) — see
 * configuration-cases.ts. Each case must agree on the verdict class (allowed / rejected / error / usage), the exit
 * code class and c/image's message. Prints `configuration: N cases, M disagreements`.
 *
 * /etc: imgpolicy reads its machine-wide files under IMGPOLICY_TEST_SYSCONFDIR (documented test-only override);
 * skopeo cannot be redirected, so those cases hand it the equivalent explicit flags. The real /etc is never written.
 *
 * Without the oracle the suite is skipped with one line, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Console } from 'node:console';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import {
  answersAgree,
  checkPrerequisites,
  ensureBuilt,
  IMGPOLICY_BIN,
  manifestDigest,
  mapLimit,
  ORACLE_DIR,
  PARALLELISM,
  REGISTRY,
  run,
  TLS_REGISTRY,
  type Answer,
} from '../helpers/oracle.js';
import { ACCEPT, configurationCases, type ConfigCase, type Files } from './configuration-cases.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const out = new Console({ stdout: process.stdout, stderr: process.stderr });
const TIMEOUT = 600_000;

type Kind = Answer['verdict'] | 'usage';
interface Outcome {
  kind: Kind;
  message?: string;
  exit: number;
}

/** A port on 127.0.0.1 that nothing listens on: bind port 0, note it, close. */
async function refusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Go %q (logrus quotes msg) → the text. */
function goUnquote(q: string): string {
  try {
    return JSON.parse(q.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
  } catch {
    return q.slice(1, -1);
  }
}

/** skopeo's last `level=fatal` line, classified as verdict.sh does (plus flag errors: `usage`). */
function classifySkopeo(code: number, log: string): Outcome {
  if (code === 0) return { kind: 'allowed', exit: 0 };
  const fatal = [...log.matchAll(/^time="[^"]*" level=fatal msg=("(?:[^"\\]|\\.)*")$/gm)].pop();
  const msg = fatal ? goUnquote(fatal[1]!) : log.trim().split('\n').pop() ?? '';
  if (/^(invalid argument |unknown flag|unknown shorthand flag|flag needs an argument|username can't be empty|credentials can't be empty)/.test(msg)) return { kind: 'usage', message: msg, exit: code };
  const i = msg.indexOf('Source image rejected: ');
  if (i !== -1) return { kind: 'rejected', message: msg.slice(i + 'Source image rejected: '.length), exit: code };
  return { kind: 'error', message: msg, exit: code };
}

/** imgpolicy's JSON result for the one image, or a usage error (exit 3 and no JSON). */
function classifyImgpolicy(code: number, stdout: string, stderr: string): Outcome {
  let parsed: { results?: { verdict: Answer['verdict']; error?: { message: string } }[] } | undefined;
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const r = parsed?.results?.[0];
  if (r) return { kind: r.verdict, ...(r.error ? { message: r.error.message } : {}), exit: code };
  const first = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  if (code === 3 && (first.startsWith('error: ') || first.startsWith('imgpolicy: --'))) return { kind: 'usage', message: first.slice('error: '.length), exit: code };
  return { kind: 'error', message: `no JSON (exit ${code}): ${first || stdout.slice(0, 200)}`, exit: code };
}

/** What each verdict class must exit with (imgpolicy's documented codes). */
const EXPECTED_EXIT: Record<Kind, number[]> = { allowed: [0], rejected: [1], error: [2, 3], usage: [3] };

function agree(o: Outcome, u: Outcome): boolean {
  if (o.kind !== u.kind || !EXPECTED_EXIT[u.kind].includes(u.exit)) return false;
  if (o.kind === 'usage') return true; // the flag parser's wording is cobra's vs commander's; the class is what matters
  return answersAgree({ verdict: o.kind, ...(o.message !== undefined ? { message: o.message } : {}) }, { verdict: u.kind as Answer['verdict'], ...(u.message !== undefined ? { message: u.message } : {}) });
}

interface Prepared {
  c: ConfigCase;
  dir: string;
  /** imgpolicy's environment: the case's, plus IMGPOLICY_TEST_SYSCONFDIR when it has /etc files. */
  env: NodeJS.ProcessEnv;
  skopeoEnv: NodeJS.ProcessEnv;
  cwd: string;
  imgpolicyArgs: string[];
  skopeoArgs: string[];
}

if (!prereq.ok) {
  if (!inCI) out.warn(`configuration: skipped: ${prereq.reason}`);
  (inCI ? describe : describe.skip)('configuration conformance', () => {
    test('the oracle is running', () => {
      throw new Error(`configuration: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  const skopeo = prereq.env!.SKOPEO118!;
  let work = '';
  let subst: (s: string) => string = (s) => s;
  const cases = configurationCases();
  const results = new Map<ConfigCase, { oracle: Outcome; ours: Outcome }>();

  const writeFiles = (root: string, files: Files | undefined) => {
    for (const [rel, content] of Object.entries(files ?? {})) {
      const path = join(root, subst(rel));
      mkdirSync(dirname(path), { recursive: true });
      if (content.startsWith('@')) copyFileSync(subst(content.slice(1)), path);
      else writeFileSync(path, subst(content));
    }
  };

  const prepare = (c: ConfigCase, i: number): Prepared => {
    const dir = join(work, `case-${i}`);
    const s = (x: string) => subst(x).replaceAll('{W}', dir);
    const W = (files: Files | undefined): Files | undefined =>
      files && Object.fromEntries(Object.entries(files).map(([k, v]) => [s(k), s(v)]));
    const home = join(dir, 'home');
    const cwd = join(dir, 'cwd');
    for (const d of [home, cwd, join(dir, 'bin')]) mkdirSync(d, { recursive: true });
    if (typeof c.home === 'object') writeFiles(home, W(c.home));
    writeFiles(cwd, W(c.cwd));
    writeFiles(dir, { 'accept.json': ACCEPT, ...W(c.files) });
    writeFiles(join(dir, 'bin'), W(c.bin));
    for (const name of Object.keys(c.bin ?? {})) chmodSync(join(dir, 'bin', name), 0o755);
    const env: NodeJS.ProcessEnv = { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, NO_COLOR: '1' };
    if (c.home === '') env.HOME = '';
    else if (c.home !== 'unset') env.HOME = home;
    for (const [k, v] of Object.entries(c.env ?? {})) env[k] = s(v);
    const ourEnv: NodeJS.ProcessEnv = { ...env };
    if (c.etc) {
      writeFiles(join(dir, 'etc'), W(c.etc));
      ourEnv.IMGPOLICY_TEST_SYSCONFDIR = join(dir, 'etc');
    }
    const image = s(c.image);
    const imgpolicyArgs = [IMGPOLICY_BIN, 'verify', '--output', 'json', ...(c.args ?? []).map(s), ...(image !== '' ? ['--', image] : [])];
    const skopeoImage = c.skopeoImage !== undefined ? s(c.skopeoImage) : `docker://${image}`;
    const skopeoArgs = ['--debug', ...(c.skopeoGlobal ?? []).map(s), 'copy', ...(c.skopeoCopy ?? []).map(s), skopeoImage, `dir:${join(dir, 'out')}`];
    return { c, dir, env: ourEnv, skopeoEnv: env, cwd, imgpolicyArgs, skopeoArgs };
  };

  describe('configuration conformance against containers/image 5.34 (skopeo 1.18)', () => {
    beforeAll(async () => {
      const problem = await ensureBuilt();
      if (problem) throw new Error(`configuration: the build ${problem}`);
      work = mkdtempSync(join(tmpdir(), 'imgpolicy-config-'));
      const refused = await refusedPort();
      const digest = await manifestDigest('test/signed', 'v1');
      subst = (x) =>
        x
          .replaceAll('{O}', ORACLE_DIR)
          .replaceAll('{R}', REGISTRY)
          .replaceAll('{T}', TLS_REGISTRY)
          .replaceAll('{REFUSED}', String(refused))
          .replaceAll('{DIGEST:test/signed:v1}', digest);
      const prepared = cases.map((c, i) => prepare(c, i));
      type Job = { side: 'oracle' | 'ours'; p: Prepared };
      const jobs: Job[] = prepared.flatMap((p) => [{ side: 'oracle' as const, p }, { side: 'ours' as const, p }]);
      const partial = new Map<ConfigCase, { oracle?: Outcome; ours?: Outcome }>();
      await mapLimit(jobs, PARALLELISM, async ({ side, p }) => {
        const entry = partial.get(p.c) ?? {};
        partial.set(p.c, entry);
        if (side === 'oracle') {
          const r = await run(skopeo, p.skopeoArgs, { env: p.skopeoEnv, cwd: p.cwd, timeoutMs: 90_000 });
          entry.oracle = classifySkopeo(r.code, r.stdout + r.stderr);
        } else {
          const r = await run(process.execPath, p.imgpolicyArgs, { env: p.env, cwd: p.cwd, timeoutMs: 90_000 });
          entry.ours = classifyImgpolicy(r.code, r.stdout, r.stderr);
        }
      });
      for (const [c, e] of partial) results.set(c, { oracle: e.oracle!, ours: e.ours! });
    }, TIMEOUT);

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    test('the passwd home is root-free of a user policy (else the /etc cases would not test /etc)', () => {
      // Row 1's /etc cases hand skopeo `--policy ETC/containers/policy.json` as the equivalent of a redirected /etc;
      // that equivalence needs the passwd home to have no policy.json of its own.
      expect(existsSync(join(userInfo().homedir, '.config/containers/policy.json'))).toBe(false);
    });

    test('every case agrees with containers/image', () => {
      const bad: string[] = [];
      const rows = new Set<string>();
      for (const c of cases) {
        const r = results.get(c)!;
        rows.add(c.row);
        // A case whose own files are missing agrees trivially and tests nothing.
        if (r.oracle.message?.includes('Error loading trust policy: open ')) bad.push(`[row ${c.row}] ${c.name}: broken case, its policy file is missing`);
        if (!agree(r.oracle, r.ours)) {
          const fmt = (o: Outcome) => `${o.kind} (exit ${o.exit})${o.message !== undefined ? `: ${o.message}` : ''}`;
          bad.push(`[row ${c.row}] ${c.name}\n     c/image: ${fmt(r.oracle)}\n     we:      ${fmt(r.ours)}`);
        }
      }
      if (process.env.CONFORMANCE_VERBOSE === '1') {
        for (const c of cases) out.log(`  [${c.row}] ${c.name}: ${results.get(c)!.oracle.kind}${results.get(c)!.oracle.message ? ` — ${results.get(c)!.oracle.message!.slice(0, 140)}` : ''}`);
      }
      out.log(`configuration: ${cases.length} cases, ${bad.length} disagreements (rows ${[...rows].join(', ')})`);
      expect(bad).toEqual([]);
      expect(cases.length).toBeGreaterThanOrEqual(60);
      for (let row = 1; row <= 15; row++) expect(rows.has(String(row))).toBe(true);
    });

    test('row 1: HOME="" and a permissive ./.config/containers/policy.json still give the /etc policy\'s rejection', () => {
      const c = cases.find((x) => x.name.startsWith("HOME='' with a permissive ./.config/containers/policy.json"))!;
      const r = results.get(c)!;
      expect(r.oracle.kind).toBe('rejected');
      expect(r.ours).toEqual({ kind: 'rejected', message: 'Running image docker://127.0.0.1:5000/test/unsigned:v1 is rejected by policy.', exit: 1 });
    });

    // imgpolicy-only behaviour around the same configuration (no skopeo equivalent to compare with).
    const verify = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const policy = join(work, 'accept-only.json');
      writeFileSync(policy, ACCEPT);
      return run(process.execPath, [IMGPOLICY_BIN, 'verify', '--policy', policy, '--tls-verify=false', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeoutMs: 90_000 });
    };

    test('row 14: an invalid reference is an error for that image only; the batch goes on (exit 2)', async () => {
      const r = await verify(['-o', 'json', `${REGISTRY}/Test/signed:v1`, `${REGISTRY}/test/unsigned:v1`]);
      const res = (JSON.parse(r.stdout) as { results: { verdict: string; error?: { message: string } }[] }).results;
      expect(res.map((x) => x.verdict)).toEqual(['error', 'allowed']);
      expect(res[0]!.error!.message).toBe(`Invalid source name docker://${REGISTRY}/Test/signed:v1: invalid reference format: repository name must be lowercase`);
      expect(r.code).toBe(2);
    });

    test('name:tag@digest as an argument: c/image\'s error, and a warning saying how to write it', async () => {
      const digest = await manifestDigest('test/signed', 'v1');
      const r = await verify(['-o', 'json', `${REGISTRY}/test/signed:v1@${digest}`]);
      const res = (JSON.parse(r.stdout) as { results: { verdict: string; error?: { message: string } }[] }).results;
      expect(res[0]!.error!.message).toBe(`Invalid source name docker://${REGISTRY}/test/signed:v1@${digest}: Docker references with both a tag and digest are currently not supported`);
      expect(r.stderr).toContain(`CRI-O pulls it as ${REGISTRY}/test/signed@${digest}: give that form`);
    });

    test('the tag-only warning gives advice that works where it is shown', async () => {
      const json = await verify(['-o', 'json', `${REGISTRY}/test/unsigned:v1`]);
      const warning = json.stderr.split('\n').find((l) => l.includes('verified by tag only'))!;
      expect(warning).toContain("in each result's manifestDigest");
      expect(warning).not.toContain('printed above');
      expect(warning).not.toContain('--pin'); // command-line images: --pin only rewrites manifests
      const text = await verify([`${REGISTRY}/test/unsigned:v1`]);
      expect(text.stdout).toContain('Deploy by digest (name@sha256:…, the digests printed above).');
    });

    test('row 6: CONTAINERS_REGISTRIES_CONF is ignored, and --debug says so', async () => {
      const r = await verify(['--debug', `${REGISTRY}/test/unsigned:v1`], { CONTAINERS_REGISTRIES_CONF: '/nonexistent/registries.conf' });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Ignoring CONTAINERS_REGISTRIES_CONF=\\"/nonexistent/registries.conf\\": containers/image (skopeo, CRI-O) does not read it');
    });

    test('row 10: a refused lookaside is a rejection (exit 1), as c/image reads signatures inside the policy', () => {
      for (const c of cases.filter((x) => x.row === '10' && x.name.includes('refuses connections'))) {
        expect(results.get(c)!.ours.kind).toBe('rejected');
        expect(results.get(c)!.ours.exit).toBe(1);
      }
    });
  });
}
