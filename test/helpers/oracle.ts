/**
 * Differential-testing harness: ask the REAL containers/image (skopeo 1.18 = c/image 5.34.2, started by
 * ../shared/oracle/setup.sh) and imgpolicy the same question — does POLICY let IMAGE run, with these
 * registries.d and transport settings? — and list every place where the answers differ.
 *
 * The oracle is the live reference: its answers are cached in memory for one run only, never written to disk,
 * so a newer oracle (or a changed registry) is always what we compare against.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imgpolicyCommand, imgpolicyScript, installedBin } from './imgpolicy-bin.js';
import { parseVerifyJSON } from './output-schema.js';

/** The repository root (this file is test/helpers/oracle.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The oracle scripts live beside the clone, never inside it (they are not ours to copy). */
export const VERDICT_SH = resolve(REPO_ROOT, '../shared/oracle/verdict.sh');
export const ORACLE_DIR = process.env.ORACLE_DIR || '/tmp/imgpolicy-oracle';
export const REGISTRY = '127.0.0.1:5000';
export const TLS_REGISTRY = '127.0.0.1:5443';
/** For `node IMGPOLICY_BIN ARGS`: the installed copy named by $IMGPOLICY_BIN, else the checkout's dist/ (imgpolicy-bin.ts). */
export const IMGPOLICY_BIN = imgpolicyScript();

// ---------------------------------------------------------------------------------------------- prerequisites

/** `export K=V` / `export K="V"` lines of the oracle's env.sh (written by setup.sh; no shell features used). */
export function readOracleEnv(dir = ORACLE_DIR): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(dir, 'env.sh'), 'utf8').split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    env[m[1]!] = v;
  }
  return env;
}

export interface Prerequisites {
  ok: boolean;
  /** Why the suite cannot run (only when !ok). */
  reason?: string;
  env?: Record<string, string>;
}

/**
 * Everything the differential run needs: verdict.sh beside the repo, the oracle's state dir with env.sh, and
 * the plain registry answering. Checked once, up front, so a missing oracle is one clear line, not 500 failures.
 */
export async function checkPrerequisites(): Promise<Prerequisites> {
  if (!existsSync(VERDICT_SH)) return { ok: false, reason: `${VERDICT_SH} not found (../shared/oracle is not beside the repo)` };
  if (!existsSync(join(ORACLE_DIR, 'env.sh')))
    return { ok: false, reason: `${ORACLE_DIR}/env.sh not found (run ../shared/oracle/setup.sh start as root)` };
  try {
    const res = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    if (res.status !== 200) return { ok: false, reason: `oracle registry http://${REGISTRY}/v2/ answered HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, reason: `oracle registry http://${REGISTRY}/v2/ is not answering (${(e as Error).message})` };
  }
  const env = readOracleEnv();
  const skopeo = env.SKOPEO118;
  if (!skopeo || !existsSync(skopeo)) return { ok: false, reason: `skopeo 1.18 (SKOPEO118 in env.sh) not found` };
  return { ok: true, env };
}

// ---------------------------------------------------------------------------------------------- small utilities

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** A fixed-size pool: the machine has 2 cores and each skopeo copy is a real process; more would only thrash. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export const PARALLELISM = Math.max(1, Number(process.env.CONFORMANCE_PARALLEL) || 2);

/** Manifest media types a registry may hold; asking for all of them returns the stored bytes unconverted. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** sha256 of the manifest bytes the plain registry stores for repo:tag (what `skopeo inspect --raw | sha256sum` gives). */
export async function manifestDigest(repo: string, tag: string, registry = REGISTRY): Promise<string> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, { headers: { Accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw new Error(`GET ${registry}/${repo}:${tag} manifest: HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  return 'sha256:' + createHash('sha256').update(body).digest('hex');
}

/** The instance digests of a manifest list / OCI index on the plain registry. */
export async function indexInstances(repo: string, tag: string): Promise<{ digest: string; arch: string }[]> {
  const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, { headers: { Accept: MANIFEST_ACCEPT } });
  const j = (await res.json()) as { manifests?: { digest: string; platform?: { architecture?: string } }[] };
  return (j.manifests ?? []).map((m) => ({ digest: m.digest, arch: m.platform?.architecture ?? '?' }));
}

// ---------------------------------------------------------------------------------------------- triples

/** How the image is reached: the plain-HTTP registry, or the TLS + basic-auth one with its CA and credentials. */
export type Access = 'plain' | 'tls';

/** One differential question. Both tools get exactly these inputs. */
export interface Triple {
  /** Test group, for the report. */
  group: string;
  /** `docker://host:port/repo:tag` or `…@sha256:…`; passed verbatim to both tools. */
  image: string;
  /** Absolute path of the policy file. */
  policy: string;
  registriesD: string;
  access: Access;
  /** os/arch for imgpolicy's --platform; the oracle gets the matching `--override-arch`. Default: the host. */
  platform?: string;
  /** Why this case exists (README row, generator description). */
  note?: string;
}

/** `lint FILE` ↔ does the oracle accept the policy file at all. */
export interface LintCase {
  group: string;
  policy: string;
  /** Any image: verdict.sh needs one, and a parse error does not depend on it. Reusing a triple's image hits the cache. */
  image: string;
  note?: string;
}

export type Verdict = 'allowed' | 'rejected' | 'error';

export interface Answer {
  verdict: Verdict;
  /** c/image's message (after `Source image rejected: ` for rejections), or imgpolicy's error.message. */
  message?: string;
}

export interface Disagreement {
  group: string;
  image: string;
  policy: string;
  args: string;
  note?: string;
  oracle: string;
  ours: string;
}

function fmt(a: Answer): string {
  return a.verdict === 'allowed' ? 'allowed' : `${a.verdict}: ${a.message ?? ''}`;
}

function tripleArgsLabel(t: Triple): string {
  const parts: string[] = [];
  if (t.access === 'tls') parts.push('tls');
  if (t.platform) parts.push(`platform=${t.platform}`);
  if (!t.registriesD.startsWith(ORACLE_DIR)) parts.push(`registries.d=${t.registriesD}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------- the oracle side

/** Per-run memo of verdict.sh answers (never persisted: the oracle is the live reference). */
const oracleCache = new Map<string, Promise<Answer>>();

function oracleKey(t: Triple): string {
  return JSON.stringify([t.image, t.policy, t.registriesD, t.access, t.platform ?? '']);
}

/** `verdict.sh` prints one line: `allowed`, `rejected: <msg>` or `error: <msg>`. */
export function parseVerdictLine(out: string): Answer {
  const line = out.split('\n').find((l) => l.length > 0) ?? '';
  if (line === 'allowed') return { verdict: 'allowed' };
  if (line.startsWith('rejected: ')) return { verdict: 'rejected', message: line.slice('rejected: '.length) };
  if (line.startsWith('error: ')) return { verdict: 'error', message: line.slice('error: '.length) };
  return { verdict: 'error', message: `verdict.sh printed no verdict: ${JSON.stringify(out.slice(0, 300))}` };
}

export function oracleVerdict(t: Triple, oracleEnv: Record<string, string>): Promise<Answer> {
  const key = oracleKey(t);
  let p = oracleCache.get(key);
  if (!p) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ORACLE_DIR,
      ORACLE_REGISTRIES_D: t.registriesD,
      // verdict.sh's default is --src-tls-verify=false (plain registry); the TLS registry needs its CA and creds,
      // exactly what env.sh's ORACLE_TLS_SRC_ARGS holds.
      ORACLE_SRC_ARGS:
        t.access === 'tls'
          ? oracleEnv.ORACLE_TLS_SRC_ARGS ?? `--src-cert-dir ${ORACLE_DIR}/reg-tls/certdir --src-creds testuser:testpass`
          : '--src-tls-verify=false',
      // --platform os/arch ↔ skopeo's global --override-os/--override-arch.
      ORACLE_GLOBAL_ARGS: t.platform ? platformToSkopeo(t.platform) : '',
    };
    delete env.VERBOSE;
    delete env.ORACLE_KEEP_LOG;
    p = run('bash', [VERDICT_SH, t.image, t.policy], { env, timeoutMs: 60_000 }).then((r) => parseVerdictLine(r.stdout));
    oracleCache.set(key, p);
  }
  return p;
}

function platformToSkopeo(platform: string): string {
  const [os, arch, variant] = platform.split('/');
  return [os ? `--override-os ${os}` : '', arch ? `--override-arch ${arch}` : '', variant ? `--override-variant ${variant}` : '']
    .filter(Boolean)
    .join(' ');
}

export function oracleCacheSize(): number {
  return oracleCache.size;
}

// ---------------------------------------------------------------------------------------------- the imgpolicy side

interface JSONResult {
  input: string;
  verdict: Verdict;
  allowed: boolean;
  error?: { message: string; class?: string; kind?: string };
}

/**
 * Run one `imgpolicy verify --output json` for a batch of images that share policy, registries.d and transport
 * flags (one node start-up per batch keeps the suite fast). A policy that does not load makes verify exit 3 with
 * skopeo's `Error loading trust policy: …` line on stderr and no JSON: every image in the batch gets that line as
 * its error, which is what verdict.sh reports for each of them.
 */
export async function imgpolicyBatch(batch: readonly Triple[], tlsArgs: { certDir: string; creds: string }): Promise<Answer[]> {
  const first = batch[0]!;
  const images = [...new Set(batch.map((t) => t.image))];
  const args = ['verify', '--policy', first.policy, '--registries.d', first.registriesD, '--output', 'json'];
  if (first.access === 'tls') args.push('--cert-dir', tlsArgs.certDir, '--creds', tlsArgs.creds);
  else args.push('--tls-verify=false');
  if (first.platform) args.push('--platform', first.platform);
  args.push('--', ...images);
  const attempt = async (): Promise<{ r: RunResult; parsed?: { results?: JSONResult[] } }> => {
    const cmd = imgpolicyCommand(args);
    const r = await run(cmd.file, cmd.args, { timeoutMs: 180_000, env: { ...process.env, NO_COLOR: '1' } });
    try {
      return { r, parsed: JSON.parse(r.stdout) as { results?: JSONResult[] } };
    } catch {
      return { r };
    }
  };
  let r: RunResult;
  let parsed: { results?: JSONResult[] } | undefined;
  try {
    ({ r, parsed } = await attempt());
    // A crash without JSON (other than a policy that does not load) is retried once: while the tree is being
    // rebuilt by someone else, dist/ can be missing a module for a moment. A real crash crashes twice.
    if (!parsed?.results && r.code !== 3) {
      await new Promise((res) => setTimeout(res, 2000));
      ({ r, parsed } = await attempt());
    }
  } catch (e) {
    return batch.map(() => ({ verdict: 'error' as const, message: `imgpolicy did not start: ${(e as Error).message}` }));
  }
  // JSON that does not match the published schema fails the suite loudly, whatever the verdicts.
  if (parsed) parseVerifyJSON(r.stdout);
  if (!parsed?.results || parsed.results.length !== images.length) {
    // No JSON: a policy that does not load (exit 3, one stderr line + our "at …" position line), or a crash.
    const lines = r.stderr.split('\n').filter((l) => l.trim().length > 0);
    const firstLine = lines[0] ?? '';
    const msg =
      r.code === 3 && firstLine.startsWith('Error loading trust policy: ')
        ? firstLine
        : `imgpolicy gave no usable JSON (exit ${r.code}): ${(lines.find((l) => /Error\b/.test(l)) ?? firstLine).trim() || r.stdout.slice(0, 200)}`;
    return batch.map(() => ({ verdict: 'error' as const, message: msg }));
  }
  const byInput = new Map<string, Answer>();
  images.forEach((img, i) => {
    const res = parsed!.results![i]!;
    byInput.set(img, res.verdict === 'allowed' ? { verdict: 'allowed' } : { verdict: res.verdict, message: res.error?.message ?? '' });
  });
  return batch.map((t) => byInput.get(t.image)!);
}

/** `imgpolicy lint FILE`: OK, or the `Error loading trust policy: …` line (the first stderr line; the second is our position). */
export async function imgpolicyLint(policy: string): Promise<Answer> {
  const cmd = imgpolicyCommand(['lint', policy]);
  const r = await run(cmd.file, cmd.args, { timeoutMs: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.code === 0) return { verdict: 'allowed' };
  const firstLine = r.stderr.split('\n').find((l) => l.trim().length > 0) ?? '';
  return { verdict: 'error', message: r.code === 3 ? firstLine : `lint exit ${r.code}: ${firstLine}` };
}

// ---------------------------------------------------------------------------------------------- comparison

/**
 * c/image formats a wrong-key GPG failure as `Invalid GPG signature: %#v` of a gpgme.Signature — a Go struct
 * dump with fingerprints, gpgme status codes and local-time timestamps that no other implementation can (or
 * should) reproduce byte-for-byte. For those we compare the verdict and the `Invalid GPG signature: ` prefix only:
 * each dump in the oracle's message becomes a wildcard that must be matched by our text up to the next `; `
 * (the separator c/image uses when it lists several signatures' reasons).
 */
const GPGME_DUMP = /Invalid GPG signature: gpgme\.Signature\{.*?HashAlgo:\d+\}/g;

export function messagesAgree(oracle: string, ours: string): boolean {
  if (oracle === ours) return true;
  if (!new RegExp(GPGME_DUMP.source).test(oracle)) return false;
  const parts = oracle.split(GPGME_DUMP).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp('^' + parts.join('Invalid GPG signature: (?:(?!; ).)+') + '$', 's');
  return re.test(ours);
}

/**
 * The one deliberate prefix difference: `Error loading trust policy: ` is skopeo's (and podman's) wrapping of
 * c/image's InvalidPolicyFormatError, not part of c/image's message. imgpolicy's JSON carries c/image's message
 * (`invalid policy in "FILE": …`) in error.message and prints skopeo's full line on stderr; so, for `error`
 * verdicts only, this prefix is removed from both sides before comparing.
 */
const SKOPEO_POLICY_PREFIX = 'Error loading trust policy: ';
const stripPolicyPrefix = (m: string) => (m.startsWith(SKOPEO_POLICY_PREFIX) ? m.slice(SKOPEO_POLICY_PREFIX.length) : m);

export function answersAgree(oracle: Answer, ours: Answer): boolean {
  // The three-way verdict must match, not only allowed-vs-not: rejected (exit 1) and could-not-evaluate
  // (exit 2) are different answers to a CI gate. Then the message, exactly (modulo the gpgme dump above).
  // Apart from skopeo's policy-loading prefix, nothing is stripped from `error:` messages: imgpolicy words
  // registry errors as c/image does (`initializing source docker://…: reading manifest …`).
  if (oracle.verdict !== ours.verdict) return false;
  if (oracle.verdict === 'allowed') return true;
  if (oracle.verdict === 'error') return messagesAgree(stripPolicyPrefix(oracle.message ?? ''), stripPolicyPrefix(ours.message ?? ''));
  return messagesAgree(oracle.message ?? '', ours.message ?? '');
}

export interface CompareStats {
  compared: number;
  disagreements: Disagreement[];
  /** compareLint only: how many files c/image refused (a lint comparison where nothing fails to parse proves little). */
  parseErrors?: number;
  /** c/image's answers by verdict and message, to see what a group (especially the generator) actually exercises. */
  oracleAnswers?: Map<string, number>;
}

export interface CompareOptions {
  oracleEnv: Record<string, string>;
  parallel?: number;
}

/** Ask both tools every triple and return the disagreements (oracle calls in a pool; imgpolicy once per batch). */
export async function compareTriples(triples: readonly Triple[], opts: CompareOptions): Promise<CompareStats> {
  const limit = opts.parallel ?? PARALLELISM;
  const tlsArgs = {
    certDir: `${ORACLE_DIR}/reg-tls/certdir`,
    creds: 'testuser:testpass',
  };
  // Batches: one imgpolicy process per (policy, registries.d, access, platform).
  const batches = new Map<string, Triple[]>();
  for (const t of triples) {
    const k = JSON.stringify([t.policy, t.registriesD, t.access, t.platform ?? '']);
    let b = batches.get(k);
    if (!b) batches.set(k, (b = []));
    b.push(t);
  }
  const ours = new Map<Triple, Answer>();
  // Oracle calls and imgpolicy batches share one pool: both are CPU-bound processes on a 2-core machine.
  type Job = { kind: 'oracle'; t: Triple } | { kind: 'ours'; b: Triple[] };
  const jobs: Job[] = [...[...batches.values()].map((b) => ({ kind: 'ours' as const, b })), ...triples.map((t) => ({ kind: 'oracle' as const, t }))];
  await mapLimit(jobs, limit, async (j) => {
    if (j.kind === 'oracle') await oracleVerdict(j.t, opts.oracleEnv);
    else (await imgpolicyBatch(j.b, tlsArgs)).forEach((a, i) => ours.set(j.b[i]!, a));
  });
  const disagreements: Disagreement[] = [];
  const oracleAnswers = new Map<string, number>();
  for (const t of triples) {
    const o = await oracleVerdict(t, opts.oracleEnv);
    const label = fmt(o).replace(GPGME_DUMP, 'Invalid GPG signature: gpgme.Signature{…}').replace(/sha256:[0-9a-f]{64}/g, 'sha256:…');
    oracleAnswers.set(label, (oracleAnswers.get(label) ?? 0) + 1);
    const u = ours.get(t)!;
    if (!answersAgree(o, u))
      disagreements.push({ group: t.group, image: t.image, policy: t.policy, args: tripleArgsLabel(t), note: t.note, oracle: fmt(o), ours: fmt(u) });
  }
  return { compared: triples.length, disagreements, oracleAnswers };
}

/**
 * `imgpolicy lint FILE` against the oracle's parse: verdict.sh on any image reports `error: Error loading trust
 * policy: invalid policy in "FILE": <reason>` when c/image cannot load the file, and something else when it can.
 */
export async function compareLint(cases: readonly LintCase[], opts: CompareOptions): Promise<CompareStats> {
  const limit = opts.parallel ?? PARALLELISM;
  const disagreements: Disagreement[] = [];
  let parseErrors = 0;
  await mapLimit(cases, limit, async (c) => {
    const t: Triple = { group: c.group, image: c.image, policy: c.policy, registriesD: `${ORACLE_DIR}/registries.d`, access: 'plain' };
    const [o, u] = await Promise.all([oracleVerdict(t, opts.oracleEnv), imgpolicyLint(c.policy)]);
    const parseError = o.verdict === 'error' && (o.message ?? '').startsWith('Error loading trust policy: ');
    if (parseError) parseErrors++;
    const expected: Answer = parseError ? o : { verdict: 'allowed' };
    if (!answersAgree(expected, u))
      disagreements.push({
        group: c.group,
        image: '(lint)',
        policy: c.policy,
        args: 'lint',
        note: c.note,
        oracle: parseError ? fmt(o) : `loads (verdict.sh: ${fmt(o)})`,
        ours: u.verdict === 'allowed' ? 'OK' : fmt(u),
      });
  });
  return { compared: cases.length, disagreements, parseErrors };
}

export function formatDisagreements(all: readonly Disagreement[], max = 200): string {
  // A CLI that does not run at all (broken build) would otherwise fill the report with one identical crash per
  // triple: say it once, with the count, and list only the real disagreements.
  const crashes = new Map<string, number>();
  const ds = all.filter((d) => {
    if (!d.ours.startsWith('error: imgpolicy gave no usable JSON') && !d.ours.startsWith('error: imgpolicy did not start')) return true;
    crashes.set(d.ours, (crashes.get(d.ours) ?? 0) + 1);
    return false;
  });
  const head = [...crashes].map(([msg, n]) => `imgpolicy crashed on ${n} triples: ${msg.slice('error: '.length)}`);
  const lines = ds.slice(0, max).map(
    (d, i) =>
      `${i + 1}. [${d.group}] ${d.image}  policy=${d.policy}${d.args ? `  (${d.args})` : ''}${d.note ? `  — ${d.note}` : ''}\n` +
      `     c/image: ${d.oracle}\n` +
      `     we:      ${d.ours}`,
  );
  if (ds.length > max) lines.push(`… and ${ds.length - max} more`);
  return [...head, ...lines].join('\n');
}

// ---------------------------------------------------------------------------------------------- build freshness

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Without IMGPOLICY_BIN the suites run dist/ (imgpolicy-bin.ts). On a developer machine dist/ is easily older
 * than src/, and comparing a stale build would report fixed bugs. So rebuild when any source is newer than dist/cli/main.js (tsc still emits when there are type errors; those are tsc's job to
 * report, not ours). CONFORMANCE_BUILD=0 skips this.
 */
export async function ensureBuilt(): Promise<string | undefined> {
  if (process.env.CONFORMANCE_BUILD === '0' || installedBin()) return undefined;
  const main = join(REPO_ROOT, 'dist/cli/main.js');
  const fresh = existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'));
  if (fresh) return undefined;
  const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  const r = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { timeoutMs: 300_000 });
  if (r.code === 0) return undefined;
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  return `had ${errors.length} type errors, first: ${(errors[0] ?? r.stdout.split('\n')[0] ?? '').slice(0, 160)}`;
}
