#!/usr/bin/env node
// 5. Peak memory (max RSS, from /usr/bin/time -v, or GNU time's %M) of ONE `imgpolicy verify` process over N
//    (default 1,000) signed images (the bench/batch.mjs images, pushed here if missing), against `node -e 0`.
//    Usage: . /tmp/imgpolicy-oracle/env.sh && node bench/memory.mjs
import { existsSync, rmSync } from 'node:fs';
import { BIN, ENVS, REGISTRIES_D, REGISTRY, closePushAgent, ensureBatchImages, fmt, machine, requireOracle, run, table, tempDir, writePolicy } from './lib.mjs';

requireOracle();
const n = Number(process.env.N ?? 1000);
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) {
  console.error('needs GNU time: apt-get install -y time');
  process.exit(2);
}
const t0 = Date.now();
const { refs, pushed } = await ensureBatchImages(n);
closePushAgent();
console.log(`# peak memory, ${n} images in one process — setup: ${pushed} pushed (${Date.now() - t0} ms); ${machine()}`);
const tmp = tempDir();
const policy = writePolicy(tmp, `${REGISTRY}/bench`);
const rssOf = (stderr) => Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;

for (const [label, env] of ENVS) {
  const rows = [];
  const base = run(TIME, ['-v', process.execPath, '-e', '0'], env);
  rows.push(['node -e 0', '—', `${rssOf(base.stderr).toFixed(1)} MB`, fmt(base.ms)]);
  for (const [name, imgs, extra] of [
    ['imgpolicy verify, 1 image', refs.slice(0, 1), []],
    [`imgpolicy verify, ${n} images (default --jobs)`, refs, []],
    [`imgpolicy verify, ${n} images, --output json`, refs, ['--output', 'json']],
  ]) {
    const r = run(TIME, ['-v', process.execPath, BIN, 'verify', ...extra, '--policy', policy, '--registries.d', REGISTRIES_D, '--tls-verify=false', ...imgs], env);
    if (r.status !== 0) throw new Error(`${name}: exit ${r.status}: ${r.stderr.slice(0, 2000)}`);
    rows.push([name, String(imgs.length), `${rssOf(r.stderr).toFixed(1)} MB`, fmt(r.ms)]);
  }
  console.log(`\n## ${label}\n`);
  table(['process', 'images', 'max RSS', 'wall'], rows);
}
rmSync(tmp, { recursive: true, force: true });
console.log('\ntarget: ≤ 150 MB for 1,000 images');
