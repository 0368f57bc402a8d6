import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImageSourceError } from '../../src/errors.js';
import { openDockerImageSource, type DockerSourceOptions } from '../../src/image/docker-source.js';
import { serializeSignatureBlob } from '../../src/image/signature-blob.js';
import { parseImageReference } from '../../src/reference/index.js';
import { RegistryPool } from '../../src/registry/index.js';
import { Trace } from '../../src/trace.js';
import {
  describeWithRegistry,
  makeTestCA,
  MT,
  pushImage,
  pushMultiArch,
  pushSigstoreAttachments,
  startRegistry,
  startTokenServer,
  tempDir,
  type TestRegistry,
  type TokenServer,
} from '../helpers/registry-harness.js';

/** A registries.d directory with one default-docker section. */
function registriesD(root: string, name: string, yaml: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'default.yaml'), yaml);
  return dir;
}

describeWithRegistry('docker transport against a real docker-registry', () => {
  let plain: TestRegistry;
  let tls: TestRegistry;
  let tokenReg: TestRegistry;
  let tokenServer: TokenServer;
  let work: string;
  let lookaside: string;
  let regDOn: string; // attachments on, file lookaside
  let regDOff: string; // attachments off
  let home: string;

  beforeAll(async () => {
    work = tempDir('imgpolicy-regtest-');
    home = join(work, 'home');
    mkdirSync(home);
    lookaside = join(work, 'lookaside');
    regDOn = registriesD(work, 'on', `default-docker:\n  use-sigstore-attachments: true\n  lookaside: file://${lookaside}\n`);
    regDOff = registriesD(work, 'off', `default-docker:\n  lookaside: file://${lookaside}\n`);
    tokenServer = await startTokenServer(join(work, 'token'));
    [plain, tls, tokenReg] = await Promise.all([
      startRegistry('plain'),
      startRegistry('tls-basic'),
      startRegistry('token', { tokenServer }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([plain?.stop(), tls?.stop(), tokenReg?.stop()]);
    await tokenServer?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const options = (over: Partial<DockerSourceOptions> = {}): DockerSourceOptions => ({
    env: {},
    homeDir: home,
    trace: new Trace(),
    tlsVerify: false,
    registriesDir: regDOn,
    euid: 0,
    retry: { initialDelayMs: 10 },
    ...over,
  });
  const open = (image: string, over: Partial<DockerSourceOptions> = {}) => {
    const opts = options(over);
    const src = openDockerImageSource(parseImageReference(`docker://${image}`), opts);
    return { src, trace: opts.trace };
  };
  const messages = (t: Trace): string[] => t.events.map((e) => e.message);

  describe('manifests', () => {
    test('by tag: bytes and MIME type as served; fetched once however often asked', async () => {
      const img = await pushImage(plain, 'test/bytag', 'v1');
      const { src, trace } = open(`${plain.host}/test/bytag:v1`);
      const [a, b] = await Promise.all([src.manifest(), src.manifest()]);
      expect(Buffer.from(a.bytes).toString()).toBe(img.manifest);
      expect(a.mimeType).toBe(MT.ociManifest);
      expect(b).toBe(a);
      expect(src.manifest()).toBe(src.manifest());
      const gets = messages(trace).filter((m) => m.startsWith('GET ') && m.includes('/manifests/'));
      expect(gets).toHaveLength(1);
      // tls-verify=false: https first, then plain http (c/image's fallback)
      expect(messages(trace).some((m) => m.startsWith(`Ping https://${plain.host}/v2/ err`))).toBe(true);
      expect(messages(trace)).toContain(`Ping http://${plain.host}/v2/ status 200`);
    });

    test('by digest, and a Docker schema2 image', async () => {
      const img = await pushImage(plain, 'test/bydigest', 'v1', { format: 'docker' });
      const { src } = open(`${plain.host}/test/bydigest@${img.digest}`);
      const m = await src.manifest();
      expect(Buffer.from(m.bytes).toString()).toBe(img.manifest);
      expect(m.mimeType).toBe(MT.dockerManifest);
    });

    test('manifest unknown is worded as c/image words it', async () => {
      const { src } = open(`${plain.host}/test/doesnotexist:v1`);
      const err = await src.manifest().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageSourceError);
      expect((err as Error).message).toBe(
        `initializing source docker://${plain.host}/test/doesnotexist:v1: reading manifest v1 in ${plain.host}/test/doesnotexist: manifest unknown`,
      );
    });

    test('https required by default: a plain-HTTP registry fails the ping like Go does', async () => {
      const { src } = open(`${plain.host}/test/bytag:v1`, { tlsVerify: true });
      await expect(src.manifest()).rejects.toThrow(
        `initializing source docker://${plain.host}/test/bytag:v1: pinging container registry ${plain.host}: Get "https://${plain.host}/v2/": http: server gave HTTP response to HTTPS client`,
      );
    });
  });

  describe('manifest lists', () => {
    let oci: { digest: string; instances: Record<string, string> };
    let dockerList: { digest: string; instances: Record<string, string> };
    beforeAll(async () => {
      oci = await pushMultiArch(plain, 'test/multi', 'v1', [{ arch: 'amd64' }, { arch: 'arm64' }, { arch: 'arm', variant: 'v6' }, { arch: 'arm', variant: 'v7' }]);
      dockerList = await pushMultiArch(plain, 'test/multi-docker', 'v1', [{ arch: 'amd64' }, { arch: 'arm64' }], 'docker');
    });

    test.each([
      ['linux/amd64', 'amd64'],
      ['linux/arm64', 'arm64'],
      // c/image's variant compatibility: a v8 CPU runs v7 (and older) images, most recent first
      ['linux/arm/v8', 'arm/v7'],
      ['linux/arm/v6', 'arm/v6'],
    ])('OCI index, platform %s → the %s instance, with c/image\'s trace line', async (platform, key) => {
      const { src, trace } = open(`${plain.host}/test/multi:v1`, { platform });
      const m = await src.manifest();
      const want = oci.instances[key]!;
      expect(m.mimeType).toBe(MT.ociManifest);
      const line = `Source is a manifest list; copying (only) instance ${want} for current system`;
      expect(messages(trace)).toContain(line);
      expect(src.notes).toEqual([line]);
    });

    test('Docker schema2 list, platform object as the CLI passes it', async () => {
      const { src } = open(`${plain.host}/test/multi-docker:v1`, { platform: { os: 'linux', architecture: 'arm64' } });
      const m = await src.manifest();
      expect(m.mimeType).toBe(MT.dockerManifest);
      expect(src.notes?.[0]).toContain(dockerList.instances['arm64']!);
    });

    test('no instance for the platform', async () => {
      const { src } = open(`${plain.host}/test/multi:v1`, { platform: 'linux/s390x' });
      await expect(src.manifest()).rejects.toThrow(
        `choosing an image from manifest list docker://${plain.host}/test/multi:v1: no image found in image index for architecture "s390x", variant "", OS "linux"`,
      );
    });

    test('signatures are read for the chosen instance, never for the index', async () => {
      await pushSigstoreAttachments(plain, 'test/multi', oci.digest, [{ mediaType: MT.cosignSimpleSigning, payload: 'index-sig' }]);
      await pushSigstoreAttachments(plain, 'test/multi', oci.instances['arm64']!, [{ mediaType: MT.cosignSimpleSigning, payload: 'arm64-sig' }]);
      const { src } = open(`${plain.host}/test/multi:v1`, { platform: 'linux/arm64' });
      const sigs = await src.signatures();
      expect(sigs).toHaveLength(1);
      expect(sigs[0]!.format === 'sigstore' && Buffer.from(sigs[0]!.payload).toString()).toBe('arm64-sig');
    });
  });

  describe('signatures', () => {
    test('.sig attachments: every layer, in order, with annotations, payloads checked against their digests', async () => {
      const img = await pushImage(plain, 'test/signed', 'v1');
      const tag = await pushSigstoreAttachments(plain, 'test/signed', img.digest, [
        { mediaType: MT.cosignSimpleSigning, payload: '{"critical":{}}', annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } },
        { mediaType: 'application/vnd.dsse.envelope.v1+json', payload: '{"payloadType":"x"}' },
      ]);
      const { src, trace } = open(`${plain.host}/test/signed:v1`);
      const sigs = await src.signatures();
      expect(sigs.map((s) => s.format)).toEqual(['sigstore', 'sigstore']);
      const [a, b] = sigs as Extract<(typeof sigs)[number], { format: 'sigstore' }>[];
      expect(a!.mimeType).toBe(MT.cosignSimpleSigning);
      expect(a!.annotations).toEqual({ 'dev.cosignproject.cosign/signature': 'MEUCIQ==' });
      expect(Buffer.from(a!.payload).toString()).toBe('{"critical":{}}');
      expect(b!.mimeType).toBe('application/vnd.dsse.envelope.v1+json');
      expect(b!.annotations).toEqual({});
      const msgs = messages(trace);
      expect(msgs).toContain(`Looking for sigstore attachments in ${plain.host}/test/signed:${tag}`);
      expect(msgs).toContain('Found a sigstore attachment manifest with 2 layers');
      expect(msgs.filter((m) => m.startsWith('Fetching sigstore attachment '))).toHaveLength(2);
      expect(msgs).toContain(' Sigstore attachments: using "default-docker" configuration');
      expect(src.signatures()).toBe(src.signatures());
    });

    test('no .sig tag → no attachments, no error', async () => {
      await pushImage(plain, 'test/unsigned', 'v1');
      const { src, trace } = open(`${plain.host}/test/unsigned:v1`);
      expect(await src.signatures()).toEqual([]);
      expect(messages(trace).some((m) => m.startsWith('Fetching sigstore attachment manifest failed, assuming it does not exist: reading manifest sha256-'))).toBe(true);
    });

    test('attachments disabled: nothing read; the opt-in probe only leaves a hint', async () => {
      const img = await pushImage(plain, 'test/disabled', 'v1');
      await pushSigstoreAttachments(plain, 'test/disabled', img.digest, [{ mediaType: MT.cosignSimpleSigning, payload: 'x' }]);
      const quiet = open(`${plain.host}/test/disabled:v1`, { registriesDir: regDOff });
      expect(await quiet.src.signatures()).toEqual([]);
      expect(messages(quiet.trace)).toContain('Not looking for sigstore attachments: disabled by configuration');
      expect(quiet.trace.events.some((e) => e.data?.['hint'] === 'sigstore-attachments-disabled')).toBe(false);
      expect(messages(quiet.trace).some((m) => m.startsWith('HEAD '))).toBe(false);

      const probing = open(`${plain.host}/test/disabled:v1`, { registriesDir: regDOff, probeDisabledAttachments: true });
      expect(await probing.src.signatures()).toEqual([]);
      const hint = probing.trace.events.find((e) => e.data?.['hint'] === 'sigstore-attachments-disabled');
      expect(hint?.data?.['tag']).toBe(img.digest.replace(':', '-') + '.sig');
    });

    test('a .sig manifest that is not an OCI manifest is an error', async () => {
      const img = await pushImage(plain, 'test/badmime', 'v1');
      const tag = await pushSigstoreAttachments(plain, 'test/badmime', img.digest, [{ mediaType: MT.dockerLayer, payload: 'x' }], MT.dockerManifest);
      const { src } = open(`${plain.host}/test/badmime:v1`);
      await expect(src.signatures()).rejects.toThrow(
        `unexpected MIME type for sigstore attachment manifest ${plain.host}/test/badmime:${tag}: "${MT.dockerManifest}"`,
      );
    });

    test('lookaside file:// signatures come first, signature-1 … until the first gap', async () => {
      const img = await pushImage(plain, 'test/lookaside', 'v1');
      await pushSigstoreAttachments(plain, 'test/lookaside', img.digest, [{ mediaType: MT.cosignSimpleSigning, payload: 'attached' }]);
      const dir = join(lookaside, 'test/lookaside@' + img.digest.replace(':', '='));
      mkdirSync(dir, { recursive: true });
      const gpgLike = new Uint8Array([0xa3, 0x01, 0x02, 0x03]); // first byte = OpenPGP compressed-data packet
      writeFileSync(join(dir, 'signature-1'), gpgLike);
      writeFileSync(join(dir, 'signature-2'), serializeSignatureBlob({ format: 'sigstore', mimeType: MT.cosignSimpleSigning, payload: Buffer.from('from-lookaside'), annotations: { a: 'b' } }));
      writeFileSync(join(dir, 'signature-4'), gpgLike); // after the gap: never read
      const { src, trace } = open(`${plain.host}/test/lookaside:v1`);
      const sigs = await src.signatures();
      expect(sigs.map((s) => s.format)).toEqual(['simple-signing', 'sigstore', 'sigstore']);
      expect(sigs[0]).toEqual({ format: 'simple-signing', blob: gpgLike });
      expect(messages(trace)).toContain(`Reading ${dir}/signature-1`);
      expect(messages(trace)).toContain(`Reading ${dir}/signature-3`);
      expect(messages(trace)).not.toContain(`Reading ${dir}/signature-4`);
      expect(messages(trace)).toContain(`  Using "lookaside" file://${lookaside}`);
    });

    test('a digest reference reads signatures for that digest', async () => {
      const img = await pushImage(plain, 'test/sigdigest', 'v1');
      await pushSigstoreAttachments(plain, 'test/sigdigest', img.digest, [{ mediaType: MT.cosignSimpleSigning, payload: 'p' }]);
      const { src } = open(`${plain.host}/test/sigdigest@${img.digest}`);
      expect(await src.signatures()).toHaveLength(1);
    });
  });

  describe('TLS and basic auth', () => {
    test('certDir CA + --creds', async () => {
      const img = await pushImage(tls, 'test/secure', 'v1');
      const { src, trace } = open(`${tls.host}/test/secure:v1`, { tlsVerify: true, certDir: tls.ca!.certDir, creds: `${tls.user!.username}:${tls.user!.password}` });
      expect(Buffer.from((await src.manifest()).bytes).toString()).toBe(img.manifest);
      expect(await src.signatures()).toEqual([]);
      expect(JSON.stringify(trace.events)).not.toContain(tls.user!.password);
      expect(messages(trace)).toContain(`Looking for TLS certificates and private keys in ${tls.ca!.certDir}`);
    });

    test('certs.d/HOST:PORT and an auth.json from --authfile', async () => {
      await pushImage(tls, 'test/secure2', 'v1');
      const etc = join(work, 'etc');
      mkdirSync(join(etc, 'containers/certs.d', tls.host), { recursive: true });
      writeFileSync(join(etc, 'containers/certs.d', tls.host, 'ca.crt'), readFileSync(tls.ca!.caCrt));
      const authfile = join(work, 'auth.json');
      const auth = Buffer.from(`${tls.user!.username}:${tls.user!.password}`).toString('base64');
      writeFileSync(authfile, JSON.stringify({ auths: { [tls.host]: { auth } } }));
      const { src, trace } = open(`${tls.host}/test/secure2:v1`, { tlsVerify: true, etcDir: etc, authfile });
      await src.manifest();
      expect(messages(trace)).toContain(`Found credentials for ${tls.host}/test/secure2 in credential helper containers-auth.json in file ${authfile}`);
      expect(JSON.stringify(trace.events)).not.toContain(auth);
    });

    test('REGISTRY_AUTH_FILE is the --authfile default', async () => {
      const authfile = join(work, 'env-auth.json');
      writeFileSync(authfile, JSON.stringify({ auths: { [tls.host]: { auth: Buffer.from(`${tls.user!.username}:${tls.user!.password}`).toString('base64') } } }));
      const { src } = open(`${tls.host}/test/secure:v1`, { certDir: tls.ca!.certDir, tlsVerify: true, env: { REGISTRY_AUTH_FILE: authfile } });
      await expect(src.manifest()).resolves.toBeDefined();
    });

    test('wrong CA → x509 unknown authority, worded like Go', async () => {
      const other = makeTestCA(join(work, 'otherca'), 'some other CA');
      const { src } = open(`${tls.host}/test/secure:v1`, { tlsVerify: true, certDir: other.certDir, creds: 'testuser:x' });
      await expect(src.manifest()).rejects.toThrow(
        `initializing source docker://${tls.host}/test/secure:v1: pinging container registry ${tls.host}: Get "https://${tls.host}/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
      );
    });

    test('no credentials → authentication required', async () => {
      const { src } = open(`${tls.host}/test/secure:v1`, { tlsVerify: true, certDir: tls.ca!.certDir });
      await expect(src.manifest()).rejects.toThrow(`reading manifest v1 in ${tls.host}/test/secure: authentication required`);
    });

    test('--tls-verify=false: unverified https, no CA needed', async () => {
      const { src } = open(`${tls.host}/test/secure:v1`, { tlsVerify: false, creds: `${tls.user!.username}:${tls.user!.password}` });
      await expect(src.manifest()).resolves.toBeDefined();
    });
  });

  describe('bearer tokens', () => {
    test('anonymous token flow: one token per repository, reused for manifests, .sig and blobs', async () => {
      const img = await pushImage(tokenReg, 'test/tok', 'v1');
      await pushSigstoreAttachments(tokenReg, 'test/tok', img.digest, [
        { mediaType: MT.cosignSimpleSigning, payload: 'one' },
        { mediaType: MT.cosignSimpleSigning, payload: 'two' },
      ]);
      await pushImage(tokenReg, 'test/tok2', 'v1');
      tokenServer.reset();
      const pool = new RegistryPool();
      try {
        const first = open(`${tokenReg.host}/test/tok:v1`, { pool });
        expect(await first.src.signatures()).toHaveLength(2);
        expect(tokenServer.counts.get('repository:test/tok:pull')).toBe(1);
        expect(tokenServer.total()).toBe(1);
        // another source for the same repository in the same run: the pooled token is reused
        const second = open(`${tokenReg.host}/test/tok@${img.digest}`, { pool });
        await second.src.manifest();
        expect(tokenServer.total()).toBe(1);
        // another repository: its own token
        const third = open(`${tokenReg.host}/test/tok2:v1`, { pool });
        await third.src.manifest();
        expect(tokenServer.counts.get('repository:test/tok2:pull')).toBe(1);
        expect(tokenServer.total()).toBe(2);
        for (const t of [first.trace, second.trace, third.trace]) {
          const text = JSON.stringify(t.events);
          expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // no JWT
          expect(text).not.toMatch(/Bearer /);
        }
      } finally {
        await pool.close();
      }
    });
  });
});
