/**
 * policy-controller `images[].glob` → a containers/image docker scope.
 *
 * policy-controller's rules (pkg/apis/config GlobMatch): the glob is matched against the FULL reference name as
 * go-containerregistry spells it — `index.docker.io/library/busybox:latest`, `host/repo@sha256:…` (always with a tag
 * or digest); `**` matches anything including `/`, `*` anything but `/` (so `*` also crosses `:` and `@`); `.` is
 * literal; the whole string must match; the bare globs `*` and `*\/*` are read as `index.docker.io/library/*` and
 * `index.docker.io/*\/*`; only `[a-zA-Z0-9-_:/*.]` may appear.
 *
 * containers/image scopes are prefixes instead (host[:port], namespace, repository, repository:tag,
 * repository@digest, `*.domain`, or "" for the whole transport), over references normalised to `docker.io`, and only
 * the most specific matching scope applies. A glob maps to the narrowest scope that contains every image it matches,
 * so that a policy is never applied to FEWER images than policy-controller applies it to; where the scope is wider
 * the result says which images it adds.
 */
import { CrdError } from '../errors.js';

export interface GlobScope {
  /** The docker-transport scope ("" = every docker image). */
  readonly scope: string;
  readonly relation: 'equal' | 'wider' | 'matches-nothing';
  /** Why the scope is wider, or what it normalised, in words. */
  readonly detail?: string;
}

const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.]+$/;

export function globToScope(rawGlob: string): GlobScope {
  let glob = rawGlob;
  const notes: string[] = [];
  if (glob === '*/*') glob = 'index.docker.io/*/*';
  if (glob === '*') glob = 'index.docker.io/library/*';
  if (glob !== rawGlob) notes.push(`policy-controller reads ${JSON.stringify(rawGlob)} as ${JSON.stringify(glob)}`);
  if (!VALID_GLOB.test(glob)) throw new CrdError(`invalid glob ${JSON.stringify(rawGlob)}`);
  // go-containerregistry names Docker Hub index.docker.io; containers/image normalises it to docker.io.
  if (glob.startsWith('index.docker.io/')) {
    glob = `docker.io/${glob.slice('index.docker.io/'.length)}`;
    notes.push('index.docker.io is docker.io in containers/image');
  }
  const with_ = (g: GlobScope): GlobScope => (notes.length > 0 ? { ...g, detail: [g.detail, ...notes].filter(Boolean).join('; ') } : g);

  if (glob === '**') return with_({ scope: '', relation: 'equal' });
  const star = glob.indexOf('*');
  if (star < 0) {
    // Without a wildcard the glob must equal a whole name, which always carries a tag or digest.
    if (/[:@][^/]*$/.test(glob.slice(glob.indexOf('/') + 1)) && glob.includes('/')) return with_({ scope: glob, relation: 'equal' });
    return with_({ scope: glob, relation: 'matches-nothing', detail: `policy-controller matches names with a tag or digest only, so ${JSON.stringify(rawGlob)} matches no image; the scope covers the repository ${glob}` });
  }
  const prefix = glob.slice(0, star);
  const rest = glob.slice(star);
  const slash = prefix.indexOf('/');
  if (slash < 0) {
    // The wildcard is in the host part.
    if (prefix === '' && glob.startsWith('*.') && /^\*(\.[a-zA-Z0-9-]+)+(\/.*)?$/.test(glob)) {
      const host = glob.split('/')[0]!;
      const tail = glob.slice(host.length);
      if (tail === '/**') return with_({ scope: host, relation: 'equal', detail: `a host wildcard: *. matches one or more labels in both` });
      return with_({ scope: host, relation: 'wider', detail: `the scope covers every repository on hosts matching ${host}, the glob only those matching ${JSON.stringify(tail.slice(1))}` });
    }
    return with_({ scope: '', relation: 'wider', detail: `a wildcard inside the host name has no containers/image scope: the requirement applies to every docker image` });
  }
  const dir = prefix.slice(0, prefix.lastIndexOf('/'));
  if (rest === '**' && prefix.endsWith('/')) {
    return dir.includes('/')
      ? with_({ scope: dir, relation: 'wider', detail: `the scope also covers the repository ${dir} itself` })
      : with_({ scope: dir, relation: 'equal' });
  }
  if ((rest === '**' || rest === '*') && (prefix.endsWith(':') || prefix.endsWith('@')) && prefix.lastIndexOf('/') < prefix.length - 2) {
    const repo = prefix.slice(0, -1);
    return with_({
      scope: repo,
      relation: 'wider',
      detail: `the scope also covers ${prefix.endsWith(':') ? 'digest references of' : 'tag references of'} ${repo} and repositories below ${repo}/`,
    });
  }
  return with_({ scope: dir, relation: 'wider', detail: `a containers/image scope cannot end in a partial name: the scope covers everything below ${dir}/, the glob only names matching ${JSON.stringify(glob)}` });
}

/** containers/image scope nesting for the scopes globToScope produces ("" contains everything). */
export function scopeContains(outer: string, inner: string): boolean {
  if (outer === '' || outer === inner) return true;
  if (inner === '') return false;
  const next = inner[outer.length];
  // ':' and '@' separate a tag or digest only after a repository path; on a bare host ':' is a port.
  if (inner.startsWith(outer) && (next === '/' || (outer.includes('/') && (next === ':' || next === '@')))) return true;
  if (outer.startsWith('*.')) return inner.split('/')[0]!.endsWith(outer.slice(1));
  return false;
}
