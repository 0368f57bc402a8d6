/** registries.d and credential lookup: files on disk, no network. */
import { describe, test, expect } from '@jest/globals';
import { mkdirSync, opendirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageReference } from '../../src/reference/index.js';
import {
  getCredentialsForRef,
  loadAndMergeRegistriesD,
  loadRegistriesD,
  lookasideBaseURL,
  useSigstoreAttachments,
} from '../../src/registry/index.js';
import { Trace } from '../../src/trace.js';
import { tempDir } from '../helpers/registry-harness.js';

function dirWith(files: Record<string, string>): string {
  const dir = tempDir('imgpolicy-regd-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const ref = parseImageReference('docker://registry.example.com/team/app:v1');

describe('registries.d', () => {
  test.each([
    // [case, yaml, expected use-sigstore-attachments]
    ['nothing configured', 'docker: {}\n', false],
    ['default-docker only', 'default-docker:\n  use-sigstore-attachments: true\n', true],
    ['namespace beats default', 'default-docker:\n  use-sigstore-attachments: true\ndocker:\n  registry.example.com/team:\n    use-sigstore-attachments: false\n', false],
    ['a more specific section without the key is skipped', 'docker:\n  registry.example.com/team/app:\n    lookaside: https://x\n  registry.example.com:\n    use-sigstore-attachments: true\n', true],
    ['identity section decides', 'docker:\n  registry.example.com/team/app:v1:\n    use-sigstore-attachments: true\n  registry.example.com:\n    use-sigstore-attachments: false\n', true],
    ['yaml.v3 accepts YAML 1.1 booleans for bool fields', 'default-docker:\n  use-sigstore-attachments: yes\n', true],
  ])('%s', async (_name, yaml, want) => {
    const cfg = await loadAndMergeRegistriesD(dirWith({ 'a.yaml': yaml }));
    expect(useSigstoreAttachments(cfg, ref, new Trace())).toBe(want);
  });

  /** Go's Readdirnames order (the directory's own, not sorted), which decides which file c/image names first. */
  const inDirectoryOrder = (dir: string, names: string[]): string[] => {
    const d = opendirSync(dir);
    const order: string[] = [];
    for (let e = d.readSync(); e !== null; e = d.readSync()) order.push(e.name);
    d.closeSync();
    return names.sort((x, y) => order.indexOf(x) - order.indexOf(y)).map((n) => join(dir, n));
  };

  test('duplicate definitions across files are errors, worded as c/image, naming the files in directory order', async () => {
    const d1 = dirWith({ 'a.yaml': 'default-docker:\n  lookaside: file:///a\n', 'b.yaml': 'default-docker:\n  lookaside: file:///b\n' });
    const [f1, f2] = inDirectoryOrder(d1, ['a.yaml', 'b.yaml']);
    await expect(loadAndMergeRegistriesD(d1)).rejects.toThrow(
      `Error parsing signature storage configuration: "default-docker" defined both in "${f1}" and "${f2}"`,
    );
    const d2 = dirWith({ 'a.yaml': 'docker:\n  quay.io:\n    lookaside: file:///a\n', 'b.yaml': 'docker:\n  quay.io: {}\n', 'c.yml': 'ignored: [' });
    const [g1, g2] = inDirectoryOrder(d2, ['a.yaml', 'b.yaml']);
    await expect(loadAndMergeRegistriesD(d2)).rejects.toThrow(
      `Error parsing signature storage configuration: "docker" namespace "quay.io" defined both in "${g1}" and "${g2}"`,
    );
  });

  test('bad YAML names the file', async () => {
    const d = dirWith({ 'a.yaml': 'default-docker:\n  use-sigstore-attachments: maybe\n' });
    await expect(loadAndMergeRegistriesD(d)).rejects.toThrow(`parsing ${join(d, 'a.yaml')}: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str \`maybe\` into bool`);
  });

  test('lookaside: first section with a URL, repository path appended; built-in defaults for root and users', async () => {
    const cfg = await loadAndMergeRegistriesD(dirWith({ 'a.yaml': 'default-docker:\n  sigstore: https://sigs.example.com/base\ndocker:\n  registry.example.com/team:\n    use-sigstore-attachments: true\n' }));
    const t = new Trace();
    expect(lookasideBaseURL(cfg, ref, { homeDir: '/home/u', euid: 0 }, t).href).toBe('https://sigs.example.com/base/team/app');
    expect(t.events.map((e) => e.message)).toContain('  Using "sigstore" https://sigs.example.com/base');
    const empty = await loadAndMergeRegistriesD(dirWith({}));
    expect(lookasideBaseURL(empty, ref, { homeDir: '/home/u', euid: 0 }, t).href).toBe('file:///var/lib/containers/sigstore/team/app');
    expect(lookasideBaseURL(empty, ref, { homeDir: '/home/u', euid: 1000 }, t).href).toBe('file:///home/u/.local/share/containers/sigstore/team/app');
  });

  test('directory choice: override, else ~/.config/containers/registries.d if it exists, else /etc', async () => {
    const home = tempDir('imgpolicy-home-');
    const t = new Trace();
    expect((await loadRegistriesD({ homeDir: home, trace: t })).dir).toBe('/etc/containers/registries.d');
    mkdirSync(join(home, '.config/containers/registries.d'), { recursive: true });
    expect((await loadRegistriesD({ homeDir: home, trace: t })).dir).toBe(join(home, '.config/containers/registries.d'));
    expect((await loadRegistriesD({ homeDir: home, registriesDir: '/nonexistent', trace: t })).dir).toBe('/nonexistent');
    expect(t.events[0]!.message).toBe('Using registries.d directory /etc/containers/registries.d');
  });
});

describe('credentials (c/image order)', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const setup = () => {
    const home = tempDir('imgpolicy-home-');
    const runtime = join(home, 'run');
    mkdirSync(join(runtime, 'containers'), { recursive: true });
    mkdirSync(join(home, '.config/containers'), { recursive: true });
    mkdirSync(join(home, '.docker'), { recursive: true });
    return { home, runtime };
  };
  const get = (key: string, home: string, over: Record<string, unknown> = {}) =>
    getCredentialsForRef(key, { env: {}, homeDir: home, euid: 1000, trace: new Trace(), ...over });

  test('--creds wins; else XDG_RUNTIME_DIR auth.json, then ~/.config, then ~/.docker/config.json', async () => {
    const { home, runtime } = setup();
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ auths: { 'quay.io': { auth: b64('docker:d') } } }));
    expect((await get('quay.io/a/b', home, { env: { XDG_RUNTIME_DIR: runtime } })).username).toBe('docker');
    writeFileSync(join(home, '.config/containers/auth.json'), JSON.stringify({ auths: { 'quay.io/a': { auth: b64('config:c') } } }));
    expect((await get('quay.io/a/b', home, { env: { XDG_RUNTIME_DIR: runtime } })).username).toBe('config');
    writeFileSync(join(runtime, 'containers/auth.json'), JSON.stringify({ auths: { 'https://quay.io/v1/': { auth: b64('runtime:r') } } }));
    expect(await get('quay.io/a/b', home, { env: { XDG_RUNTIME_DIR: runtime } })).toEqual({ username: 'runtime', password: 'r', identityToken: '' });
    expect((await get('quay.io/a/b', home, { env: { XDG_RUNTIME_DIR: runtime }, creds: 'cli:x' })).username).toBe('cli');
  });

  test('--authfile / REGISTRY_AUTH_FILE replace the default list', async () => {
    const { home } = setup();
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ auths: { 'quay.io': { auth: b64('docker:d') } } }));
    const only = join(home, 'only.json');
    writeFileSync(only, JSON.stringify({ auths: {} }));
    expect((await get('quay.io/a/b', home, { env: { REGISTRY_AUTH_FILE: only } })).username).toBe('');
    expect((await get('quay.io/a/b', home, { authfile: only })).username).toBe('');
  });

  test('credHelpers: docker-credential-<helper> get; a missing helper is an error', async () => {
    const { home } = setup();
    const bin = join(home, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker-credential-fake'), '#!/bin/sh\nread host\necho "{\\"ServerURL\\":\\"$host\\",\\"Username\\":\\"helper-user\\",\\"Secret\\":\\"helper-secret\\"}"\n', { mode: 0o755 });
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ credHelpers: { 'quay.io': 'fake', 'ghcr.io': 'absent' } }));
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    expect(await get('quay.io/a/b', home, { env })).toEqual({ username: 'helper-user', password: 'helper-secret', identityToken: '' });
    await expect(get('ghcr.io/a/b', home, { env })).rejects.toThrow('error getting credentials - err: exec: "docker-credential-absent": executable file not found in $PATH');
  });
});
