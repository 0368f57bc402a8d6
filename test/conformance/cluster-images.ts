/**
 * Images for the cluster-policy suites, pushed by the suite itself under 127.0.0.1:5000/h18/…:
 * - copies of oracle images, signed with the cosign 2.5 CLI and a fresh key (tagless identity = the repository);
 * - the repository's generated sigstore fixtures (fixtures/sigstore/images/<variant>: a key, key + Rekor SET, Fulcio
 *   + Rekor, PKI signature over one small OCI image, identity registry.example.com/imgpolicy/test), pushed with
 *   skopeo 1.18 as sigstore attachments.
 * Idempotent: each run deletes the `.sig` manifests of the digests it signs or pushes (cosign appends otherwise).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifestDigest, REGISTRY, REPO_ROOT, run } from '../helpers/oracle.js';
import { deleteSigTag } from './cosign.js';

export const FIXTURES = join(REPO_ROOT, 'fixtures/sigstore');

async function must(p: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<string> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

export interface Tools {
  skopeo: string;
  cosign: string;
}

export function tools(oracleEnv: Record<string, string>, oracleDir: string): Tools {
  return { skopeo: oracleEnv.SKOPEO118 ?? `${oracleDir}/tools/skopeo118/skopeo`, cosign: oracleEnv.COSIGN ?? `${oracleDir}/tools/bin/cosign` };
}

export async function copyImage(t: Tools, src: string, dst: string): Promise<string> {
  await must(
    run(t.skopeo, ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${REGISTRY}/${src}`, `docker://${REGISTRY}/${dst}`], { timeoutMs: 60_000 }),
    `skopeo copy ${src} → ${dst}`,
  );
  const [repo, tag] = dst.split(':') as [string, string];
  return manifestDigest(repo, tag);
}

/** A fresh cosign key pair in `dir` (prefix.key / prefix.pub), password "cluster". */
export async function cosignKey(t: Tools, dir: string, prefix: string): Promise<{ key: string; pub: string; env: NodeJS.ProcessEnv }> {
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, COSIGN_PASSWORD: 'cluster', HOME: dir, TUF_ROOT: join(dir, 'tuf'), COSIGN_YES: 'true' };
  await must(run(t.cosign, ['generate-key-pair', '--output-key-prefix', prefix], { env, cwd: dir, timeoutMs: 60_000 }), `cosign generate-key-pair ${prefix}`);
  return { key: join(dir, `${prefix}.key`), pub: join(dir, `${prefix}.pub`), env };
}

export async function cosignSign(t: Tools, k: { key: string; env: NodeJS.ProcessEnv }, repo: string, digest: string, extra: string[] = []): Promise<void> {
  await deleteSigTag(repo, digest);
  await must(
    run(t.cosign, ['sign', '--key', k.key, '--tlog-upload=false', '--allow-insecure-registry', '--allow-http-registry', '-y', ...extra, `${REGISTRY}/${repo}@${digest}`], { env: k.env, timeoutMs: 60_000 }),
    `cosign sign ${repo}`,
  );
}

/**
 * Pushes fixtures/sigstore/images/<variant> (a dir: layout without its 2-byte config blob, which is `{}`) to
 * REGISTRY/<repo>:v1 with its signature as a sigstore attachment. Returns the manifest digest.
 */
export async function pushFixtureVariant(t: Tools, work: string, variant: string, repo: string): Promise<string> {
  const dir = join(work, 'dir-' + variant);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, 'images', variant, 'manifest.json'), join(dir, 'manifest.json'));
  copyFileSync(join(FIXTURES, 'images', variant, 'signature-1'), join(dir, 'signature-1'));
  writeFileSync(join(dir, createHash('sha256').update('{}').digest('hex')), '{}');
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  const rd = join(work, 'push-registries.d');
  mkdirSync(rd, { recursive: true });
  writeFileSync(join(rd, 'push.yaml'), `docker:\n  ${REGISTRY}:\n    use-sigstore-attachments: true\n`);
  const digest = 'sha256:' + createHash('sha256').update(readFileSync(join(dir, 'manifest.json'))).digest('hex');
  await deleteSigTag(repo, digest).catch(() => undefined);
  await must(
    run(t.skopeo, ['--insecure-policy', '--registries.d', rd, 'copy', '-q', '--dest-tls-verify=false', `dir:${dir}`, `docker://${REGISTRY}/${repo}:v1`], { timeoutMs: 60_000 }),
    `skopeo copy fixture ${variant} → ${repo}`,
  );
  return digest;
}

export const b64file = (path: string): string => readFileSync(path).toString('base64');
