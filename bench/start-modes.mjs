#!/usr/bin/env node
// How to start fast, measured rather than assumed: `lint` and a `dir:` verify started four ways, interleaved, in
// fresh processes, against `node -e 0`:
//   - the shipped way: the bundle through its V8 code cache (bin/imgpolicy.js);
//   - the same bundle without the cache (IMGPOLICY_CODE_CACHE=0), i.e. plain bundling;
//   - the unbundled dist/ (what the package ran before the bundle);
//   - a V8 startup snapshot (Node 20 `--build-snapshot`) of the same sources, built here into a temporary directory
//     with what Node 20's snapshot builder needs (node:http, node:https, node:tls and node:child_process required
//     lazily, argv re-inserted, every command loaded before the snapshot is taken). Never shipped: a prototype.
// Wall time and CPU (user+sys) medians of RUNS (default 15) after a discarded warm-up round.
//   Usage: npm run build && node bench/start-modes.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BIN, ROOT, compareStartups, fmt, machine, ratio, requireArtifact } from './lib.mjs';

requireArtifact();
const runs = Number(process.env.RUNS ?? 15);
const tmp = mkdtempSync(join(tmpdir(), 'imgpolicy-snapshot-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// ---- the snapshot prototype
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(http|https|tls|child_process)$/ }, (a) => (a.namespace === 'lazy' ? { path: a.path, external: true } : { path: a.path, namespace: 'lazy' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (a) => ({
      contents: `let m; const get = () => (m ??= require(${JSON.stringify(a.path)})); module.exports = new Proxy({}, { get: (_, k) => get()[k], has: (_, k) => k in get() });`,
      loader: 'js',
    }));
  },
};
const entry = `
const { main, buildProgram } = require(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))});
const quiet = { stdout() {}, stderr() {}, setExitCode() {}, chalk: null, stderrIsTTY: false, readStdin: async () => '' };
buildProgram(quiet, undefined, ['node', 'imgpolicy', 'load-every-command']);
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  main([process.execPath, 'imgpolicy', ...process.argv.slice(1)]).then((c) => { process.exitCode = c; });
});
`;
const r = await build({
  stdin: { contents: entry, resolveDir: ROOT, loader: 'js' },
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, write: false, logLevel: 'error',
  plugins: [lazyBuiltins],
  banner: { js: 'var __bundle_url="file:///imgpolicy-snapshot.cjs";' },
  define: { __IMGPOLICY_VERSION__: '"snapshot"', 'import.meta.url': '__bundle_url' },
});
const entryFile = join(tmp, 'snapshot-entry.cjs');
writeFileSync(entryFile, r.outputFiles[0].text.replace(/\bimport\(("node:[a-z_/]+")\)/g, 'Promise.resolve().then(()=>require($1))'));
const blob = join(tmp, 'snapshot.blob');
const b = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entryFile], { cwd: tmp, encoding: 'utf8' });
if (b.status !== 0) throw new Error(`snapshot build failed: ${b.stderr}`);

// ---- measurement
const policy = join(ROOT, 'fixtures/demo/policy.json');
const lint = ['lint', policy];
const verify = ['verify', '--policy', 'fixtures/demo/policy.json', 'dir:fixtures/demo/signed-image'];
const cases = [
  ['node -e 0', ['-e', '0']],
  ['lint: bundle + code cache (shipped)', [BIN, ...lint]],
  ['lint: bundle, no code cache', [BIN, ...lint], { IMGPOLICY_CODE_CACHE: '0' }],
  ['lint: unbundled dist/', [join(ROOT, 'bin/imgpolicy-dist.mjs'), ...lint]],
  ['lint: V8 startup snapshot', ['--snapshot-blob', blob, ...lint]],
  ['verify dir: bundle + code cache (shipped)', [BIN, ...verify]],
  ['verify dir: bundle, no code cache', [BIN, ...verify], { IMGPOLICY_CODE_CACHE: '0' }],
  ['verify dir: V8 startup snapshot', ['--snapshot-blob', blob, ...verify]],
];

console.log(`# start-up modes: ${runs} runs each, interleaved; snapshot blob ${(spawnSync('stat', ['-c', '%s', blob], { encoding: 'utf8' }).stdout.trim() / 1e6).toFixed(1)} MB; ${machine()}`);
compareStartups(cases, runs, ['how', 'wall median', 'vs node -e 0', 'CPU median', 'CPU vs node -e 0'], (name, w, c, base) => [
  name,
  fmt(w.median),
  ratio(w.median, base.wall),
  fmt(c.median),
  ratio(c.median, base.cpu),
]);
