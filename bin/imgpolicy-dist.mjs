#!/usr/bin/env node
// The unbundled build (dist/), run directly: what the test suites run by default, so that they test the code in the
// tree and never a stale build/imgpolicy.cjs. Not part of the package (see package.json "files").
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
