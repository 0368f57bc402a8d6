#!/usr/bin/env node
// The offline demo behind `npm run demo`: two dir: images against fixtures/demo/policy.json. It shows a real run of
// the CLI for each and exits 0 only when the verdicts are the expected ones (allowed → exit 0, rejected → exit 1).
// It runs the checkout's bin/imgpolicy.js, or the installed `imgpolicy` named by IMGPOLICY_BIN (.ci/run).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cases = [
  ['dir:fixtures/demo/signed-image', 0],
  ['dir:fixtures/demo/signed-by-other-key', 1],
];
let ok = true;
for (const [image, expected] of cases) {
  const args = ['verify', '--policy', 'fixtures/demo/policy.json', image];
  console.log(`$ imgpolicy ${args.join(' ')}`);
  const bin = process.env.IMGPOLICY_BIN;
  const r = bin ? spawnSync(bin, args, { cwd: root, stdio: 'inherit' }) : spawnSync(process.execPath, ['bin/imgpolicy.js', ...args], { cwd: root, stdio: 'inherit' });
  console.log(`(exit ${r.status})\n`);
  if (r.status !== expected) ok = false;
}
console.log(ok ? 'demo: both verdicts as expected' : 'demo: UNEXPECTED verdicts');
process.exitCode = ok ? 0 : 1;
