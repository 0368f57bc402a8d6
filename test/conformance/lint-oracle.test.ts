import { describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Chalk } from 'chalk';
import { runLint } from '../../src/cli/commands/lint.js';
import type { CLIIO } from '../../src/cli/io.js';

/**
 * `imgpolicy lint` against skopeo 1.18 (containers/image 5.34.2): the same policies accepted and rejected, with the
 * same text. Skopeo reports a bad policy as `Error loading trust policy: invalid policy in "FILE": <reason>`.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const verdictSh = resolve(root, '../shared/oracle/verdict.sh');
const oracleDir = process.env['ORACLE_DIR'] ?? '/tmp/imgpolicy-oracle';
const ready = existsSync(verdictSh) && existsSync(join(oracleDir, 'env.sh'));
const run = promisify(execFile);

if (!ready) {
  if (process.env['CI'] === 'true') {
    test('lint conformance prerequisites', () => {
      throw new Error(`the oracle is required under CI=true (${verdictSh}, ${oracleDir}/env.sh)`);
    });
  } else {
    console.warn(`lint conformance: skipped: no oracle (${verdictSh} or ${oracleDir}/env.sh missing; run ../shared/oracle/setup.sh as root)`);
  }
}

async function oracleSays(policy: string): Promise<string> {
  // Any image will do: skopeo loads the policy before it touches the image.
  const r = await run('bash', [verdictSh, 'docker://127.0.0.1:5000/test/unsigned:v1', policy]).catch((e: { stdout: string }) => e);
  return r.stdout.trim();
}

async function weSay(policy: string): Promise<{ code: number; text: string }> {
  let out = '';
  let err = '';
  const io: CLIIO = { stdout: (s) => (out += s), stderr: (s) => (err += s), setExitCode: () => {}, chalk: new Chalk({ level: 0 }) };
  const code = await runLint(policy, { env: {}, homeDir: '/nonexistent', cwd: root, now: () => new Date() }, io);
  return { code, text: (out + err).trim() };
}

const broken = readdirSync(join(root, 'fixtures/policies/broken')).map((f) => join(root, 'fixtures/policies/broken', f));
const oraclePolicies = ready ? readdirSync(join(oracleDir, 'policies')).filter((f) => f.endsWith('.json')).map((f) => join(oracleDir, 'policies', f)) : [];

(ready ? describe : describe.skip)('lint agrees with skopeo 1.18', () => {
  test.each([...broken, ...oraclePolicies].map((p) => [p.replace(root + '/', '').replace(oracleDir + '/', 'oracle:')]))('%s', async (name) => {
    const path = name.startsWith('oracle:') ? join(oracleDir, name.slice('oracle:'.length)) : join(root, name);
    const [theirs, ours] = await Promise.all([oracleSays(path), weSay(path)]);
    const theyReject = theirs.startsWith('error: Error loading trust policy:');
    expect(ours.code === 3).toBe(theyReject);
    if (theyReject) {
      // Our output is their line plus "  at $.path (line L, column C)" on the next line.
      expect(ours.text.split('\n')[0]).toBe(theirs.slice('error: '.length));
      expect(ours.text).toMatch(/\n {2}at \$\S* \(line \d+, column \d+\)$/);
    }
  });
});
