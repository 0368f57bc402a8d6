/**
 * `imgpolicy --help` lists the commands from main.ts's summaries without loading them (start-up time); what it
 * prints must be exactly what the loaded commands would print, so a changed or new command cannot drift from it.
 */
import { describe, expect, test } from '@jest/globals';
import { Chalk } from 'chalk';
import { buildProgram } from '../../../src/cli/main.js';
import type { CLIIO } from '../../../src/cli/io.js';

const io: CLIIO = { stdout: () => true, stderr: () => true, setExitCode: () => undefined, chalk: new Chalk({ level: 0 }), stderrIsTTY: false, readStdin: async () => '' };
const pe = () => ({ env: {}, homeDir: '/nonexistent-home', cwd: process.cwd(), now: () => new Date() });

describe('top-level help', () => {
  test.each([[['--help']], [['-h']], [['help']], [[]]])('imgpolicy %j lists every command as the loaded commands describe themselves', async (args) => {
    const listed = (await buildProgram(io, pe, ['node', 'imgpolicy', ...args])).helpInformation();
    const loaded = (await buildProgram(io, pe)).helpInformation();
    expect(listed).toBe(loaded);
    expect(listed).toContain('verify [options] [image...]');
  });
});
