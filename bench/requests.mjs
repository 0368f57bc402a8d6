#!/usr/bin/env node
// 4. Requests sent to the registry per image, read from the registry's own access log (our own docker-registry on a
//    free port with the access log ON; the oracle's has it disabled), against the minimum: manifest, `.sig`
//    manifest, one blob per signature — plus, on a token-auth registry, the token round trip (counted at our token
//    server). Two registries: plain HTTP, and token auth. Cases: one image alone, and a batch of 20 in one process.
//    Usage: . /tmp/imgpolicy-oracle/env.sh && node bench/requests.mjs
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ENV_UNSET, REGISTRIES_D, SKOPEO, closePushAgent, loadKey, machine, pushSignedImage, requireOracle, runAsync, startRegistry, startTokenServer, table, tempDir, writePolicy } from './lib.mjs';

requireOracle();
const BATCH = Number(process.env.N ?? 20);
const tmp = tempDir();
const key = loadKey();
const rows = [];

for (const auth of ['none', 'token']) {
  const ts = auth === 'token' ? await startTokenServer(join(tmp, 'token')) : undefined;
  const reg = await startRegistry({ tokenServer: ts });
  try {
    const repo = 'bench/req';
    const refs = [];
    for (let i = 0; i < BATCH; i++) {
      await pushSignedImage(reg.base, reg.host, repo, `t${i}`, `req ${auth} ${i}`, [key], reg.pushAuth(repo));
      refs.push(`${reg.host}/${repo}:t${i}`);
    }
    // An image with two signatures (two layers in its .sig), and the first image by digest.
    const two = await pushSignedImage(reg.base, reg.host, repo, 'two', `req ${auth} two`, [key, key], reg.pushAuth(repo));
    const policy = writePolicy(tmp, `${reg.host}/bench`);
    const cases = [
      ['tag ref, 1 signature', [refs[0]], 1],
      ['digest ref, 1 signature', [`${reg.host}/${repo}@${(await digestOf(reg, repo, 't1'))}`], 1],
      ['tag ref, 2 signatures', [`${reg.host}/${repo}:two`], 2],
      [`batch of ${BATCH} (tag refs, 1 process)`, refs, 1],
    ];
    void two;
    for (const [name, images, sigs] of cases) {
      for (const tool of ['imgpolicy', 'skopeo 1.18 copy']) {
        if (tool !== 'imgpolicy' && images.length > 1) continue; // skopeo takes one image per process
        const before = reg.requests().length;
        const tokBefore = ts ? ts.requests.length : 0;
        let r;
        if (tool === 'imgpolicy') {
          r = await runAsync(process.execPath, [BIN, 'verify', '--policy', policy, '--registries.d', REGISTRIES_D, '--tls-verify=false', ...images], ENV_UNSET);
        } else {
          r = await runAsync(SKOPEO, ['--policy', policy, '--registries.d', REGISTRIES_D, 'copy', '--src-tls-verify=false', `docker://${images[0]}`, `dir:${join(tmp, 'out')}`]);
          rmSync(join(tmp, 'out'), { recursive: true, force: true });
        }
        if (r.status !== 0) throw new Error(`${tool} ${name}: ${r.stdout}${r.stderr}`);
        await new Promise((res) => setTimeout(res, 150)); // the access log is written after the response
        const reqs = reg.requests().slice(before);
        const tokens = ts ? ts.requests.length - tokBefore : 0;
        const n = images.length;
        const kinds = { ping: 0, manifest: 0, sig: 0, blob: 0 };
        for (const q of reqs) {
          if (q.path === '/v2/') kinds.ping++;
          else if (q.path.includes('/manifests/') && q.path.endsWith('.sig')) kinds.sig++;
          else if (q.path.includes('/manifests/')) kinds.manifest++;
          else if (q.path.includes('/blobs/')) kinds.blob++;
        }
        const unauth = reqs.filter((q) => q.status === 401).length;
        const minimum = n * (2 + sigs);
        const minTokens = auth === 'token' ? 1 : 0; // one repository scope
        rows.push([
          auth, name, tool,
          (reqs.length / n).toFixed(2),
          `${kinds.ping}/${kinds.manifest}/${kinds.sig}/${kinds.blob}` + (unauth ? ` (${unauth}×401)` : ''),
          (minimum / n).toFixed(2),
          `${tokens} (min ${minTokens})`,
          `${(reqs.length / minimum).toFixed(2)}×`,
        ]);
      }
    }
  } finally {
    await reg.stop();
    await ts?.stop();
  }
}
closePushAgent();
rmSync(tmp, { recursive: true, force: true });

async function digestOf(reg, repo, tag) {
  const { createHash } = await import('node:crypto');
  const h = { accept: 'application/vnd.oci.image.manifest.v1+json', ...(reg.pushAuth(repo) ? { authorization: reg.pushAuth(repo) } : {}) };
  const res = await fetch(`${reg.base}/v2/${repo}/manifests/${tag}`, { headers: h });
  return 'sha256:' + createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex');
}

console.log(`# registry requests per image (access log of our own docker-registry) — ${machine()}\n`);
table(['auth', 'case', 'tool', 'requests / image', 'ping/manifest/.sig/blob', 'minimum / image', 'token requests', 'vs minimum'], rows);
console.log('\nminimum = manifest + .sig manifest + one blob per signature (+ 1 token per repository scope on a token registry).');
console.log('skopeo copy also downloads the image (config + layers): it is the CRI-O path, not a minimal verifier.');
