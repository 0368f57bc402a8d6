/**
 * Differential conformance: imgpolicy against the REAL containers/image 5.34.2 (skopeo 1.18, via
 * ../shared/oracle/verdict.sh) on the same (image, policy, registries.d, transport flags) triples.
 *
 * What counts as agreement (see test/helpers/oracle.ts, answersAgree):
 * - the same verdict: allowed / rejected / error (error = c/image could not evaluate: a policy that does not
 *   load, a missing manifest…), and
 * - the same message, byte for byte: c/image's `Source image rejected: <msg>` ↔ our error.message, its
 *   `error: <msg>` ↔ our error.message (no prefix is stripped: imgpolicy words `initializing source …` as
 *   c/image does), and its `Error loading trust policy: invalid policy in "FILE": <msg>` ↔ our JSON
 *   error.message `invalid policy in "FILE": <msg>` (the one deliberate prefix difference: `Error loading trust
 *   policy: ` is skopeo's wrapping, which we print on stderr, not c/image's message) or, from `lint`, the first
 *   stderr line (our second line, the JSON position, is an addition);
 * - except for GPG wrong-key rejections, where c/image prints a Go struct dump of gpgme.Signature: there only
 *   the `Invalid GPG signature: ` prefix is compared.
 * Not covered: skopeo's `copy --all` (imgpolicy has no equivalent: it evaluates one instance, like a pull).
 *
 * Without the oracle the suite is skipped with one warning line, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Console } from 'node:console';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkPrerequisites,
  compareLint,
  compareTriples,
  ensureBuilt,
  formatDisagreements,
  manifestDigest,
  ORACLE_DIR,
  PARALLELISM,
  type CompareStats,
  type Disagreement,
  type LintCase,
  type Triple,
} from '../helpers/oracle.js';
import { multiArchTriples, ORACLE_REPOS, readmeTriples, scopeTriples, tlsTriples, type CaseContext } from './cases.js';
import { setupCosign } from './cosign.js';
import { generate, seedFromEnv, type Generated } from './generator.js';

const startedAt = Date.now();
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const seed = seedFromEnv();
const seedHex = '0x' + seed.toString(16);
const TIMEOUT = 600_000;
/**
 * Node's own console, not jest's: jest decorates every console call with a header and a code frame, and the skip
 * notice and the summary are meant to be exactly one visible line each.
 */
const out = new Console({ stdout: process.stdout, stderr: process.stderr });

if (!prereq.ok) {
  if (!inCI) out.warn(`conformance: skipped: ${prereq.reason}`);
  // Under CI the oracle is started by .ci/run, so its absence is a broken pipeline, not a reason to pass.
  (inCI ? describe : describe.skip)('conformance against containers/image 5.34', () => {
    test('the oracle is running', () => {
      throw new Error(`conformance: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  const oracleEnv = prereq.env!;
  const totals = { compared: 0, disagreements: [] as Disagreement[] };
  let ctx: CaseContext;
  let work = '';
  let generated: Generated;
  let buildProblem: string | undefined;

  const record = (s: CompareStats, group = '') => {
    // CONFORMANCE_VERBOSE=1: what c/image answered, by kind — shows whether a group exercises what it claims to.
    if (process.env.CONFORMANCE_VERBOSE === '1' && s.oracleAnswers) {
      const rows = [...s.oracleAnswers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(4)}  ${k.slice(0, 160)}`);
      out.log(`conformance: ${group}: c/image answers\n${rows.join('\n')}`);
    }
    totals.compared += s.compared;
    totals.disagreements.push(...s.disagreements);
    if (s.disagreements.length > 0) {
      const head =
        `${s.disagreements.length} of ${s.compared} disagree with containers/image` +
        (buildProblem ? ` (note: imgpolicy's build ${buildProblem})` : '') +
        ` — generator seed ${seedHex}, replay with CONFORMANCE_SEED=${seedHex} CONFORMANCE_KEEP=1\n`;
      throw new Error(head + formatDisagreements(s.disagreements));
    }
    expect(s.compared).toBeGreaterThan(0);
  };
  const check = async (triples: Triple[]) => record(await compareTriples(triples, { oracleEnv, parallel: PARALLELISM }), triples[0]?.group);

  describe(`conformance against containers/image 5.34 (skopeo 1.18 oracle in ${ORACLE_DIR})`, () => {
    beforeAll(async () => {
      buildProblem = await ensureBuilt();
      work = mkdtempSync(join(tmpdir(), 'imgpolicy-conformance-'));
      const digests: Record<string, string> = {};
      await Promise.all(ORACLE_REPOS.map(async (r) => (digests[`test/${r}`] = await manifestDigest(`test/${r}`, 'v1'))));
      ctx = { oracleDir: ORACLE_DIR, policies: join(ORACLE_DIR, 'policies'), registriesD: join(ORACLE_DIR, 'registries.d'), work, digests };
      generated = generate(ctx, {
        seed,
        policies: Number(process.env.CONFORMANCE_GENERATED) || 70,
        imagesPerPolicy: [5, 9],
      });
    }, TIMEOUT);

    afterAll(() => {
      const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
      out.log(
        `conformance: ${totals.compared} triples compared, ${totals.disagreements.length} disagreements, ${secs} s (seed ${seedHex})` +
          (process.env.CONFORMANCE_KEEP === '1' ? ` — policies kept in ${work}` : ''),
      );
      if (work && process.env.CONFORMANCE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    });

    test('README Results table: every row', () => check(readmeTriples(ctx)), TIMEOUT);

    test('scope precedence (scopes.json)', () => check(scopeTriples(ctx)), TIMEOUT);

    test('multi-arch: default platform and --platform linux/arm64 (↔ --override-arch arm64)', () => check(multiArchTriples(ctx)), TIMEOUT);

    test('TLS + basic-auth registry (--cert-dir, --creds)', () => check(tlsTriples(ctx)), TIMEOUT);

    test('cosign 2.5 as a second signer (conf/… images)', async () => check((await setupCosign({ oracleEnv, oracleDir: ORACLE_DIR, registriesD: ctx.registriesD, work })).triples), TIMEOUT);

    test(`generated triples (seed ${seedHex})`, () => check(generated.triples), TIMEOUT);

    test('policy parsing: `imgpolicy lint` ↔ c/image loading the file', async () => {
      const shipped: LintCase[] = readdirSync(ctx.policies)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({ group: 'lint', policy: join(ctx.policies, f), image: `docker://127.0.0.1:5000/test/signed:v1`, note: 'oracle policy' }));
      const gen: LintCase[] = generated.policies.map((p) => ({ group: 'lint', policy: p.file, image: p.image, note: p.note }));
      const stats = await compareLint([...shipped, ...gen], { oracleEnv, parallel: PARALLELISM });
      record(stats);
      // setup.sh ships about 6 policies c/image refuses (probes, empty list, fulcio without rekor…): if none was
      // refused, the oracle is not the one this suite was written against.
      expect(stats.parseErrors).toBeGreaterThanOrEqual(5);
    }, TIMEOUT);
  });
}
