#!/usr/bin/env node
// Starts the CLI; nothing else. A failure to even load it is reported in one line, never as a stack trace.
try {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
} catch (e) {
  const hint = e?.code === 'ERR_MODULE_NOT_FOUND' ? ' (is the project built? run `npm ci` or `npm run build`)' : '';
  process.stderr.write(`imgpolicy: ${e?.message ?? e}${hint}\n`);
  if (process.argv.includes('--debug')) process.stderr.write(`${e?.stack}\n`);
  process.exitCode = 2;
}
