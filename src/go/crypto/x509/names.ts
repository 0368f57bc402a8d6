/**
 * The name syntax Go 1.24's crypto/x509 (skopeo 1.18's Go) applies to SANs and name constraints: reverse domain
 * labels, the RFC 2821 mailbox parser and the IA5String check. Parser and verifier share them, so a name is read the
 * same way where a constraint is parsed and where it is matched.
 */
import { goQuoteBytes } from '../../fmt.js';

/** Go domainToReverseLabels: labels last-first; no empty label, no trailing dot, only bytes 33–126. */
export function domainToReverseLabels(domain: string): string[] | undefined {
  const labels: string[] = [];
  while (domain.length > 0) {
    const i = domain.lastIndexOf('.');
    if (i === -1) {
      labels.push(domain);
      domain = '';
    } else {
      labels.push(domain.slice(i + 1));
      domain = domain.slice(0, i);
      if (i === 0) labels.push('');
    }
  }
  if (labels.length > 0 && labels[0]!.length === 0) return undefined;
  for (const l of labels) {
    if (l.length === 0) return undefined;
    // Strings here are latin1-decoded bytes; any byte >= 0x80 is a rune > 126 in Go (valid UTF-8 or U+FFFD).
    for (let k = 0; k < l.length; k++) {
      const c = l.charCodeAt(k);
      if (c < 33 || c > 126) return undefined;
    }
  }
  return labels;
}

export interface Mailbox {
  readonly local: string;
  readonly domain: string;
}

const ATEXT = /[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]/;

/**
 * Go parseRFC2821Mailbox: a quoted or dot-atom local part (quoted pairs unescaped, backslash escapes accepted
 * outside quotes too), then '@', and everything after that first unquoted '@' is the domain — so `a@evil.com@good.com`
 * has the domain `evil.com@good.com`, and `"alice"@good.com` has the local part `alice`.
 */
export function parseRFC2821Mailbox(input: string): Mailbox | undefined {
  if (input.length === 0) return undefined;
  let local = '';
  let i = 0;
  const code = (k: number) => input.charCodeAt(k);
  if (input[0] === '"') {
    i = 1;
    for (;;) {
      if (i >= input.length) return undefined;
      const c = code(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        if (i >= input.length) return undefined;
        const n = code(i);
        if (n === 11 || n === 12 || (n >= 1 && n <= 9) || (n >= 14 && n <= 127)) {
          local += input[i];
          i++;
        } else return undefined;
        continue;
      }
      if (c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)) {
        local += input[i - 1];
        continue;
      }
      return undefined;
    }
  } else {
    while (i < input.length) {
      let c = input[i]!;
      if (c === '\\') {
        i++;
        if (i >= input.length) return undefined;
        c = input[i]!; // Go falls through and appends the escaped byte, whatever it is.
        local += c;
        i++;
        continue;
      }
      if (!ATEXT.test(c)) break;
      local += c;
      i++;
    }
    if (local.length === 0) return undefined;
    if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined;
  }
  if (i >= input.length || input[i] !== '@') return undefined;
  const domain = input.slice(i + 1);
  if (!domainToReverseLabels(domain)) return undefined;
  return { local, domain };
}

/** Go isIA5String's error (runes above U+007F), for a latin1-decoded byte string. */
export function ia5Error(s: string): string | undefined {
  for (let k = 0; k < s.length; k++) {
    if (s.charCodeAt(k) > 0x7f) return `x509: ${goQuoteBytes(Buffer.from(s, 'latin1'))} cannot be encoded as an IA5String`;
  }
  return undefined;
}
