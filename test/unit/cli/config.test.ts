import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImgpolicyConfig } from '../../../src/cli/context.js';

/** Bundle support must stay off unless a user turns it on: it is the one extra that can change a verdict. */
describe('imgpolicy config (sigstore bundles opt-in)', () => {
  const home = mkdtempSync(join(tmpdir(), 'imgpolicy-config-'));
  const pe = (env: Record<string, string>, homeDir = home) => ({ env, homeDir, cwd: home, now: () => new Date() });
  const write = (dir: string, text: string) => {
    mkdirSync(join(dir, 'imgpolicy'), { recursive: true });
    writeFileSync(join(dir, 'imgpolicy', 'config.json'), text);
  };

  test('off when nothing is configured', async () => {
    expect(await loadImgpolicyConfig(pe({}, join(home, 'nobody')))).toEqual({});
  });
  test('on from $HOME/.config/imgpolicy/config.json', async () => {
    write(join(home, '.config'), '{"sigstoreBundles": true}');
    expect((await loadImgpolicyConfig(pe({}))).sigstoreBundles).toBe(true);
  });
  test('XDG_CONFIG_HOME is used instead of ~/.config', async () => {
    const xdg = join(home, 'xdg');
    write(xdg, '{"sigstoreBundles": false}');
    expect((await loadImgpolicyConfig(pe({ XDG_CONFIG_HOME: xdg }))).sigstoreBundles).toBe(false);
  });
  test('IMGPOLICY_SIGSTORE_BUNDLES wins over the file', async () => {
    expect((await loadImgpolicyConfig(pe({ IMGPOLICY_SIGSTORE_BUNDLES: 'false' }))).sigstoreBundles).toBe(false);
  });
  test('a non-boolean value is an error, not a silent default', async () => {
    const dir = join(home, 'bad');
    write(dir, '{"sigstoreBundles": "yes"}');
    await expect(loadImgpolicyConfig(pe({ XDG_CONFIG_HOME: dir }))).rejects.toThrow('"sigstoreBundles" must be true or false');
  });
});
