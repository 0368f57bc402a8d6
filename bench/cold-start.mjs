#!/usr/bin/env node
// Cold start of `imgpolicy lint` and `imgpolicy explain` against `node -e 0`, each in fresh processes.
// Prints the median and spread of N runs and the ratio to the baseline measured in the same invocation.
// NODE_EXTRA_CA_CERTS is unset for the main figures (it adds ~40 ms to every Node start on these machines and is
// not set on a typical user's machine); the figures with it set are printed as well.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 15);
const policy = join(root, 'fixtures/demo/policy.json');
const cases = [
  ['node -e 0', ['-e', '0']],
  ['imgpolicy lint', [join(root, 'bin/imgpolicy.js'), 'lint', policy]],
  ['imgpolicy explain', [join(root, 'bin/imgpolicy.js'), 'explain', '--policy', policy, 'quay.io/ns/repo:tag']],
];

function time(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const [label, env] of [
  ['NODE_EXTRA_CA_CERTS unset', Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'))],
  ['NODE_EXTRA_CA_CERTS as in this environment', process.env],
]) {
  if (label.startsWith('NODE_EXTRA') && label.includes('environment') && !process.env.NODE_EXTRA_CA_CERTS) continue;
  console.log(`\n${label} (${runs} runs each, interleaved)`);
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) cases.forEach(([, args], j) => samples[j].push(time(args, env)));
  const base = median(samples[0]);
  console.log('command              median ms   min    max   ratio to node -e 0');
  cases.forEach(([name], j) => {
    const m = median(samples[j]);
    console.log(
      `${name.padEnd(20)} ${m.toFixed(1).padStart(9)} ${Math.min(...samples[j]).toFixed(0).padStart(6)} ${Math.max(...samples[j]).toFixed(0).padStart(6)}   ${(m / base).toFixed(2)}x`,
    );
  });
}
