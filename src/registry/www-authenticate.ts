/**
 * `WWW-Authenticate` parsing with c/image's rules (docker/wwwauthenticate.go, from docker/distribution): one
 * challenge per header line, scheme lower-cased, parameters `key=token` or `key="quoted"`, parsing stops at the
 * first malformed piece (keeping what was read so far).
 */
export interface Challenge {
  scheme: string;
  parameters: Map<string, string>;
}

const SEPARATORS = ' \t"(),/:;<=>?@[]\\{}';

function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 31 && code < 127 && !SEPARATORS.includes(c);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function skipSpace(s: string): string {
  let i = 0;
  while (i < s.length && isSpace(s[i]!)) i++;
  return s.slice(i);
}

function expectToken(s: string): [string, string] {
  let i = 0;
  while (i < s.length && isTokenChar(s[i]!)) i++;
  return [s.slice(0, i), s.slice(i)];
}

function expectTokenOrQuoted(s: string): [string, string] {
  if (!s.startsWith('"')) return expectToken(s);
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return [out, s.slice(i + 1)];
    if (c === '\\') {
      i++;
      if (i < s.length) out += s[i];
      continue;
    }
    out += c;
  }
  return ['', ''];
}

export function parseChallenge(header: string): Challenge | null {
  const parameters = new Map<string, string>();
  let [value, s] = expectToken(header);
  if (value === '') return null;
  const scheme = value.toLowerCase();
  s = ',' + skipSpace(s);
  while (s.startsWith(',')) {
    let key: string;
    [key, s] = expectToken(skipSpace(s.slice(1)));
    if (key === '' || !s.startsWith('=')) break;
    let v: string;
    [v, s] = expectTokenOrQuoted(s.slice(1));
    if (v === '') break;
    parameters.set(key.toLowerCase(), v);
    s = skipSpace(s);
  }
  return { scheme, parameters };
}

export function parseAuthHeader(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const lines = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const h of lines) {
    const c = parseChallenge(h);
    if (c) out.push(c);
  }
  return out;
}

/** A token scope (`repository:library/busybox:pull`). */
export interface Scope {
  resourceType: string;
  remoteName: string;
  actions: string;
}

/** The scope a Bearer `error="insufficient_scope"` challenge asks for, if any (c/image needsRetryWithUpdatedScope). */
export function insufficientScope(headers: Record<string, string | string[] | undefined>): Scope | undefined {
  for (const c of parseAuthHeader(headers['www-authenticate'])) {
    if (c.scheme !== 'bearer' || c.parameters.get('error') !== 'insufficient_scope') continue;
    const scope = c.parameters.get('scope');
    if (!scope) continue;
    const parts = scope.split(':');
    if (parts.length === 3) return { resourceType: parts[0]!, remoteName: parts[1]!, actions: parts[2]! };
  }
  return undefined;
}
