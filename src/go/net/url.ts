/**
 * Go 1.24's net/url.Parse, as far as crypto/x509 depends on it: whether a URI SAN parses (and with which error
 * text: `parse "…": …`), and its Host. Strings are latin1-decoded bytes, as Go's strings are bytes.
 */
import { goQuote } from '../fmt.js';

export interface GoURL {
  readonly scheme: string;
  /** Host including any `:port`, unescaped. */
  readonly host: string;
  readonly opaque: string;
}

export class URLError extends Error {}

const isHex = (c: string) => /^[0-9A-Fa-f]$/.test(c);

type Mode = 'host' | 'path' | 'fragment' | 'user';

/** Go shouldEscape for the modes whose answer decides an error (host and zone). */
function hostCharAllowed(c: string): boolean {
  return /[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(c);
}

function unescape(s: string, mode: Mode): string {
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]!) || !isHex(s[i + 2]!)) {
        throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      if (mode === 'host' && parseInt(s[i + 1]!, 16) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new URLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      i += 3;
    } else {
      if (mode === 'host' && s.charCodeAt(i) < 0x80 && !hostCharAllowed(c)) throw new URLError(`invalid character ${goQuote(c)} in host name`);
      i++;
    }
  }
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    // Zones (`%25en0`) are refused here rather than reproduced: no certificate c/image sees needs one.
    if (host.slice(0, i).includes('%25')) throw new URLError('IPv6 zone in URI host is not supported by imgpolicy');
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, 'host');
}

const VALID_USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new URLError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parseNoFragment(raw: string): GoURL {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new URLError('net/url: invalid control character in URL');
  }
  if (raw === '*') return { scheme: '', host: '', opaque: '' };
  const { scheme: rawScheme, rest: afterScheme } = getScheme(raw);
  const scheme = rawScheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.split('?').length === 2) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf('?');
    if (q >= 0) rest = rest.slice(0, q);
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, host: '', opaque: rest };
    const segment = rest.split('/')[0]!;
    if (segment.includes(':')) throw new URLError('first path segment in URL cannot contain colon');
  }
  let host = '';
  if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = '';
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    host = parseHost(at < 0 ? authority : authority.slice(at + 1));
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!VALID_USERINFO.test(userinfo)) throw new URLError('net/url: invalid userinfo');
      for (const part of userinfo.split(':').slice(0, 2)) unescape(part, 'user');
    }
  }
  unescape(rest, 'path');
  return { scheme, host, opaque: '' };
}

/** Go url.Parse; throws URLError with Go's `parse "…": …` text. */
export function parseURL(raw: string): GoURL {
  const hash = raw.indexOf('#');
  const u = hash >= 0 ? raw.slice(0, hash) : raw;
  let url: GoURL;
  try {
    url = parseNoFragment(u);
  } catch (e) {
    throw new URLError(`parse ${goQuote(u)}: ${(e as Error).message}`);
  }
  if (hash >= 0) {
    try {
      unescape(raw.slice(hash + 1), 'fragment');
    } catch (e) {
      throw new URLError(`parse ${goQuote(raw)}: ${(e as Error).message}`);
    }
  }
  return url;
}

/** Go's url.Redacted(): the userinfo password becomes `xxxxx`. */
export function redacted(u: URL): string {
  if (!u.password) return u.href;
  const c = new URL(u.href);
  c.password = 'xxxxx';
  return c.href;
}
