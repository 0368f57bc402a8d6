#!/usr/bin/env node
'use strict';
// Starts the CLI; nothing else. CommonJS (bin/package.json) because Node starts a CommonJS file faster than ESM.
// It runs the bundled artifact, build/imgpolicy.cjs (scripts/bundle.mjs), through a V8 code cache
// (./code-cache.cjs): the one file the package ships. A checkout builds it with `npm run build`; the unbundled
// dist/ is for the tests (bin/imgpolicy-dist.mjs). A failure to even load the CLI is reported in one line, never as
// a stack trace.
const { join } = require('node:path');

/** `imgpolicy --version` is answered from package.json, the one place the version is written, without loading
 * the CLI: it is what scripts call to check an install, and it should cost no more than starting Node. */
function versionOnly(argv) {
  return argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
}

async function start(argv) {
  if (versionOnly(argv)) {
    process.stdout.write(`${require('../package.json').version}\n`);
    return 0;
  }
  const main = require('./code-cache.cjs').runBundle(join(__dirname, '../build/imgpolicy.cjs'));
  if (main === undefined) throw Object.assign(new Error('build/imgpolicy.cjs is missing'), { code: 'ERR_MODULE_NOT_FOUND' });
  return main(argv);
}

start(process.argv).then(
  (code) => (process.exitCode = code),
  (e) => {
    const hint = e?.code === 'ERR_MODULE_NOT_FOUND' ? ' (is the project built? run `npm run build`)' : '';
    process.stderr.write(`imgpolicy: ${e?.message ?? e}${hint}\n`);
    if (process.argv.includes('--debug')) process.stderr.write(`${e?.stack}\n`);
    process.exitCode = 2;
  },
);
