/**
 * The long fuzzing run: `npx tsx scripts/fuzz.ts [--inputs N] [--seed S] [--only NAME]`.
 * N (default 1,000,000) inputs are shared among the targets of test/fuzz/targets.ts by their weights; every target
 * gets at least 1,000. Prints inputs, crashes, bad accepts, benign accepts, slow inputs and time per target, with the
 * first reproducers, and exits 1 if any crash, bad accept or slow input was seen. Not part of CI's default run
 * (it takes minutes); test/fuzz/*.test.ts runs the same targets briefly with a fixed seed.
 */
import { ALL_TARGETS, runTarget, type TargetStats } from '../test/fuzz/targets.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

const total = Number(arg('inputs') ?? 1_000_000);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const only = arg('only');
if (!Number.isInteger(total) || total <= 0) {
  console.error('--inputs must be a positive integer');
  process.exit(2);
}
const targets = ALL_TARGETS.filter((t) => !only || t.name.includes(only));
const weights = targets.reduce((s, t) => s + t.weight, 0);

console.log(`imgpolicy fuzz: ${total} inputs, seed ${seed}`);
const all: TargetStats[] = [];
const t0 = performance.now();
for (const t of targets) {
  const n = Math.max(1000, Math.round((total * t.weight) / weights));
  const s = await runTarget(t, n, seed);
  all.push(s);
  console.log(`  ${t.name.padEnd(44)} ${String(s.inputs).padStart(8)} inputs  ${String(s.crashes).padStart(3)} crashes  ${String(s.badAccepts).padStart(3)} bad accepts  ${String(s.benignAccepts).padStart(5)} benign accepts  ${String(s.slow).padStart(3)} slow  ${(s.ms / 1000).toFixed(1)} s`);
  for (const e of s.examples) console.log('    ' + e.replace(/\n/g, '\n    '));
}
const sum = (k: keyof TargetStats) => all.reduce((s, x) => s + (x[k] as number), 0);
console.log('');
console.log('| target | inputs | crashes | bad accepts | benign accepts | slow (>1 s) | time |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const s of all) console.log(`| ${s.name} | ${s.inputs} | ${s.crashes} | ${s.badAccepts} | ${s.benignAccepts} | ${s.slow} | ${(s.ms / 1000).toFixed(1)} s |`);
console.log(`| **total** | ${sum('inputs')} | ${sum('crashes')} | ${sum('badAccepts')} | ${sum('benignAccepts')} | ${sum('slow')} | ${((performance.now() - t0) / 1000).toFixed(1)} s |`);
console.log(`seed ${seed} (rerun with --seed ${seed} to reproduce)`);
process.exitCode = sum('crashes') + sum('badAccepts') + sum('slow') > 0 ? 1 : 0;
