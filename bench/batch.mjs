#!/usr/bin/env node
// 2. A batch of N (default 200) signed images: ONE `imgpolicy verify IMG1 … IMGN` process vs N skopeo 1.18 runs
//    (what a gate that shells out to skopeo per image does). Setup (idempotent): N small signed images
//    127.0.0.1:5000/bench/batch:i0…, distinct content each, signed with the oracle's cosign1 key.
//    Usage: . /tmp/imgpolicy-oracle/env.sh && node bench/batch.mjs   (N=200 RUNS=3 SKOPEO_RUNS=1)
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENVS, REGISTRIES_D, REGISTRY, SKOPEO, closePushAgent, ensureBatchImages, fmt, machine, requireOracle, run, stats, table, tempDir, writePolicy } from './lib.mjs';

requireOracle();
const n = Number(process.env.N ?? 200);
const runs = Number(process.env.RUNS ?? 3);
const skopeoRuns = Number(process.env.SKOPEO_RUNS ?? 1);
const t0 = Date.now();
const { refs, pushed } = await ensureBatchImages(n);
closePushAgent();
console.log(`# batch of ${n} images — setup: ${pushed} pushed, ${n - pushed} already there (${Date.now() - t0} ms); ${machine()}`);
const tmp = tempDir();
const policy = writePolicy(tmp, `${REGISTRY}/bench`);

// The oracle agrees these images are allowed (a sample: first and last).
for (const ref of [refs[0], refs[n - 1]]) {
  const r = run(SKOPEO, ['--policy', policy, '--registries.d', REGISTRIES_D, 'copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${join(tmp, 'chk')}`]);
  if (r.status !== 0) throw new Error(`skopeo rejects ${ref}: ${r.stderr}`);
  rmSync(join(tmp, 'chk'), { recursive: true, force: true });
}

for (const [label, env] of ENVS) {
  const imgp = [];
  for (let i = 0; i < runs; i++) {
    const r = run(process.execPath, [BIN, 'verify', '--policy', policy, '--registries.d', REGISTRIES_D, '--tls-verify=false', ...refs], env);
    if (r.status !== 0) throw new Error(`imgpolicy batch failed (${r.status}): ${r.stdout.slice(-2000)}${r.stderr}`);
    if (!r.stdout.includes(`${n} images: ${n} allowed`) && n > 1) throw new Error(`unexpected summary: ${r.stdout.slice(-300)}`);
    imgp.push(r.ms);
  }
  const sk = [];
  for (let k = 0; k < skopeoRuns; k++) {
    let total = 0;
    for (const ref of refs) {
      const out = join(tmp, 'out');
      const r = run(SKOPEO, ['--policy', policy, '--registries.d', REGISTRIES_D, 'copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`], env);
      rmSync(out, { recursive: true, force: true });
      if (r.status !== 0) throw new Error(`skopeo ${ref}: ${r.stderr}`);
      total += r.ms;
    }
    sk.push(total);
  }
  const a = stats(imgp);
  const b = stats(sk);
  console.log(`\n## ${label} (imgpolicy: ${runs} runs; skopeo: ${skopeoRuns} × ${n} runs)\n`);
  table(
    ['how', 'wall (median)', 'min–max', 'per image', 'speed-up'],
    [
      [`imgpolicy verify, 1 process, ${n} images`, fmt(a.median), `${fmt(a.min)}–${fmt(a.max)}`, fmt(a.median / n), `${(b.median / a.median).toFixed(1)}×`],
      [`skopeo 1.18 copy, ${n} processes`, fmt(b.median), `${fmt(b.min)}–${fmt(b.max)}`, fmt(b.median / n), '1.0×'],
    ],
  );
}
rmSync(tmp, { recursive: true, force: true });
console.log('\ntarget: the imgpolicy batch ≥ 20× faster than the skopeo runs');
