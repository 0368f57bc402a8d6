import type { ChalkInstance } from 'chalk';

/** The CLI's only contact with the terminal, injected so tests can run commands in-process. */
export interface CLIIO {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
  readonly chalk: ChalkInstance;
  /** True when stderr is a terminal: a progress line is drawn there for long batches. */
  readonly stderrIsTTY?: boolean;
  /** Standard input, for `--from-file -`. */
  readStdin?(): Promise<string>;
}
