/**
 * cosign 2.5 as a second, independent signer: the oracle's own images are signed by skopeo (and by hand-crafted
 * attachments); real users sign with the cosign CLI, whose payloads differ (tagless identity, `optional` fields,
 * appended layers when signed twice, `--recursive` over an index). We push copies of oracle images under
 * `conf/…`, sign them with fresh keys, and ask both c/image and imgpolicy about them.
 *
 * Idempotence: the registry outlives a run, and cosign appends to an existing `.sig` manifest, so each run first
 * deletes the `.sig` manifests of the digests it is about to sign (the registry has deletes enabled).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexInstances, manifestDigest, REGISTRY, run, type Triple } from '../helpers/oracle.js';

export interface CosignSetup {
  triples: Triple[];
  /** What was pushed/signed, for the log. */
  images: string[];
}

const SIG_ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

export async function deleteSigTag(repo: string, digest: string): Promise<void> {
  const tag = digest.replace(':', '-') + '.sig';
  const head = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: SIG_ACCEPT } });
  if (head.status !== 200) return;
  const d = head.headers.get('docker-content-digest');
  if (!d) return;
  const del = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${d}`, { method: 'DELETE' });
  await del.arrayBuffer();
  if (del.status !== 202) throw new Error(`DELETE ${repo}@${d}: HTTP ${del.status}`);
}

async function must(p: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<void> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

export async function setupCosign(opts: {
  oracleEnv: Record<string, string>;
  oracleDir: string;
  registriesD: string;
  work: string;
}): Promise<CosignSetup> {
  const { oracleEnv, work } = opts;
  const cosign = oracleEnv.COSIGN ?? `${opts.oracleDir}/tools/bin/cosign`;
  const skopeo = oracleEnv.SKOPEO118 ?? `${opts.oracleDir}/tools/skopeo118/skopeo`;
  const dir = join(work, 'cosign');
  mkdirSync(dir, { recursive: true });
  // HOME and TUF_ROOT point into the temp dir: cosign must not touch the user's ~/.sigstore.
  const env = { ...process.env, COSIGN_PASSWORD: 'conformance', HOME: dir, TUF_ROOT: join(dir, 'tuf'), COSIGN_YES: 'true' };

  for (const k of ['cosA', 'cosB'])
    await must(run(cosign, ['generate-key-pair', '--output-key-prefix', k], { env, cwd: dir, timeoutMs: 60_000 }), `cosign generate-key-pair ${k}`);

  const copy = (src: string, dst: string, all = false) =>
    must(
      run(skopeo, ['--insecure-policy', 'copy', '-q', ...(all ? ['--all'] : []), '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${REGISTRY}/${src}`, `docker://${REGISTRY}/${dst}`], { timeoutMs: 60_000 }),
      `skopeo copy ${src} → ${dst}`,
    );
  await copy('test/unsigned:v1', 'conf/cosign-a:v1');
  await copy('test/img-2:v1', 'conf/cosign-b:v1');
  await copy('test/multi-unsigned:v1', 'conf/cosign-multi:v1', true);
  await copy('test/img-4:v1', 'conf/cosign-annot:v1');

  const dA = await manifestDigest('conf/cosign-a', 'v1');
  const dB = await manifestDigest('conf/cosign-b', 'v1');
  const dM = await manifestDigest('conf/cosign-multi', 'v1');
  const inst = await indexInstances('conf/cosign-multi', 'v1');
  const dN = await manifestDigest('conf/cosign-annot', 'v1');
  for (const [repo, d] of [
    ['conf/cosign-a', dA],
    ['conf/cosign-b', dB],
    ['conf/cosign-multi', dM],
    ...inst.map((i) => ['conf/cosign-multi', i.digest] as const),
    ['conf/cosign-annot', dN],
  ] as const)
    await deleteSigTag(repo, d);

  const sign = (key: string, ref: string, extra: string[] = []) =>
    must(
      run(cosign, ['sign', '--key', join(dir, `${key}.key`), '--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '-y', ...extra, ref], { env, cwd: dir, timeoutMs: 60_000 }),
      `cosign sign ${ref}`,
    );
  // a: one cosign signature, tagless identity (what `cosign sign` writes by default).
  await sign('cosA', `${REGISTRY}/conf/cosign-a@${dA}`);
  // b: signed twice (cosign appends a layer): key A with the default identity, key B claiming the tagged reference.
  await sign('cosA', `${REGISTRY}/conf/cosign-b@${dB}`);
  await sign('cosB', `${REGISTRY}/conf/cosign-b@${dB}`, ['--sign-container-identity', `${REGISTRY}/conf/cosign-b:v1`]);
  // multi: --recursive signs the index and every instance; c/image checks the chosen instance.
  await sign('cosA', `${REGISTRY}/conf/cosign-multi@${dM}`, ['--recursive']);
  // annot: key B with a user annotation (cosign puts it in the payload's `optional`, which c/image ignores).
  await sign('cosB', `${REGISTRY}/conf/cosign-annot@${dN}`, ['-a', 'purpose=conformance']);

  // Policies: keyed, default identity vs matchRepository vs exactRepository, plus the oracle's key as a wrong key.
  const K = `${opts.oracleDir}/keys`;
  const pub = (k: string) => join(dir, `${k}.pub`);
  const policies: Record<string, object[]> = {
    'cosA-default': [{ type: 'sigstoreSigned', keyPath: pub('cosA') }],
    'cosA-matchrepo': [{ type: 'sigstoreSigned', keyPath: pub('cosA'), signedIdentity: { type: 'matchRepository' } }],
    'cosB-default': [{ type: 'sigstoreSigned', keyPath: pub('cosB') }],
    'cosB-matchrepo': [{ type: 'sigstoreSigned', keyPath: pub('cosB'), signedIdentity: { type: 'matchRepository' } }],
    'cosAB-keypaths-matchrepo': [{ type: 'sigstoreSigned', keyPaths: [pub('cosB'), pub('cosA')], signedIdentity: { type: 'matchRepository' } }],
    'cosA-exactrepo': [{ type: 'sigstoreSigned', keyPath: pub('cosA'), signedIdentity: { type: 'exactRepository', dockerRepository: `${REGISTRY}/conf/cosign-a` } }],
    'cosA-matchexact': [{ type: 'sigstoreSigned', keyPath: pub('cosA'), signedIdentity: { type: 'matchExact' } }],
    'key1-matchrepo': [{ type: 'sigstoreSigned', keyPath: `${K}/cosign1.pub`, signedIdentity: { type: 'matchRepository' } }],
  };
  const images = [
    `docker://${REGISTRY}/conf/cosign-a:v1`,
    `docker://${REGISTRY}/conf/cosign-a@${dA}`,
    `docker://${REGISTRY}/conf/cosign-b:v1`,
    `docker://${REGISTRY}/conf/cosign-b@${dB}`,
    `docker://${REGISTRY}/conf/cosign-multi:v1`,
    `docker://${REGISTRY}/conf/cosign-multi@${dM}`,
    `docker://${REGISTRY}/conf/cosign-annot:v1`,
  ];
  const triples: Triple[] = [];
  for (const [name, reqs] of Object.entries(policies)) {
    const file = join(dir, `policy-${name}.json`);
    writeFileSync(file, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${REGISTRY}/conf`]: reqs } } }, null, 2));
    for (const image of images) triples.push({ group: 'cosign', image, policy: file, registriesD: opts.registriesD, access: 'plain', note: `cosign 2.5 signer, ${name}` });
    // The other instance of the recursively signed index.
    triples.push({ group: 'cosign', image: images[4]!, policy: file, registriesD: opts.registriesD, access: 'plain', platform: 'linux/arm64', note: `cosign 2.5 signer, ${name}` });
  }
  return { triples, images };
}
