/**
 * The real CLI (`node bin/imgpolicy.js verify … --output json`) against the fault-injecting registry
 * (test/helpers/fault-registry.ts): for every fault, the verdict, message, exit code and wall time. The contract:
 * no fault is ever allowed (only the controls are), nothing crashes (exit codes 0–2 with a JSON document and no
 * stack trace), and no run outlives `--timeout` by more than process start-up and shut-down.
 * The table is printed (markdown) for the resolving note.
 *
 * Needs the build (`npx tsc -p tsconfig.build.json`): the suite builds once if dist/ is missing or older than src/.
 */
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCLI, type CLIRun } from '../helpers/cli-runner.js';
import { FAULTS, startFaultRegistry, type FaultName, type FaultRegistry } from '../helpers/fault-registry.js';
import { parseVerifyJSON } from '../helpers/output-schema.js';

const TIMEOUT_S = 4;
/** Node start-up, module loading and shutdown on a loaded CI machine. */
const SLACK_MS = 3000;

async function pool<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

interface Row {
  fault: string;
  description: string;
  control: boolean;
  verdict: string;
  exit: number | null;
  ms: number;
  message: string;
  crash: string | undefined;
}

/**
 * Allowed because containers/image allows them (issue 19; compared with skopeo 1.18 in
 * test/conformance/malicious-registry.test.ts): a 200 KiB response header is within Go's 10 MiB limit
 * (`header-20kB` there), and a `.sig` manifest of 5,000 valid layers is within its 4 MiB bound, with no count limit
 * (`sig-129-layers` there).
 */
const CONTROLS_ALLOWED = new Set(['ok', 'many-layers', 'redirect-other-host', 'lying-content-digest', 'tls-ok', 'huge-headers', 'thousands-of-signatures']);

let dir: string;
let reg: FaultRegistry;
let other: FaultRegistry;
let stallPing: FaultRegistry;
const tls: FaultRegistry[] = [];
let rows: Row[] = [];

function writePolicy(pub: string): string {
  const keyPath = join(dir, `key-${Math.random().toString(36).slice(2)}.pub`);
  writeFileSync(keyPath, pub);
  const p = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath, signedIdentity: { type: 'matchRepository' } }] }));
  return p;
}

function writeRegistriesD(host: string, scheme = 'http'): string {
  const d = mkdtempSync(join(dir, 'registries.d-'));
  writeFileSync(join(d, 'default.yaml'), `default-docker:\n  use-sigstore-attachments: true\n  lookaside: ${scheme}://${host}/lookaside\n`);
  return d;
}

const env = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(dir, 'home'), NO_COLOR: '1' });

function classify(fault: string, description: string, r: CLIRun): Row {
  let verdict = '(no JSON)';
  let message = '';
  let crash: string | undefined;
  try {
    const doc = parseVerifyJSON(r.stdout) as { results: { verdict: string; error?: { message: string } }[] };
    verdict = doc.results[0]!.verdict;
    message = doc.results[0]!.error?.message ?? '';
  } catch {
    crash = `stdout is not JSON: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 300)}`;
  }
  if (r.code === null) crash = `killed by ${r.signal}`;
  else if (r.code > 2) crash = `exit ${r.code}: ${r.stderr.slice(0, 300)}`;
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr) || /TypeError|RangeError|ReferenceError|Unhandled|triggerUncaughtException/.test(r.stderr)) {
    crash = `stack/uncaught on stderr: ${r.stderr.slice(0, 400)}`;
  }
  return { fault, description, control: CONTROLS_ALLOWED.has(fault) || fault === 'unsigned', verdict, exit: r.code, ms: r.ms, message, crash };
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'imgpolicy-hostile-'));
  mkdirSync(join(dir, 'home'));
  const store = new Map<string, Buffer>();
  other = await startFaultRegistry({ sharedStore: store, stallMs: 20_000, lifetimeMs: 180_000 });
  reg = await startFaultRegistry({ otherOrigin: `http://${other.host}`, sharedStore: store, stallMs: 20_000, lifetimeMs: 180_000 });
  stallPing = await startFaultRegistry({ stallPing: true, stallMs: 20_000, lifetimeMs: 180_000 });
}, 60_000);

afterAll(async () => {
  await Promise.all([reg, other, stallPing, ...tls].filter(Boolean).map((s) => s.stop()));
  if (rows.length > 0) {
    const lines = [
      '| # | fault | verdict | exit | time (s) | message (containers/image wording, truncated) |',
      '|---:|---|---|---:|---:|---|',
      ...rows.map(
        (r, i) =>
          `| ${i + 1} | ${r.control ? '*control:* ' : ''}${r.fault} — ${r.description.replace(/^control: /, '')} | ${r.verdict} | ${r.exit} | ${(r.ms / 1000).toFixed(2)} | ${r.message.replace(/\|/g, '\\|').replace(/127\.0\.0\.1:\d+/g, 'HOST').slice(0, 150)} |`,
      ),
    ];
    const faults = rows.filter((r) => !r.control);
    lines.push('');
    lines.push(
      `faults: ${faults.length}, accepted: ${faults.filter((r) => r.verdict === 'allowed').length}, crashes: ${rows.filter((r) => r.crash).length}, ` +
        `over --timeout ${TIMEOUT_S} s + ${SLACK_MS / 1000} s: ${rows.filter((r) => r.ms > TIMEOUT_S * 1000 + SLACK_MS).length}, slowest: ${(Math.max(...rows.map((r) => r.ms)) / 1000).toFixed(2)} s`,
    );
    console.log(lines.join('\n'));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile registry, real CLI', () => {
  test('every fault: never allowed, never a crash, never beyond --timeout', async () => {
    const policy = writePolicy(reg.publicKeyPEM);
    const regD = writeRegistriesD(reg.host);
    const names = Object.keys(FAULTS) as FaultName[];
    const runs = await pool(names, 10, async (fault) => {
      const ref = fault === 'wrong-digest-manifest' ? `${reg.host}/${fault}/img@${reg.digestOf(fault)}` : `${reg.host}/${fault}/img:v1`;
      const r = await runCLI(['verify', '--policy', policy, '--registries.d', regD, '--tls-verify=false', '--timeout', String(TIMEOUT_S), '--output', 'json', ref], env());
      return classify(fault, FAULTS[fault], r);
    });
    // A registry that never answers its ping (before any repository is named).
    const pingPolicy = writePolicy(stallPing.publicKeyPEM);
    const pr = await runCLI(['verify', '--policy', pingPolicy, '--registries.d', writeRegistriesD(stallPing.host), '--tls-verify=false', '--timeout', String(TIMEOUT_S), '--output', 'json', `${stallPing.host}/ok/img:v1`], env());
    runs.push(classify('stall-ping', '/v2/ ping never answered', pr));
    rows.push(...runs);

    // Credentials (the bearer token) never followed the cross-origin redirect.
    expect(other.log.filter((l) => l.path.startsWith('/storage/')).length).toBeGreaterThan(0);
    expect(other.log.filter((l) => l.authorization !== undefined)).toEqual([]);

    for (const r of runs) {
      const where = `${r.fault}: ${r.verdict} ${r.exit} ${r.message} ${r.crash ?? ''}`;
      expect([where, r.crash]).toEqual([where, undefined]);
      expect([where, r.ms <= TIMEOUT_S * 1000 + SLACK_MS]).toEqual([where, true]);
      if (CONTROLS_ALLOWED.has(r.fault)) expect([where, r.verdict, r.exit]).toEqual([where, 'allowed', 0]);
      else {
        expect([where, r.verdict === 'allowed']).toEqual([where, false]);
        expect([where, r.exit === 1 || r.exit === 2]).toEqual([where, true]);
      }
    }
  }, 120_000);

  test('TLS: untrusted CA and wrong name are refused; the right CA works', async () => {
    const ca = makeCA(join(dir, 'tls'));
    const good = await startFaultRegistry({ tls: { cert: ca.good.cert, key: ca.good.key }, lifetimeMs: 120_000 });
    const wrongName = await startFaultRegistry({ tls: { cert: ca.wrongName.cert, key: ca.wrongName.key }, lifetimeMs: 120_000 });
    tls.push(good, wrongName);
    const cases: [string, string, FaultRegistry, string[]][] = [
      ['tls-ok', 'control: https with --cert-dir trusting the CA', good, ['--cert-dir', ca.certDir]],
      ['tls-untrusted-ca', 'https, certificate from a CA nobody trusts (--tls-verify default)', good, []],
      ['tls-wrong-name', 'https, trusted CA, certificate for wrong.example only', wrongName, ['--cert-dir', ca.certDir]],
    ];
    const runs = await pool(cases, 3, async ([name, description, server, extra]) => {
      const r = await runCLI(
        ['verify', '--policy', writePolicy(server.publicKeyPEM), '--registries.d', writeRegistriesD(server.host, 'https'), ...extra, '--timeout', String(TIMEOUT_S), '--output', 'json', `${server.host}/ok/img:v1`],
        env(),
      );
      return classify(name, description, r);
    });
    rows.push(...runs);
    for (const r of runs) {
      const where = `${r.fault}: ${r.verdict} ${r.exit} ${r.message} ${r.crash ?? ''}`;
      expect([where, r.crash]).toEqual([where, undefined]);
      if (r.fault === 'tls-ok') expect([where, r.verdict]).toEqual([where, 'allowed']);
      else {
        expect([where, r.verdict, r.exit]).toEqual([where, 'error', 2]);
        expect(r.message).toMatch(r.fault === 'tls-wrong-name' ? /certificate|altnames|wrong\.example/i : /certificate/i);
      }
    }
  }, 60_000);
});

/** A CA, a server certificate for 127.0.0.1 and one for wrong.example only (openssl, EC P-256). */
function makeCA(d: string): { certDir: string; good: { cert: string; key: string }; wrongName: { cert: string; key: string } } {
  mkdirSync(d, { recursive: true });
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: d, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=hostile test CA']);
  const leaf = (name: string, san: string) => {
    run(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(d, `${name}.cnf`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.cnf`]);
    return { cert: readFileSync(join(d, `${name}.crt`), 'utf8'), key: readFileSync(join(d, `${name}.key`), 'utf8') };
  };
  const good = leaf('good', 'IP:127.0.0.1,DNS:localhost');
  const wrongName = leaf('wrong', 'DNS:wrong.example');
  const certDir = join(d, 'certdir');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(join(d, 'ca.crt')));
  return { certDir, good, wrongName };
}
