/**
 * Evaluation never prints: it records events, and a formatter decides how they look (c/image's logrus debug lines,
 * JSON, …). `message` is always the exact c/image debug text (including its leading spaces) so that the
 * `--debug` rendering can be compared line by line with skopeo's.
 */
export type TraceLevel = 'debug' | 'info' | 'warn' | 'error';

export interface TraceEvent {
  level: TraceLevel;
  /** Exact containers/image log text, e.g. ` Requirement 0: allowed`. */
  message: string;
  /** Machine-readable facts behind the line (scope, requirement index, digest …). */
  data?: Record<string, unknown>;
}

export class Trace {
  readonly events: TraceEvent[] = [];
  debug(message: string, data?: Record<string, unknown>): void {
    this.events.push({ level: 'debug', message, ...(data ? { data } : {}) });
  }
  info(message: string, data?: Record<string, unknown>): void {
    this.events.push({ level: 'info', message, ...(data ? { data } : {}) });
  }
  warn(message: string, data?: Record<string, unknown>): void {
    this.events.push({ level: 'warn', message, ...(data ? { data } : {}) });
  }
  error(message: string, data?: Record<string, unknown>): void {
    this.events.push({ level: 'error', message, ...(data ? { data } : {}) });
  }
}
