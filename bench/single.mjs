#!/usr/bin/env node
// 1. A single verdict — tag reference, sigstore-signed, allowed — three ways, interleaved, fresh processes:
//    imgpolicy verify  vs  skopeo 1.18 copy (c/image 5.34, the way CRI-O evaluates; the oracle's verdict.sh command
//    line)  vs  cosign 2.5 verify --key. RUNS (default 15) samples each; median, quartiles, min/max, ratios.
//    Usage: npm run build && . /tmp/imgpolicy-oracle/env.sh && node bench/single.mjs
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, COSIGN, ENVS, KEY1_PUB, ORACLE_DIR, REGISTRIES_D, REGISTRY, SKOPEO, fmt, machine, requireOracle, run, stats, table, tempDir } from './lib.mjs';

requireOracle();
const runs = Number(process.env.RUNS ?? 15);
const image = `${REGISTRY}/test/signed:v1`;
const policy = join(ORACLE_DIR, 'policies/sigstore-key1.json');
const tmp = tempDir();

const cases = [
  ['imgpolicy verify', () => [process.execPath, [BIN, 'verify', '--policy', policy, '--registries.d', REGISTRIES_D, '--tls-verify=false', image]], (r) => r.status === 0],
  ['skopeo 1.18 copy', () => {
    const out = join(tmp, 'out');
    rmSync(out, { recursive: true, force: true });
    return [SKOPEO, ['--policy', policy, '--registries.d', REGISTRIES_D, 'copy', '--src-tls-verify=false', `docker://${image}`, `dir:${out}`]];
  }, (r) => r.status === 0],
  ['cosign 2.5 verify --key', () => [COSIGN, ['verify', '--key', KEY1_PUB, '--allow-insecure-registry', '--allow-http-registry', '--insecure-ignore-tlog', image]], (r) => r.status === 0],
];

// The oracle's images must be signed by the key its policy names. When they are not (an oracle set up again with new
// keys, an image pushed over), there is nothing to measure: say which side disagrees, in one line, and stop.
for (const [name, mk, ok] of cases) {
  const [cmd, args] = mk();
  const r = run(cmd, args);
  if (!ok(r)) {
    const why = `${r.stderr}${r.stdout}`.split('\n').find((l) => /rejected|error|fatal|Error/.test(l))?.trim() ?? `exit ${r.status}`;
    console.error(`bench/single: ${name} does not allow ${image} under ${policy}: ${why}`);
    console.error(`bench/single: the oracle's keys do not match its registry; re-run ../shared/oracle/setup.sh start`);
    process.exit(2);
  }
}

console.log(`# single verdict: ${image} (sigstoreSigned, allowed) — ${runs} runs each, interleaved; ${machine()}`);
for (const [label, env] of ENVS) {
  const samples = cases.map(() => []);
  for (let i = 0; i < runs + 1; i++) {
    cases.forEach(([name, mk, ok], j) => {
      const [cmd, args] = mk();
      const r = run(cmd, args, env);
      if (!ok(r)) {
        console.error(`bench/single: ${name} failed midway (exit ${r.status}): ${`${r.stderr}${r.stdout}`.trim().split('\n')[0]}`);
        process.exit(2);
      }
      if (i > 0) samples[j].push(r.ms); // the first round warms the file cache
    });
  }
  const sk = stats(samples[1]).median;
  console.log(`\n## ${label}\n`);
  table(
    ['command', 'median', 'p25–p75', 'min–max', 'vs skopeo'],
    cases.map(([name], j) => {
      const s = stats(samples[j]);
      return [name, fmt(s.median), `${fmt(s.p25)}–${fmt(s.p75)}`, `${fmt(s.min)}–${fmt(s.max)}`, `${(s.median / sk).toFixed(2)}×`];
    }),
  );
}
rmSync(tmp, { recursive: true, force: true });
console.log('\ntarget: imgpolicy ≤ 0.8× skopeo');
