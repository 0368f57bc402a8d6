import type { TraceEvent } from '../../trace.js';
import { goQuote } from '../../go/fmt.js';

/**
 * logrus text format, as skopeo/podman/CRI-O print with --debug (`time="…" level=debug msg="…"`), so that our
 * lines can be put next to theirs and compared.
 */
export function renderDebugLines(events: readonly TraceEvent[], now: Date = new Date()): string {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return events.map((e) => `time="${time}" level=${e.level === 'warn' ? 'warning' : e.level} msg=${goQuote(e.message)}\n`).join('');
}
