/**
 * Crafted certificates (and, in crafted-gpg, OpenPGP keys and packets) against the REAL containers/image 5.34.2
 * (skopeo 1.18, Go 1.24.4): every case is a `dir:` image plus a policy.json generated at test time with real
 * cryptography by fixtures/generate-crafted-certs.ts, and both tools must give the same verdict and message
 * (test/helpers/oracle.ts, answersAgree). Covers issue 20's rows and wrong denies, mutations of each DER field Go's
 * parser checks, and each name-constraint type against odd names.
 *
 * Without the oracle the suite is skipped with one line, except under CI=true, where it fails.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Console } from 'node:console';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCraftedCases, type CraftedCase } from '../../fixtures/generate-crafted-certs.js';
import { generateCraftedGPGCases } from '../../fixtures/generate-crafted-gpg.js';
import { checkPrerequisites, compareTriples, ensureBuilt, formatDisagreements, IMGPOLICY_BIN, ORACLE_DIR, PARALLELISM, run, type Triple } from '../helpers/oracle.js';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const prereq = await checkPrerequisites();
const out = new Console({ stdout: process.stdout, stderr: process.stderr });
const TIMEOUT = 300_000;

if (!prereq.ok) {
  if (!inCI) out.warn(`crafted-certificates: skipped: ${prereq.reason}`);
  (inCI ? describe : describe.skip)('crafted certificates against containers/image 5.34', () => {
    test('the oracle is running', () => {
      throw new Error(`crafted-certificates: the oracle is required under CI=true but ${prereq.reason}`);
    });
  });
} else {
  const oracleEnv = prereq.env!;
  let work = '';
  let cases: CraftedCase[] = [];
  const startedAt = Date.now();
  let compared = 0;
  let disagreements = 0;

  describe(`crafted certificates against containers/image 5.34 (oracle in ${ORACLE_DIR})`, () => {
    beforeAll(async () => {
      await ensureBuilt();
      work = mkdtempSync(join(tmpdir(), 'imgpolicy-crafted-'));
      cases = [...generateCraftedCases(join(work, 'x509')), ...(await generateCraftedGPGCases(join(work, 'gpg')))];
    }, TIMEOUT);

    afterAll(() => {
      const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
      out.log(`crafted-certificates: ${compared} cases, ${disagreements} disagreements, ${secs} s`);
      if (work && process.env.CONFORMANCE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    });

    test('every crafted case: same verdict and message as skopeo 1.18', async () => {
      expect(cases.length).toBeGreaterThanOrEqual(120);
      const triples: Triple[] = cases.map((c) => ({
        group: c.name,
        image: c.image,
        policy: c.policy,
        registriesD: join(ORACLE_DIR, 'registries.d'),
        access: 'plain',
        note: c.note,
      }));
      const stats = await compareTriples(triples, { oracleEnv, parallel: PARALLELISM });
      compared = stats.compared;
      disagreements = stats.disagreements.length;
      if (process.env.CONFORMANCE_VERBOSE === '1' && stats.oracleAnswers) {
        out.log([...stats.oracleAnswers].map(([k, n]) => `${String(n).padStart(4)}  ${k.slice(0, 200)}`).join('\n'));
      }
      if (disagreements > 0) throw new Error(`${disagreements} of ${compared} crafted cases disagree with containers/image\n${formatDisagreements(stats.disagreements)}`);
    }, TIMEOUT);

    test('a subkey signature c/image rejects (gpg would verify it): the explanation says why and what to do', async () => {
      const c = cases.find((x) => x.name === 'gpg-cert-only-primary-subkey-signs-keyPath')!;
      const r = await run(process.execPath, [IMGPOLICY_BIN, 'verify', '--output', 'json', '--policy', c.policy, c.image], { timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      const res = (JSON.parse(r.stdout) as { results: { explanation?: { hints?: { code: string; text: string }[] } }[] }).results[0]!;
      const hint = res.explanation?.hints?.find((h) => h.code === 'gpg-subkey-signature');
      expect(hint?.text).toMatch(/made by subkey [0-9A-F]{40} of the configured key [0-9A-F]{40}; gpg verifies such a signature.*Re-sign with the primary key/);
    }, TIMEOUT);
  });
}
