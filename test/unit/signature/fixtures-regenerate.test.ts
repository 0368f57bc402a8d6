/**
 * "Keys change, verdicts and messages do not": regenerating the sigstore fixtures draws new keys, signatures and
 * certificates, and every variant must keep its recorded verdict, class and message. A negative variant that is
 * only broken by chance (stripping "=" from a signature that had none) passes here one time in four and fails the
 * next; five regenerations make such a variant show itself. Generated into temporary folders, never over the
 * committed fixtures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { REPO_ROOT } from '../../helpers/oracle.js';

const ROUNDS = 5;
const work = mkdtempSync(join(tmpdir(), 'imgpolicy-regen-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test(`the sigstore fixture table holds on ${ROUNDS} fresh regenerations`, () => {
  const dirs: string[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const out = join(work, `round-${i}`);
    const gen = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['fixtures/generate-sigstore.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, IMGPOLICY_FIXTURES_OUT: out },
      encoding: 'utf8',
    });
    expect([i, gen.status, gen.stderr]).toEqual([i, 0, '']);
    dirs.push(join(out, 'sigstore'));
  }
  const run = spawnSync(
    join(REPO_ROOT, 'node_modules/.bin/jest'),
    ['--ci', '--silent', 'test/unit/signature/sigstore-fixtures.test.ts'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', IMGPOLICY_SIGSTORE_FIXTURES: dirs.join(delimiter) },
      encoding: 'utf8',
    },
  );
  const summary = /Tests:\s+(.*)/.exec(run.stderr)?.[1] ?? run.stderr.slice(-2000);
  console.log(`fixtures-regenerate: ${ROUNDS} regenerations, ${summary}`);
  expect(summary).toMatch(/^\d+ passed, \d+ total$/);
  expect(run.status).toBe(0);
}, 300_000);
