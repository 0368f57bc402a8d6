/** JUnit XML pieces shared by the verify, what-if and findings reports. */
import type { ImageOccurrence } from '../k8s/manifests.js';

/** A test case's name for one place an image is used: `Deployment/web container app: image`. */
export function occurrenceCaseName(o: ImageOccurrence): string {
  const field = o.field === 'containers' ? 'container' : o.field.replace(/s$/, '');
  return `${o.kind}/${o.name} ${field} ${o.container}: ${o.image}`;
}

interface Counts {
  readonly tests: number;
  readonly failures: number;
  readonly errors: number;
  readonly time: string;
}

/** The XML declaration and the opening <testsuites>. */
export function junitOpen(name: string, n: Counts): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${attr(name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" time="${n.time}">\n`;
}

/** An opening <testsuite> with the attributes the JUnit XSD wants (timestamp without zone or fraction). */
export function suiteOpen(name: string, id: number, now: Date, n: Counts): string {
  const timestamp = now.toISOString().replace(/\.\d{3}Z$/, '');
  return `  <testsuite name="${attr(name)}" id="${id}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="0" time="${n.time}" timestamp="${timestamp}" hostname="imgpolicy">\n`;
}

/** XML 1.0 cannot carry most control characters at all, even escaped: they are replaced. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

export function attr(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
