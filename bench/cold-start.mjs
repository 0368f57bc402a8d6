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
import { ARTIFACT, BIN, ROOT, compareStartups, fmt, machine, ratio, requireArtifact } from './lib.mjs';

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
compareStartups(cases, runs, ['command', 'wall median', 'p25–p75', 'vs node -e 0', 'CPU median', 'CPU vs node -e 0'], (name, w, c, base) => [
  name,
  fmt(w.median),
  `${fmt(w.p25)}–${fmt(w.p75)}`,
  ratio(w.median, base.wall),
  fmt(c.median),
  ratio(c.median, base.cpu),
]);
console.log('\ntargets: --version ≤ 1.3×, lint ≤ 1.5× node -e 0');
