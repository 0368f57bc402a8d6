import { describe, test, expect, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDockerReference } from '../../../src/reference/index.js';
import {
  checkNotBlocked,
  defaultRegistryFor,
  findRegistry,
  loadRegistriesConf,
  mergeRegistriesConf,
  parseRegistriesConf,
  pullSourcesFromReference,
  refMatchingPrefix,
  registriesConfPaths,
} from '../../../src/registry/index.js';
import { Trace } from '../../../src/trace.js';

/** c/image's pull sources for `image` under the configuration text: physical references in order, or the error. */
function sources(conf: string, image: string): string[] | string {
  try {
    const c = mergeRegistriesConf([parseRegistriesConf(conf)]);
    const ref = parseDockerReference(image);
    const reg = findRegistry(c, ref.name()) ?? defaultRegistryFor(ref);
    return pullSourcesFromReference(reg, ref).map((s) => `${s.reference.toString()}${s.endpoint.insecure ? ' (insecure)' : ''}${s.mirror ? ' [mirror]' : ''}`);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

const D = 'sha256:' + 'a'.repeat(64);

describe('refMatchingPrefix (c/image TestRefMatchingPrefix)', () => {
  test.each([
    ['example.com', 'example.com', 11],
    ['example.com:5000', 'example.com', 11],
    ['example.com/foo', 'example.com', 11],
    ['example.com@sha256:x', 'example.com', 11],
    ['example.com.evil', 'example.com', -1],
    ['example.comx/foo', 'example.com', -1],
    ['example.co', 'example.com', -1],
    ['example.com/foo/bar', 'example.com/foo', 15],
    ['example.com/foobar', 'example.com/foo', -1],
    ['sub.example.com/foo', '*.example.com', 15],
    ['a.b.example.com:5000/foo', '*.example.com', 15],
    ['example.com/foo', '*.example.com', -1],
    ['evil.com/x.example.com/foo', '*.example.com', -1],
    ['sub.example.com.evil/foo', '*.example.com', -1],
    ['sub.example.com', '*.example.com', 15],
  ])('%s vs %s → %d', (ref, prefix, want) => {
    expect(refMatchingPrefix(ref, prefix)).toBe(want);
  });
});

describe('pull sources (registries.conf → which endpoint, in which order, which physical reference)', () => {
  const mirrors = `
[[registry]]
prefix = "example.com/app"
location = "primary.example.com/app"
[[registry.mirror]]
location = "m1.local/cache/app"
[[registry.mirror]]
location = "m2.local:5000"
insecure = true
`;
  test.each<[string, string, string, string[] | string]>([
    ['no configuration: the reference itself', '', 'example.com/app/x:v1', ['example.com/app/x:v1']],
    ['mirrors in file order, primary location last, prefix rewritten', mirrors, 'example.com/app/x:v1', ['m1.local/cache/app/x:v1 [mirror]', 'm2.local:5000/x:v1 (insecure) [mirror]', 'primary.example.com/app/x:v1']],
    ['digest references keep the digest', mirrors, `example.com/app/x@${D}`, [`m1.local/cache/app/x@${D} [mirror]`, `m2.local:5000/x@${D} (insecure) [mirror]`, `primary.example.com/app/x@${D}`]],
    ['prefix does not match a sibling repository', mirrors, 'example.com/application:v1', ['example.com/application:v1']],
    [
      'longest prefix wins',
      `${mirrors}\n[[registry]]\nprefix = "example.com"\nlocation = "other.local"\n`,
      'example.com/lib/y:v1',
      ['other.local/lib/y:v1'],
    ],
    [
      'wildcard prefix without location: the reference itself, with its mirrors',
      `[[registry]]\nprefix = "*.example.com"\n[[registry.mirror]]\nlocation = "cache.local/ex"\n`,
      'a.example.com/p/q:v1',
      ['cache.local/ex/p/q:v1 [mirror]', 'a.example.com/p/q:v1'],
    ],
    ['wildcard with location rewrites the host', `[[registry]]\nprefix = "*.example.com"\nlocation = "flat.local"\n`, 'a.b.example.com:5000/p:v1', ['flat.local:5000/p:v1']],
    [
      'pull-from-mirror = digest-only: skipped for tags',
      `[[registry]]\nlocation = "r.local"\n[[registry.mirror]]\nlocation = "d.local"\npull-from-mirror = "digest-only"\n[[registry.mirror]]\nlocation = "t.local"\npull-from-mirror = "tag-only"\n[[registry.mirror]]\nlocation = "a.local"\npull-from-mirror = "all"\n`,
      'r.local/x:v1',
      ['t.local/x:v1 [mirror]', 'a.local/x:v1 [mirror]', 'r.local/x:v1'],
    ],
    [
      'pull-from-mirror: digest-only used and tag-only skipped for digests',
      `[[registry]]\nlocation = "r.local"\n[[registry.mirror]]\nlocation = "d.local"\npull-from-mirror = "digest-only"\n[[registry.mirror]]\nlocation = "t.local"\npull-from-mirror = "tag-only"\n`,
      `r.local/x@${D}`,
      [`d.local/x@${D} [mirror]`, `r.local/x@${D}`],
    ],
    ['mirror-by-digest-only: no mirror for tags', `[[registry]]\nlocation = "r.local"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.local"\n`, 'r.local/x:v1', ['r.local/x:v1']],
    ['mirror-by-digest-only: mirrors for digests', `[[registry]]\nlocation = "r.local"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.local"\n`, `r.local/x@${D}`, [`m.local/x@${D} [mirror]`, `r.local/x@${D}`]],
    ['insecure registry', `[[registry]]\nlocation = "r.local"\ninsecure = true\n`, 'r.local/x:v1', ['r.local/x:v1 (insecure)']],
    ['trailing slash trimmed on location and prefix', `[[registry]]\nprefix = "e.com/a/"\nlocation = "r.local/b/"\n`, 'e.com/a/x:v1', ['r.local/b/x:v1']],
    ['mirror location keeps its trailing slash (c/image validates a copy), so the rewrite fails', `[[registry]]\nlocation = "r.local"\n[[registry.mirror]]\nlocation = "m.local/"\n`, 'r.local/x:v1', 'error: rewriting reference: invalid reference format'],
    ['a rewrite to a non-canonical name is refused', `[[registry]]\nprefix = "quay.io"\nlocation = "docker.io"\n`, 'quay.io/x:v1', 'error: rewriting reference: repository name must be canonical'],
    ['first entry of a prefix wins within a file', `[[registry]]\nprefix = "e.com"\nlocation = "one.local"\n[[registry]]\nprefix = "e.com"\nlocation = "two.local"\n`, 'e.com/x:v1', ['one.local/x:v1']],
    ['v1 format: insecure', `[registries.insecure]\nregistries = ["r.local"]\n`, 'r.local/x:v1', ['r.local/x:v1 (insecure)']],
  ])('%s', (_name, conf, image, want) => {
    expect(sources(conf, image)).toEqual(want);
  });
});

describe('parse errors (c/image texts)', () => {
  test.each<[string, string, string]>([
    ['both unset', `[[registry]]\ninsecure = true\n`, 'invalid condition: both location and prefix are unset'],
    ['no location, plain prefix', `[[registry]]\nprefix = "e.com"\n`, 'invalid condition: location is unset and prefix is not in the format: *.example.com'],
    ['scheme', `[[registry]]\nlocation = "https://e.com"\n`, "invalid location 'https://e.com': URI schemes are not supported"],
    ['mirror without location', `[[registry]]\nlocation = "e.com"\n[[registry.mirror]]\ninsecure = true\n`, 'invalid condition: mirror location is unset'],
    ['bad pull-from-mirror', `[[registry]]\nlocation = "e.com"\n[[registry.mirror]]\nlocation = "m.com"\npull-from-mirror = "sometimes"\n`, 'unsupported pull-from-mirror value "sometimes" for mirror "m.com"'],
    [
      'both mirror modes',
      `[[registry]]\nlocation = "e.com"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = "m.com"\npull-from-mirror = "all"\n`,
      'cannot set mirror usage mirror-by-digest-only for the registry ("e.com") and pull-from-mirror for per-mirror ("m.com") at the same time',
    ],
    ['pull-from-mirror on a registry', `[[registry]]\nlocation = "e.com"\npull-from-mirror = "all"\n`, 'pull-from-mirror must not be set for a non-mirror registry "e.com"'],
    ['conflicting insecure', `[[registry]]\nprefix = "a.com"\nlocation = "e.com"\n[[registry]]\nprefix = "b.com"\nlocation = "e.com"\ninsecure = true\n`, "registry 'e.com' is defined multiple times with conflicting 'insecure' setting"],
    ['conflicting blocked', `[[registry]]\nprefix = "a.com"\nlocation = "e.com"\nblocked = true\n[[registry]]\nprefix = "b.com"\nlocation = "e.com"\n`, "registry 'e.com' is defined multiple times with conflicting 'blocked' setting"],
    ['wildcard with a path', `[[registry]]\nprefix = "*.e.com/foo"\nlocation = "x.com"\n`, 'Wildcarded prefix should be in the format: *.example.com. Current prefix "*.e.com/foo" is incorrectly formatted'],
    ['short-name-mode', `short-name-mode = "loose"\n`, 'invalid short-name mode: "loose"'],
    ['search registry', `unqualified-search-registries = ["e.com/ns"]\n`, 'Invalid unqualified-search-registries entry "e.com/ns"'],
    ['v1 and v2 mixed', `unqualified-search-registries = ["e.com"]\n[registries.search]\nregistries = ["e.com"]\n`, 'mixing sysregistry v1/v2 is not supported'],
    ['wrong type', `[[registry]]\nlocation = "e.com"\ninsecure = "yes"\n`, 'toml: (last key "registry.insecure"): incompatible types: TOML value has type string; destination has type boolean'],
  ])('%s', (_name, conf, want) => {
    expect(() => parseRegistriesConf(conf)).toThrow(want);
  });
  test('drop-ins must be v2', () => {
    expect(() => parseRegistriesConf(`[registries.block]\nregistries = ["e.com"]\n`, true)).toThrow('registry must be in v2 format but is in v1');
  });
});

describe('files: paths, drop-ins, blocked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-rc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const etc = join(dir, 'etc');
  const home = join(dir, 'home');
  mkdirSync(join(etc, 'containers/registries.conf.d/sub.conf'), { recursive: true });
  mkdirSync(join(home, '.config/containers/registries.conf.d'), { recursive: true });
  writeFileSync(join(etc, 'containers/registries.conf'), `[[registry]]\nprefix = "e.com"\nlocation = "main.local"\n[[registry]]\nprefix = "z.com"\nlocation = "z.local"\n`);
  writeFileSync(join(etc, 'containers/registries.conf.d/10-a.conf'), `[[registry]]\nprefix = "e.com"\nlocation = "dropin.local"\nblocked = true\n`);
  writeFileSync(join(etc, 'containers/registries.conf.d/ignored.txt'), `not toml at all [[[`);
  writeFileSync(join(home, '.config/containers/registries.conf.d/20-user.conf'), `[[registry]]\nprefix = "u.com"\nlocation = "user.local"\n`);

  test('system file, then drop-ins replace whole entries by prefix, then per-user drop-ins', async () => {
    const trace = new Trace();
    const c = await loadRegistriesConf({ homeDir: home, etcDir: etc, env: {}, trace });
    expect(c.registries.map((r) => `${r.prefix}=${r.location}${r.blocked ? ' blocked' : ''}`)).toEqual(['e.com=dropin.local blocked', 'u.com=user.local', 'z.com=z.local']);
    expect(trace.events.map((e) => e.message)).toEqual([
      `Loading registries configuration "${join(etc, 'containers/registries.conf')}"`,
      `Loading registries configuration "${join(etc, 'containers/registries.conf.d/10-a.conf')}"`,
      `Loading registries configuration "${join(home, '.config/containers/registries.conf.d/20-user.conf')}"`,
    ]);
    expect(() => checkNotBlocked(c, 'e.com/x')).toThrow(
      `registry e.com is blocked in ${join(etc, 'containers/registries.conf')} or ${join(home, '.config/containers/registries.conf.d')}`,
    );
    expect(() => checkNotBlocked(c, 'z.com/x')).not.toThrow();
  });
  test('explicit path (option only; CONTAINERS_REGISTRIES_CONF is podman\'s and ignored): missing is an error; drop-ins still read', async () => {
    const missing = join(dir, 'nope.conf');
    await expect(loadRegistriesConf({ registriesConf: missing, homeDir: home, etcDir: etc, trace: new Trace() })).rejects.toThrow(
      `loading registries configuration "${missing}": open ${missing}: no such file or directory`,
    );
    // c/image (skopeo, CRI-O) never reads these variables; the trace says they were ignored.
    const env = { CONTAINERS_REGISTRIES_CONF: '/x.conf', REGISTRIES_CONFIG_PATH: '/y.conf' };
    const paths = await registriesConfPaths({ homeDir: home, etcDir: etc, env });
    expect(paths).toMatchObject({ configPath: join(etc, 'containers/registries.conf'), explicit: false });
    const t = new Trace();
    await loadRegistriesConf({ homeDir: home, etcDir: etc, env, trace: t });
    expect(t.events.map((e) => e.message).filter((m) => m.startsWith('Ignoring '))).toEqual([
      'Ignoring CONTAINERS_REGISTRIES_CONF="/x.conf": containers/image (skopeo, CRI-O) does not read it (podman does); use --registries-conf',
      'Ignoring REGISTRIES_CONFIG_PATH="/y.conf": containers/image (skopeo, CRI-O) does not read it (podman does); use --registries-conf',
    ]);
  });
  test('a per-user registries.conf replaces the system file and the system drop-ins', async () => {
    const h2 = join(dir, 'home2');
    mkdirSync(join(h2, '.config/containers'), { recursive: true });
    writeFileSync(join(h2, '.config/containers/registries.conf'), `[[registry]]\nprefix = "e.com"\nlocation = "mine.local"\n`);
    const c = await loadRegistriesConf({ homeDir: h2, etcDir: etc, env: {}, trace: new Trace() });
    expect(c.registries.map((r) => `${r.prefix}=${r.location}`)).toEqual(['e.com=mine.local']);
  });
  test('a bad drop-in names itself', async () => {
    const e2 = join(dir, 'etc2');
    mkdirSync(join(e2, 'containers/registries.conf.d'), { recursive: true });
    writeFileSync(join(e2, 'containers/registries.conf.d/bad.conf'), `[registries.search]\nregistries = ["x.com"]\n`);
    await expect(loadRegistriesConf({ homeDir: home, etcDir: e2, env: {}, trace: new Trace() })).rejects.toThrow(
      `loading drop-in registries configuration "${join(e2, 'containers/registries.conf.d/bad.conf')}": registry must be in v2 format but is in v1`,
    );
  });
});
