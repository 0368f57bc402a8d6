import type { ChalkInstance } from 'chalk';

/** The CLI's only contact with the terminal, injected so tests can run commands in-process. */
export interface CLIIO {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
  readonly chalk: ChalkInstance;
}
