#!/usr/bin/env node
// Cold start of the artifact users install (bin/imgpolicy.js → build/imgpolicy.cjs with its V8 code cache, or the
// installed copy named by IMGPOLICY_BIN): `--version`, `--help`, `lint` and `explain` against `node -e 0`, each in
// fresh processes, interleaved, in one invocation. Also `lint` started the other ways (the bundle without the code
// cache, the unbundled dist/), so that the choice of start-up is measured, not assumed.
// Wall time is the median of RUNS (default 15) after one discarded warm-up round (which also writes the code cache);
// CPU is the median user+sys of the same runs. Targets: --version ≤ 1.3×, lint ≤ 1.5× `node -e 0`.
//   Usage: npm run build && node bench/cold-start.mjs
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT, BIN, ENVS, ROOT, fmt, machine, requireArtifact, interleaved, stats, table } from './lib.mjs';

requireArtifact();
const runs = Number(process.env.RUNS ?? 15);
const policy = join(ROOT, 'fixtures/demo/policy.json');
const DIST = join(ROOT, 'bin/imgpolicy-dist.mjs');
const cases = [
  ['node -e 0', ['-e', '0']],
  ['imgpolicy --version', [BIN, '--version']],
  ['imgpolicy --help', [BIN, '--help']],
  ['imgpolicy lint', [BIN, 'lint', policy]],
  ['imgpolicy explain', [BIN, 'explain', '--policy', policy, 'quay.io/ns/repo:tag']],
  ['lint, bundle without code cache', [BIN, 'lint', policy], { IMGPOLICY_CODE_CACHE: '0' }],
  ...(existsSync(join(ROOT, 'dist/cli/main.js')) ? [['lint, unbundled dist/', [DIST, 'lint', policy]]] : []),
];

console.log(`# cold start: ${runs} runs each, interleaved; artifact ${ARTIFACT}; ${machine()}`);
for (const [label, baseEnv] of ENVS) {
  const { wall, cpu } = interleaved(cases, baseEnv, runs);
  const base = stats(wall[0]).median;
  const baseCpu = stats(cpu[0]).median;
  console.log(`\n## ${label}\n`);
  table(
    ['command', 'wall median', 'p25–p75', 'vs node -e 0', 'CPU median', 'CPU vs node -e 0'],
    cases.map(([name], j) => {
      const w = stats(wall[j]);
      const c = stats(cpu[j]);
      return [name, fmt(w.median), `${fmt(w.p25)}–${fmt(w.p75)}`, `${(w.median / base).toFixed(2)}×`, fmt(c.median), `${(c.median / baseCpu).toFixed(2)}×`];
    }),
  );
}
console.log('\ntargets: --version ≤ 1.3×, lint ≤ 1.5× node -e 0');
