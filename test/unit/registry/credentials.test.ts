/**
 * Registry credentials as c/image 5.34 pkg/docker/config finds them for a pull (GetCredentialsForRef), through
 * temporary homes and explicit environments. Error texts are the ones skopeo 1.18 printed after "getting username
 * and password: " for the same files (--src-authfile, or $HOME/.dockercfg). Credential helpers are real child
 * processes: small scripts on the PATH given in the environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { authFilePaths, authKeysForKey, getCredentialsForRef, parseCreds, type CredentialOptions } from '../../../src/registry/credentials.js';
import { Trace } from '../../../src/trace.js';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A home with the runtime and config directories, and `bin/` for credential helpers. */
function home(): { dir: string; runtime: string; bin: string; env: Record<string, string>; write: (rel: string, content: unknown) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-creds-'));
  roots.push(dir);
  const runtime = join(dir, 'run');
  const bin = join(dir, 'bin');
  for (const d of [join(runtime, 'containers'), join(dir, '.config/containers'), join(dir, '.docker'), bin]) mkdirSync(d, { recursive: true });
  const write = (rel: string, content: unknown) => {
    const path = join(dir, rel);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o755 });
    return path;
  };
  return { dir, runtime, bin, env: { XDG_RUNTIME_DIR: runtime, PATH: `${bin}:/usr/bin:/bin` }, write };
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const auths = (entries: Record<string, unknown>) => ({ auths: entries });
const user = (name: string) => ({ auth: b64(`${name}:pw-${name}`) });

async function lookup(key: string, h: ReturnType<typeof home>, over: Partial<CredentialOptions> = {}) {
  const trace = new Trace();
  const creds = await getCredentialsForRef(key, { env: h.env, homeDir: h.dir, euid: 4242, trace, ...over });
  return { creds, trace };
}
const username = async (key: string, h: ReturnType<typeof home>, over: Partial<CredentialOptions> = {}) => (await lookup(key, h, over)).creds.username;
const failure = (key: string, h: ReturnType<typeof home>, over: Partial<CredentialOptions> = {}) =>
  lookup(key, h, over).then(
    () => 'no error',
    (e: Error) => e.message,
  );

describe('which files, in which order', () => {
  test('default list: $XDG_RUNTIME_DIR, $XDG_CONFIG_HOME, $DOCKER_CONFIG, then the legacy ~/.dockercfg', async () => {
    const h = home();
    const env = { XDG_RUNTIME_DIR: h.runtime, XDG_CONFIG_HOME: '/xdg', DOCKER_CONFIG: '/dc' };
    expect(await authFilePaths({ env, homeDir: h.dir, euid: 7, trace: new Trace() })).toEqual([
      { path: join(h.runtime, 'containers/auth.json'), legacyFormat: false },
      { path: '/xdg/containers/auth.json', legacyFormat: false },
      { path: '/dc/config.json', legacyFormat: false },
      { path: join(h.dir, '.dockercfg'), legacyFormat: true },
    ]);
  });
  test('without the variables: /run/containers/$UID, ~/.config, ~/.docker', async () => {
    const h = home();
    expect((await authFilePaths({ env: {}, homeDir: h.dir, euid: 7, trace: new Trace() })).map((p) => p.path)).toEqual([
      '/run/containers/7/auth.json',
      join(h.dir, '.config/containers/auth.json'),
      join(h.dir, '.docker/config.json'),
      join(h.dir, '.dockercfg'),
    ]);
  });
  test('a missing $XDG_RUNTIME_DIR is skipped with c/image’s warning', async () => {
    const h = home();
    const trace = new Trace();
    const paths = await authFilePaths({ env: { XDG_RUNTIME_DIR: join(h.dir, 'gone') }, homeDir: h.dir, euid: 7, trace });
    expect(paths[0]!.path).toBe(join(h.dir, '.config/containers/auth.json'));
    expect(trace.events[0]).toMatchObject({ level: 'warn', message: expect.stringContaining('directory set by $XDG_RUNTIME_DIR does not exist') });
  });
  test('the first file with credentials wins', async () => {
    const h = home();
    h.write('.dockercfg', { 'https://quay.io/v1/': user('legacy') });
    expect(await username('quay.io/a/b', h)).toBe('legacy');
    h.write('.docker/config.json', auths({ 'quay.io': user('docker') }));
    expect(await username('quay.io/a/b', h)).toBe('docker');
    h.write('.config/containers/auth.json', auths({ 'quay.io': user('config') }));
    expect(await username('quay.io/a/b', h)).toBe('config');
    h.write('run/containers/auth.json', auths({ 'quay.io': user('runtime') }));
    expect(await username('quay.io/a/b', h)).toBe('runtime');
  });
  test('a file whose entry has no usable credentials does not stop the search', async () => {
    const h = home();
    h.write('run/containers/auth.json', auths({ 'quay.io': { auth: b64('no-colon') }, 'quay.io/a': {} }));
    h.write('.docker/config.json', auths({ 'quay.io': user('docker') }));
    const { creds, trace } = await lookup('quay.io/a/b', h);
    expect(creds.username).toBe('docker');
    expect(trace.events.map((e) => e.message)).toContain(
      `Found an empty credential entry "quay.io/a" in ${JSON.stringify(join(h.runtime, 'containers/auth.json'))} (an unhandled credential helper marker?), moving on`,
    );
  });
  test('--authfile, or $REGISTRY_AUTH_FILE, is the only file read', async () => {
    const h = home();
    h.write('.docker/config.json', auths({ 'quay.io': user('docker') }));
    const only = h.write('only.json', auths({ 'ghcr.io': user('only') }));
    expect(await username('quay.io/a/b', h, { authfile: only })).toBe('');
    expect(await username('quay.io/a/b', h, { env: { ...h.env, REGISTRY_AUTH_FILE: only } })).toBe('');
    expect(await username('ghcr.io/a/b', h, { env: { ...h.env, REGISTRY_AUTH_FILE: join(h.dir, 'missing.json') }, authfile: only })).toBe('only');
  });
  test('--creds wins over every file', async () => {
    const h = home();
    h.write('run/containers/auth.json', auths({ 'quay.io': user('runtime') }));
    expect((await lookup('quay.io/a/b', h, { creds: 'cli:secret:with:colons' })).creds).toEqual({ username: 'cli', password: 'secret:with:colons', identityToken: '' });
  });
});

describe('which entry of a file', () => {
  const file = auths({ 'quay.io': user('host'), 'quay.io/ns': user('namespace'), 'quay.io/ns/repo': user('repo') });
  test.each([
    ['quay.io/ns/repo', 'repo'],
    ['quay.io/ns/other', 'namespace'],
    ['quay.io/ns/repo/deeper', 'repo'],
    ['quay.io/nsx/repo', 'host'],
    ['quay.io', 'host'],
  ])('%s → the %s entry (most specific first)', async (key, want) => {
    const h = home();
    h.write('run/containers/auth.json', file);
    expect(await username(key, h)).toBe(want);
  });
  test.each([
    ['https://quay.io/v1/', 'quay.io/a/b'],
    ['http://quay.io', 'quay.io/a/b'],
    ['https://quay.io/some/path', 'quay.io/a/b'], // the scheme-prefixed key keeps its host only
    ['https://index.docker.io/v1/', 'docker.io/library/busybox'],
    ['registry-1.docker.io', 'docker.io/library/busybox'],
  ])('the Docker-style key %s serves %s', async (entry, key) => {
    const h = home();
    h.write('.docker/config.json', auths({ [entry]: user('normalised') }));
    expect(await username(key, h)).toBe('normalised');
  });
  test('a path after a plain host key is not normalised away', async () => {
    const h = home();
    h.write('.docker/config.json', auths({ 'quay.io/other': user('other') }));
    expect(await username('quay.io/a/b', h)).toBe('');
  });
  test('the legacy ~/.dockercfg is keyed by registry only', async () => {
    const h = home();
    h.write('.dockercfg', { 'quay.io/ns': user('legacy') });
    expect(await username('quay.io/other/repo', h)).toBe('legacy');
  });
  test('the lookup keys of a repository', () => {
    expect(authKeysForKey('quay.io/repo/ns/image')).toEqual(['quay.io/repo/ns/image', 'quay.io/repo/ns', 'quay.io/repo', 'quay.io']);
  });
});

describe('the "auth" and "identitytoken" members', () => {
  const one = async (entry: unknown) => {
    const h = home();
    h.write('run/containers/auth.json', auths({ 'quay.io': entry }));
    return lookup('quay.io/a', h);
  };
  test.each([
    ['user:pass', { username: 'user', password: 'pass', identityToken: '' }],
    ['user:pa:ss', { username: 'user', password: 'pa:ss', identityToken: '' }],
    ['user:pass\0\0', { username: 'user', password: 'pass', identityToken: '' }],
    [':pass', { username: '', password: 'pass', identityToken: '' }],
  ])('%j', async (decoded, want) => {
    expect((await one({ auth: b64(decoded) })).creds).toEqual(want);
  });
  test('line breaks inside the base64 are skipped, as Go’s decoder does', async () => {
    expect((await one({ auth: b64('user:pass').replace(/^(.{4})/, '$1\n') })).creds.username).toBe('user');
  });
  test('identitytoken comes with the username', async () => {
    expect((await one({ auth: b64('<token>:'), identitytoken: 'refresh' })).creds).toEqual({ username: '<token>', password: '', identityToken: 'refresh' });
  });
  test('no colon: no credentials, and a warning that does not quote the secret', async () => {
    const { creds, trace } = await one({ auth: b64('secretwithoutcolon') });
    expect(creds.username).toBe('');
    const warning = trace.events.find((e) => e.level === 'warn')!.message;
    expect(warning).toMatch(/^Error parsing the "auth" field of a credential entry "quay.io" in ".*", missing semicolon$/);
    expect(warning).not.toContain('secret');
  });
  test.each([
    ['YQ=', 'illegal base64 data at input byte 3'],
    ['dXN!cjpw', 'illegal base64 data at input byte 3'],
    ['dXNlcjpwYXNz=', 'illegal base64 data at input byte 12'],
  ])('auth %j: %s', async (auth, message) => {
    await expect(one({ auth })).rejects.toThrow(message);
  });
});

describe('files c/image cannot read', () => {
  const unmarshal = (path: string, text: string) => `reading JSON file "${path}": unmarshaling JSON at "${path}": json: cannot unmarshal ${text}`;
  test.each([
    ['[]', 'array into Go value of type config.dockerConfigFile'],
    ['{"auths":[]}', 'array into Go struct field dockerConfigFile.auths of type map[string]config.dockerAuthConfig'],
    ['{"auths":{"quay.io":5}}', 'number into Go struct field dockerConfigFile.auths of type config.dockerAuthConfig'],
    ['{"auths":{"quay.io":{"auth":5}}}', 'number into Go struct field dockerAuthConfig.auths.auth of type string'],
    ['{"auths":{"elsewhere.io":{"auth":true}}}', 'bool into Go struct field dockerAuthConfig.auths.auth of type string'],
    ['{"auths":{"quay.io":{"auth":"dXNlcjpwYXNz","identitytoken":5}}}', 'number into Go struct field dockerAuthConfig.auths.identitytoken of type string'],
    ['{"credHelpers":{"quay.io":5}}', 'number into Go struct field dockerConfigFile.credHelpers of type string'],
  ])('%s', async (text, message) => {
    const h = home();
    const path = h.write('auth.json', text);
    expect(await failure('quay.io/a', h, { authfile: path })).toBe(unmarshal(path, message));
  });
  test.each([
    ['[]', 'array into Go value of type map[string]config.dockerAuthConfig'],
    ['{"quay.io":5}', 'number into Go value of type config.dockerAuthConfig'],
    ['{"quay.io":{"auth":5}}', 'number into Go struct field dockerAuthConfig.auth of type string'],
  ])('legacy ~/.dockercfg %s', async (text, message) => {
    const h = home();
    const path = h.write('.dockercfg', text);
    expect(await failure('quay.io/a', h)).toBe(unmarshal(path, message));
  });
  test('null members are as absent; unknown members such as credsStore are ignored', async () => {
    const h = home();
    h.write('run/containers/auth.json', { auths: { 'quay.io': { auth: null, identitytoken: null } }, credHelpers: null, credsStore: 5 });
    h.write('.docker/config.json', { auths: null, credsStore: 'desktop' });
    expect((await lookup('quay.io/a', h)).creds).toEqual({ username: '', password: '', identityToken: '' });
  });
  test('not JSON: Go’s syntax error, never the file’s text', async () => {
    const h = home();
    const path = h.write('auth.json', '{"auths": {"quay.io": {"auth": "c2VjcmV0"}');
    const message = await failure('quay.io/a', h, { authfile: path });
    expect(message).toBe(`reading JSON file "${path}": unmarshaling JSON at "${path}": unexpected end of JSON input`);
  });
});

describe('credential helpers (docker-credential-<name> get, registry on stdin)', () => {
  const helper = (h: ReturnType<typeof home>, name: string, script: string) => h.write(`bin/docker-credential-${name}`, `#!/bin/sh\nread registry\n${script}\n`);
  const answers = (h: ReturnType<typeof home>) => helper(h, 'answers', 'printf \'{"ServerURL":"%s","Username":"u-%s","Secret":"s3cret"}\' "$registry" "$registry"');
  test('credHelpers[registry] is asked with the registry, and beats auths in the same file', async () => {
    const h = home();
    answers(h);
    h.write('run/containers/auth.json', { credHelpers: { 'quay.io': 'answers' }, auths: { 'quay.io': user('file') } });
    expect((await lookup('quay.io/ns/repo', h)).creds).toEqual({ username: 'u-quay.io', password: 's3cret', identityToken: '' });
  });
  test('a "<token>" username makes the secret an identity token', async () => {
    const h = home();
    helper(h, 'token', 'echo \'{"Username":"<token>","Secret":"refresh"}\'');
    h.write('run/containers/auth.json', { credHelpers: { 'quay.io': 'token' } });
    expect((await lookup('quay.io/a', h)).creds).toEqual({ username: '', password: '', identityToken: 'refresh' });
  });
  test('"credentials not found in native keychain" is no credentials; the next file is read', async () => {
    const h = home();
    helper(h, 'empty', 'echo "credentials not found in native keychain"; exit 1');
    h.write('run/containers/auth.json', { credHelpers: { 'quay.io': 'empty' } });
    h.write('.docker/config.json', auths({ 'quay.io': user('docker') }));
    expect(await username('quay.io/a', h)).toBe('docker');
  });
  test('a failing helper is an error with its exit status and output', async () => {
    const h = home();
    helper(h, 'broken', 'echo "  backend down  "; exit 3');
    h.write('run/containers/auth.json', { credHelpers: { 'quay.io': 'broken' } });
    expect(await failure('quay.io/a', h)).toBe('error getting credentials - err: exit status 3, out: `backend down`');
  });
  test('a helper that is not on PATH', async () => {
    const h = home();
    h.write('run/containers/auth.json', { credHelpers: { 'quay.io': 'absent' } });
    expect(await failure('quay.io/a', h)).toBe('error getting credentials - err: exec: "docker-credential-absent": executable file not found in $PATH, out: ``');
  });
  test('Docker’s credsStore is not consulted (c/image has no such field)', async () => {
    const h = home();
    answers(h);
    h.write('run/containers/auth.json', { credsStore: 'answers' });
    const { creds, trace } = await lookup('quay.io/a', h);
    expect(creds.username).toBe('');
    expect(trace.events.some((e) => e.data?.['hint'] === 'credsStore-ignored')).toBe(true);
  });
  test('registries.conf credential-helpers are tried in order; the first with credentials wins', async () => {
    const h = home();
    answers(h);
    h.write('run/containers/auth.json', auths({ 'quay.io': user('file') }));
    expect(await username('quay.io/a', h, { helpers: ['answers', 'containers-auth.json'] })).toBe('u-quay.io');
    expect(await username('quay.io/a', h, { helpers: ['containers-auth.json', 'answers'] })).toBe('file');
  });
  test('errors are reported only when no helper had credentials, all of them, in c/image’s format', async () => {
    const h = home();
    answers(h);
    const notFound = 'error getting credentials - err: exec: "docker-credential-absent": executable file not found in $PATH, out: ``';
    expect(await username('quay.io/a', h, { helpers: ['absent', 'answers'] })).toBe('u-quay.io');
    expect(await failure('quay.io/a', h, { helpers: ['absent'] })).toBe(notFound);
    expect(await failure('quay.io/a', h, { helpers: ['absent', 'absent'] })).toBe(`errors looking up credentials:\n\t* ${notFound}\nt* ${notFound}\n`);
  });
});

describe('keys and --creds c/image refuses', () => {
  test.each([
    ['https://quay.io/a', 'key https://quay.io/a contains http[s]:// prefix'],
    ['quay.io/a@sha256:00', "key quay.io/a@sha256:00 contains a '@' character"],
    ['quay.io/a:tag', "key quay.io/a:tag contains a ':' character after host[:port]"],
  ])('key %s', async (key, message) => {
    expect(await failure(key, home())).toBe(message);
  });
  test.each([
    ['', "credentials can't be empty"],
    [':pass', "username can't be empty"],
  ])('--creds %j', (creds, message) => {
    expect(() => parseCreds(creds)).toThrow(message);
  });
  test('--creds without a colon is a username with an empty password', () => {
    expect(parseCreds('alone')).toEqual({ username: 'alone', password: '', identityToken: '' });
  });
});
