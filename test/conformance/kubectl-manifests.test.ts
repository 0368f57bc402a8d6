/**
 * kubectl is the oracle for reading manifests, as skopeo is for policies. Each manifest set is applied with the real
 * kubectl against our fake API server (which records every body kubectl sends), and given to `imgpolicy verify
 * --output json`. Every (kind, namespace, container path, image) that kubectl sends must be among the places
 * imgpolicy evaluated — unless imgpolicy refused the set (exit 3 with the refusal in the report's `errors`).
 * Never may an image kubectl sends be missing while imgpolicy exits with anything but 3.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureBuilt } from '../helpers/cli-runner.js';
import { FakeKubeAPIServer, type RecordedBody } from '../helpers/fake-kube-apiserver.js';
import { IMGPOLICY_BIN } from '../helpers/oracle.js';
import { manifestSets, type ManifestSet } from './kubectl-sets.js';

const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
const CI = process.env['CI'] === 'true';
/** To show which sets failed before a change: point this at an older build's bin/imgpolicy.js. */
const BIN = process.env['IMGPOLICY_BIN_UNDER_TEST'] || IMGPOLICY_BIN;

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'sidecars', 'steps']);
const CONTAINER_OBJECTS = new Set(['container', 'script', 'stepTemplate']);
const CONTAINER_KEYS = ['name', 'command', 'args', 'env', 'ports'];

/** Where images stand in a JSON body kubectl sent: `kind|namespace|path|image`. */
export function placesInBody(r: RecordedBody): string[] {
  const out: string[] = [];
  const body = r.body as Record<string, unknown>;
  const kind = typeof body?.['kind'] === 'string' ? (body['kind'] as string) : r.kind;
  const add = (path: string, image: string) => out.push(`${kind}|${r.namespace}|${path}|${image.trim()}`);
  const walk = (v: unknown, path: string, parentKey: string, inList: boolean): void => {
    if (Array.isArray(v)) {
      v.forEach((e, i) => walk(e, `${path}[${i}]`, parentKey, CONTAINER_LISTS.has(parentKey)));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const isContainerPlace = inList || CONTAINER_OBJECTS.has(parentKey);
    if (typeof o['image'] === 'string' && (isContainerPlace || CONTAINER_KEYS.some((k) => k in o))) add(`${path}.image`, o['image']);
    if (parentKey === 'volumes' && typeof o['image'] === 'object' && o['image'] !== null && typeof (o['image'] as Record<string, unknown>)['reference'] === 'string') {
      add(`${path}.image.reference`, (o['image'] as Record<string, unknown>)['reference'] as string);
    }
    for (const [k, child] of Object.entries(o)) {
      if (path === '' && k === 'metadata') continue;
      walk(child, path === '' ? k : `${path}.${k}`, k, false);
    }
  };
  walk(body, '', '', false);
  return out;
}

interface JSONReport {
  results: { namespace?: string; occurrences: { kind: string; namespace?: string; path: string; image: string }[] }[];
  errors?: { file: string; line: number; message: string }[];
  warnings: string[];
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

interface Outcome {
  set: ManifestSet;
  kubectl: string[];
  imgpolicy: string[];
  missing: string[];
  refused: boolean;
  exit: number;
  detail: string;
}

async function compare(server: FakeKubeAPIServer, set: ManifestSet, policy: string, cacheDir: string): Promise<Outcome> {
  const kube = server.newRun(set.contextNamespace);
  try {
    for (const [rel, content] of Object.entries(set.files)) {
      mkdirSync(dirname(join(kube.dir, 'm', rel)), { recursive: true });
      writeFileSync(join(kube.dir, 'm', rel), content);
    }
    mkdirSync(join(kube.dir, 'm'), { recursive: true });
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: kube.dir, KUBECONFIG: kube.kubeconfig };
    const target = set.target ?? '.';
    const k = await run(KUBECTL, ['apply', '--cache-dir', cacheDir, ...(set.kubectlArgs ?? []), '-f', target], { cwd: join(kube.dir, 'm'), env, ...(set.stdin !== undefined ? { input: set.stdin } : {}) });
    const kubectl = [...new Set(server.recorded(kube.id).flatMap(placesInBody))].sort();
    const nsArgs = (set.kubectlArgs ?? []).filter((a, i, all) => a === '-n' || a === '--namespace' || all[i - 1] === '-n' || all[i - 1] === '--namespace');
    const i = await run(process.execPath, [BIN, 'verify', '--policy', policy, '--output', 'json', '--timeout', '20', '-f', target, ...nsArgs, ...(set.imgpolicyArgs ?? [])], {
      cwd: join(kube.dir, 'm'),
      env,
      ...(set.stdin !== undefined ? { input: set.stdin } : {}),
    });
    let report: JSONReport | undefined;
    try {
      report = JSON.parse(i.stdout) as JSONReport;
    } catch {
      report = undefined;
    }
    const imgpolicy = [
      ...new Set(
        (report?.results ?? []).flatMap((r) => r.occurrences.map((o) => `${o.kind}|${o.namespace ?? r.namespace ?? ''}|${o.path.replace(/^(items\[\d+\]\.)+/, '')}|${o.image}`)),
      ),
    ].sort();
    // Cluster-scoped objects have no namespace in kubectl's request: compare those without it.
    const seen = new Set(imgpolicy.flatMap((t) => [t, t.replace(/^([^|]*)\|[^|]*\|/, '$1||')]));
    // A place in a kind the user accepted with --ignore-kind is knowingly not evaluated, and the report says so.
    const ignored = (t: string) => (report?.warnings ?? []).some((w) => w.includes('--ignore-kind') && w.includes(` at ${t.split('|')[2]!.replace(/\.image$/, '')} `));
    const missing = kubectl.filter((t) => !seen.has(t) && !ignored(t));
    const refused = i.code === 3 && (report?.errors?.length ?? 0) > 0;
    return {
      set,
      kubectl,
      imgpolicy,
      missing,
      refused,
      exit: i.code,
      detail: `kubectl exit ${k.code}: ${k.stderr.trim().split('\n').slice(0, 3).join(' | ')}\nimgpolicy exit ${i.code}: ${(report?.errors ?? []).map((e) => `${e.file}:${e.line}: ${e.message}`).join(' | ') || i.stderr.trim().slice(0, 400)}`,
    };
  } finally {
    rmSync(kube.dir, { recursive: true, force: true });
  }
}

const describeIf = KUBECTL ? describe : describe.skip;
if (!KUBECTL) {
  if (CI) {
    test('kubectl is required under CI=true', () => {
      throw new Error('kubectl not found on PATH (install kubernetes-client)');
    });
  } else {
    // eslint-disable-next-line no-console
    console.log('kubectl-manifests: skipped (kubectl not found on PATH)');
  }
}

describeIf('kubectl-manifests: what kubectl sends is what imgpolicy evaluates', () => {
  const server = new FakeKubeAPIServer();
  const outcomes: Outcome[] = [];
  let work = '';
  let policy = '';

  beforeAll(async () => {
    ensureBuilt();
    await server.start();
    work = mkdtempSync(join(tmpdir(), 'imgpolicy-kubectl-'));
    policy = join(work, 'policy.json');
    writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const sets = manifestSets();
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < sets.length; n = next++) outcomes[n] = await compare(server, sets[n]!, policy, join(work, 'kube-cache'));
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }, 600_000);

  afterAll(async () => {
    await server.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('at least 150 sets; no image kubectl sends is missing from a run that was not refused', () => {
    const pairs = outcomes.reduce((n, o) => n + o.kubectl.length, 0);
    const bad = outcomes.filter((o) => !o.refused && o.missing.length > 0);
    const refusedSets = outcomes.filter((o) => o.refused).length;
    // eslint-disable-next-line no-console
    console.log(
      `kubectl-manifests: ${outcomes.length} sets, ${pairs} (image, place) pairs compared, ${bad.reduce((n, o) => n + o.missing.length, 0)} missing (${refusedSets} sets refused with exit 3)` +
        bad.map((o) => `\n  MISSING in ${o.set.name}: ${o.missing.join(', ')}\n    ${o.detail.replaceAll('\n', '\n    ')}`).join(''),
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(150);
    expect(pairs).toBeGreaterThan(150);
    expect(bad.map((o) => `${o.set.name}: ${o.missing.join(', ')}`)).toEqual([]);
  });

  test('a refusal is never an exit 0, and every refused set names file and line in its report', () => {
    for (const o of outcomes) {
      if (o.exit === 0) expect(o.kubectl).toEqual([]);
      if (o.refused) expect(o.detail).toMatch(/:\d+: /);
    }
  });

  test('the generated mutations are read, not refused (refusals are for the constructs that need them)', () => {
    const generated = outcomes.filter((o) => o.set.row === undefined && o.set.name.includes(' × '));
    expect(generated.filter((o) => o.refused).map((o) => `${o.set.name}: ${o.detail}`)).toEqual([]);
    // Each generated set is valid: kubectl must have sent its image, or the comparison proves nothing.
    expect(generated.filter((o) => o.kubectl.length === 0).map((o) => `${o.set.name}: ${o.detail}`)).toEqual([]);
    for (const o of generated) expect(o.imgpolicy.length).toBeGreaterThan(0);
  });

  test('gate what you deploy (README recipe): render once, verify the rendered file, deploy that same file', async () => {
    const kube = server.newRun('team-a');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: kube.dir, KUBECONFIG: kube.kubeconfig };
    const src = join(kube.dir, 'k8s');
    mkdirSync(src, { recursive: true });
    // Source YAML that imgpolicy refuses (an alias supplies the container); the rendered file is plain.
    writeFileSync(join(src, 'kustomization.yaml'), 'resources:\n- deploy.yaml\n- job.yaml\nnamespace: prod\n');
    writeFileSync(
      join(src, 'deploy.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    base: &c {name: app, image: 127.0.0.1:1/h14/web:v1}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - *c\n',
    );
    writeFileSync(join(src, 'job.yaml'), 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: j, image: 127.0.0.1:1/h14/job:v1}\n');
    const verify = (args: string[], input?: string) =>
      run(process.execPath, [BIN, 'verify', '--policy', policy, '--output', 'json', '--timeout', '20', ...args], { cwd: kube.dir, env, ...(input !== undefined ? { input } : {}) });
    const places = (stdout: string) =>
      (JSON.parse(stdout) as JSONReport).results.flatMap((r) => r.occurrences.map((o) => `${o.kind}|${o.namespace ?? ''}|${o.path.replace(/^(items\[\d+\]\.)+/, '')}|${o.image}`)).sort();

    // The source itself is refused, naming file and line: that is why one renders first.
    const direct = await verify(['-f', 'k8s']);
    expect(direct.code).toBe(3);
    expect((JSON.parse(direct.stdout) as JSONReport).errors?.[0]).toMatchObject({ file: 'k8s/deploy.yaml', line: 13 });

    // 1. kubectl kustomize → rendered.yaml → verify -f rendered.yaml → kubectl apply -f rendered.yaml
    const rendered = await run(KUBECTL, ['kustomize', 'k8s'], { cwd: kube.dir, env });
    expect(rendered.code).toBe(0);
    writeFileSync(join(kube.dir, 'rendered.yaml'), rendered.stdout);
    const checked = await verify(['-f', 'rendered.yaml']);
    expect(checked.code).toBe(2); // read, nothing refused; the images do not exist (127.0.0.1:1)
    const applied = await run(KUBECTL, ['apply', '-f', 'rendered.yaml'], { cwd: kube.dir, env });
    expect(applied.code).toBe(0);
    const sent = [...new Set(server.recorded(kube.id).flatMap(placesInBody))].sort();
    expect(sent).toEqual(['Deployment|prod|spec.template.spec.containers[0].image|127.0.0.1:1/h14/web:v1', 'Job|prod|spec.template.spec.containers[0].image|127.0.0.1:1/h14/job:v1']);
    expect(places(checked.stdout)).toEqual(sent);

    // 2. kubectl apply --dry-run=client -o json → verify -f - (standard input) → kubectl apply -f rendered.json
    const plain = join(kube.dir, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'job.yaml'), 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: j2}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: j, image: 127.0.0.1:1/h14/job2:v1}\n');
    writeFileSync(join(plain, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p2}\nspec:\n  containers:\n  - {name: a, image: 127.0.0.1:1/h14/pod2:v1}\n');
    const json = await run(KUBECTL, ['apply', '--dry-run=client', '-o', 'json', '-f', 'plain'], { cwd: kube.dir, env });
    expect(json.code).toBe(0);
    writeFileSync(join(kube.dir, 'rendered.json'), json.stdout);
    const fromStdin = await verify(['-f', '-'], json.stdout);
    expect(fromStdin.code).toBe(2);
    const before = server.recorded(kube.id).length;
    expect((await run(KUBECTL, ['apply', '-f', 'rendered.json'], { cwd: kube.dir, env })).code).toBe(0);
    const sent2 = [...new Set(server.recorded(kube.id).slice(before).flatMap(placesInBody))].sort();
    expect(sent2).toEqual(['Job|team-a|spec.template.spec.containers[0].image|127.0.0.1:1/h14/job2:v1', 'Pod|team-a|spec.containers[0].image|127.0.0.1:1/h14/pod2:v1']);
    expect(places(fromStdin.stdout)).toEqual(sent2);
    rmSync(kube.dir, { recursive: true, force: true });
  }, 120_000);

  test('each row of issue 14 has a set, and kubectl sent an image for each row set', () => {
    const rows = new Set(outcomes.filter((o) => o.set.row !== undefined).map((o) => o.set.row));
    for (const r of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]) expect(rows).toContain(r);
    const silent = outcomes.filter((o) => o.set.row !== undefined && o.kubectl.length === 0 && !o.refused);
    expect(silent.map((o) => `${o.set.name}: ${o.detail}`)).toEqual([]);
  });
});

