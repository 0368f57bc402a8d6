/**
 * `imgpolicy inspect` on a skopeo-signed (GPG simple signing, real skopeo + gpg, pushed to a real registry) and a
 * Fulcio-signed image (the real public-good cosign keyless signature from containers/image's fixtures), and the
 * policy entries it suggests, checked by verifying the same image with them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWithRegistry, pushImage, startRegistry, tempDir, type TestRegistry } from '../helpers/registry-harness.js';
import { runCLI } from '../unit/cli/helpers/cli.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHOW = process.env['IMGPOLICY_SHOW_DIR'];
const show = (name: string, text: string) => {
  if (!SHOW) return;
  mkdirSync(SHOW, { recursive: true });
  writeFileSync(join(SHOW, name), text);
};

const upstream = resolve(root, '../shared/fixtures/containers-image');
const fulcioImage = join(upstream, 'dir-img-cosign-fulcio-rekor-valid');
const describeFulcio = existsSync(fulcioImage) ? describe : describe.skip;
if (!existsSync(fulcioImage)) console.warn(`skipping Fulcio inspect: ${fulcioImage} not present (../shared)`);

describeFulcio('inspect: a Fulcio (keyless) cosign signature', () => {
  test('shows certificate identity, issuer and Rekor time; the suggested fulcio entry verifies', async () => {
    const work = tempDir('imgpolicy-inspect-');
    try {
      const args = ['inspect', '--fulcio-ca', join(upstream, 'fulcio_v1.crt.pem'), '--rekor-key', join(upstream, 'rekor.pub'), `dir:${fulcioImage}`];
      const text = await runCLI(args, { cwd: work });
      show('inspect-fulcio.txt', text.stdout);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('   identity:  "192.168.64.2:5000/cosign-signed/fulcio-rekor-1" (no tag: as `cosign sign` writes it)\n');
      expect(text.stdout).toContain('   cert:      mitr@redhat.com, issuer https://github.com/login/oauth, valid 2023-01-20T20:51:31Z … 2023-01-20T21:01:31Z\n');
      expect(text.stdout).toContain('   Rekor:     integrated 2023-01-20T20:51:33Z');
      expect(text.stdout).toContain(`   verified by Fulcio CA ${join(upstream, 'fulcio_v1.crt.pem')} + Rekor key ${join(upstream, 'rekor.pub')}`);
      const json = JSON.parse((await runCLI([...args.slice(0, -1), '--output', 'json', args.at(-1)!], { cwd: work })).stdout);
      const s = json.signatures[0];
      expect(s.suggestion.requirement).toEqual({
        type: 'sigstoreSigned',
        fulcio: { caPath: join(upstream, 'fulcio_v1.crt.pem'), oidcIssuer: 'https://github.com/login/oauth', subjectEmail: 'mitr@redhat.com' },
        rekorPublicKeyPath: join(upstream, 'rekor.pub'),
        // dir: images have no docker identity: only exactRepository/exactReference can match (spec §3.3).
        signedIdentity: { type: 'exactRepository', dockerRepository: '192.168.64.2:5000/cosign-signed/fulcio-rekor-1' },
      });
      const p = join(work, 'suggested.json');
      writeFileSync(p, JSON.stringify(s.suggestedPolicy));
      const v = await runCLI(['verify', '--policy', p, `dir:${fulcioImage}`], { cwd: work });
      expect([v.code, v.stdout]).toEqual([0, expect.stringContaining('✔ allowed')]);
      // Without the trust roots the suggestion names placeholders instead of guessing.
      const bare = JSON.parse((await runCLI(['inspect', '--output', 'json', `dir:${fulcioImage}`], { cwd: work })).stdout);
      expect(bare.signatures[0].suggestion.placeholders).toEqual(['fulcio.caPath', 'rekorPublicKeyPath']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});

const haveSigners = spawnSync('skopeo', ['--version']).status === 0 && spawnSync('gpg', ['--version']).status === 0;
if (!haveSigners) console.warn('skipping skopeo-signed inspect: skopeo or gpg not on PATH');
const describeSkopeo = haveSigners ? describeWithRegistry : describe.skip;

describeSkopeo('inspect: a skopeo-signed (GPG simple signing) image in a registry', () => {
  let reg: TestRegistry;
  let work: string;
  let gnupg: string;
  beforeAll(async () => {
    work = tempDir('imgpolicy-inspect-gpg-');
    reg = await startRegistry('plain');
  }, 30_000);
  afterAll(async () => {
    // gpg started an agent for this GNUPGHOME: stop exactly that one.
    if (gnupg) spawnSync('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent']);
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('skopeo copy --sign-by: inspect names the GPG key; the suggested signedBy entry verifies', async () => {
    gnupg = join(work, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const gpg = (...args: string[]) => {
      const r = spawnSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    gpg('--quick-gen-key', 'imgpolicy test <signer@example.com>', 'rsa2048', 'sign', 'never');
    const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(gpg('--with-colons', '--list-keys'))![1]!;
    const keyFile = join(work, 'signer.asc');
    writeFileSync(keyFile, gpg('--armor', '--export', fpr));

    const H = reg.host;
    await pushImage(reg, 'src/app', 'v1', { content: 'gpg source' });
    const sigdir = join(work, 'sigstore');
    const regd = join(work, 'registries.d');
    mkdirSync(regd);
    writeFileSync(join(regd, 'sigs.yaml'), `docker:\n  ${H}:\n    sigstore: file://${sigdir}\n    sigstore-staging: file://${sigdir}\n`);
    const copy = spawnSync(
      'skopeo',
      ['--registries.d', regd, '--insecure-policy', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by', fpr, `docker://${H}/src/app:v1`, `docker://${H}/signed/app:v1`],
      { env, encoding: 'utf8' },
    );
    expect([copy.status, copy.stderr]).toEqual([0, expect.any(String)]);

    const image = `${H}/signed/app:v1`;
    const common = ['--tls-verify=false', '--registries.d', regd, '--key', keyFile];
    const text = await runCLI(['inspect', ...common, image], { cwd: work });
    show('inspect-skopeo-gpg.txt', text.stdout);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('1. simple signing (GPG, skopeo/podman --sign-by)');
    expect(text.stdout).toContain(`   identity:  "${image}"\n`);
    expect(text.stdout).toContain(`   GPG key:   ${fpr} (as the signature names it)\n`);
    expect(text.stdout).toContain(`   verified by ${keyFile} (key fingerprint ${fpr})`);
    const out = JSON.parse((await runCLI(['inspect', ...common, '--output', 'json', image], { cwd: work })).stdout);
    const s = out.signatures[0];
    // skopeo signs the exact tag, so the default signedIdentity (matchRepoDigestOrExact) accepts it.
    expect(s.suggestion.requirement).toEqual({ type: 'signedBy', keyType: 'GPGKeys', keyPath: keyFile });
    const p = join(work, 'suggested.json');
    writeFileSync(p, JSON.stringify(s.suggestedPolicy));
    const v = await runCLI(['verify', '--tls-verify=false', '--registries.d', regd, '--policy', p, image], { cwd: work });
    expect([v.code, v.stdout]).toEqual([0, expect.stringContaining('✔ allowed')]);
    // Another tag of the same repository is not covered by that entry: c/image's verdict, unchanged.
    const other = await runCLI(['verify', '--tls-verify=false', '--registries.d', regd, '--policy', p, `${H}/signed/app@${s.claims.manifestDigest}`], { cwd: work });
    expect(other.code).toBe(0); // a digest reference: matchRepoDigestOrExact accepts any tag of the repository
  }, 90_000);
});
