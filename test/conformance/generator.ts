/**
 * Seeded generator of extra differential triples: random but reproducible policies (scope mixes, requirement
 * lists, signedIdentity rules, a few deliberate format errors) crossed with the oracle's images, registries.d
 * variants, the TLS registry and another platform. The hand-written cases check what we thought of; this finds
 * the combinations nobody thought of (scope precedence with wildcards, identity rules on digests, requirement
 * order…). Same seed ⇒ same policies, byte for byte, so any disagreement can be replayed with CONFORMANCE_SEED.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY, TLS_REGISTRY, type Access, type Triple } from '../helpers/oracle.js';
import { byDigest, img, ORACLE_REPOS, type CaseContext } from './cases.js';

/** The default seed; override with CONFORMANCE_SEED (decimal or 0x…) to explore, and quote it to replay. */
export const DEFAULT_SEED = 0x1a6e_5eed;

export function seedFromEnv(): number {
  const s = process.env.CONFORMANCE_SEED;
  if (!s) return DEFAULT_SEED;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`CONFORMANCE_SEED must be an integer, got ${JSON.stringify(s)}`);
  return n >>> 0;
}

/** mulberry32: tiny, fast, good enough to spread test cases, and identical on every platform (32-bit integer math). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** k distinct elements, in random order. */
  sample<T>(xs: readonly T[], k: number): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a.slice(0, Math.min(k, a.length));
  }
  /** k distinct elements drawn with probability proportional to weight(x), in draw order. */
  weightedSample<T>(xs: readonly T[], k: number, weight: (x: T) => number): T[] {
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < k && pool.length > 0) {
      const total = pool.reduce((s, x) => s + weight(x), 0);
      let r = this.next() * total;
      let i = 0;
      for (; i < pool.length - 1; i++) if ((r -= weight(pool[i]!)) < 0) break;
      out.push(pool.splice(i, 1)[0]!);
    }
    return out;
  }
  /** Weighted choice: [[weight, value], …]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of items) {
      if ((r -= w) < 0) return v;
    }
    return items[items.length - 1]![1];
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Req = { [k: string]: Json };

export interface GeneratorOptions {
  seed: number;
  /** Number of policies; each is crossed with several images. */
  policies: number;
  /** Images per policy (min, max). */
  imagesPerPolicy: [number, number];
}

export interface Generated {
  seed: number;
  triples: Triple[];
  /** Every policy file written, for the lint comparison, with one image already asked about (cache hit). */
  policies: { file: string; image: string; note: string }[];
}

/** Extra registries.d directories: sigstore attachments off, only for one repository, and a missing lookaside. */
function registriesDVariants(ctx: CaseContext): { name: string; dir: string; weight: number }[] {
  const mk = (name: string, yaml: string) => {
    const dir = join(ctx.work, `registries.d-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'default.yaml'), yaml);
    return dir;
  };
  const lookaside = `file://${ctx.oracleDir}/lookaside`;
  return [
    { name: 'oracle', dir: ctx.registriesD, weight: 10 },
    { name: 'no-attachments', dir: mk('no-attachments', `default-docker:\n  lookaside: ${lookaside}\n`), weight: 1 },
    {
      name: 'attachments-for-signed-only',
      dir: mk(
        'attachments-for-signed-only',
        `default-docker:\n  lookaside: ${lookaside}\ndocker:\n  ${REGISTRY}/test/signed:\n    use-sigstore-attachments: true\n  ${REGISTRY}/test/gpgsigned:\n    lookaside: file://${ctx.work}/no-such-lookaside\n`,
      ),
      weight: 1,
    },
  ];
}

export function generate(ctx: CaseContext, opts: GeneratorOptions): Generated {
  const rng = new Rng(opts.seed);
  const K = `${ctx.oracleDir}/keys`;
  const PKI = `${ctx.oracleDir}/pki`;
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const rdVariants = registriesDVariants(ctx);

  // ---- signedIdentity rules (c/image policy_reference_match.go), including ones that must fail.
  const identity = (): Json | undefined =>
    rng.weighted<() => Json | undefined>([
      [8, () => undefined],
      [2, () => ({ type: 'matchExact' })],
      [2, () => ({ type: 'matchRepoDigestOrExact' })],
      [3, () => ({ type: 'matchRepository' })],
      [
        2,
        () => ({
          type: 'exactReference',
          dockerReference: rng.pick([`${REGISTRY}/test/signed:v1`, `${REGISTRY}/test/signed:v2`, 'registry.example.com/prod/remapped:v1', `${REGISTRY}/test/gpgsigned:v1`]),
        }),
      ],
      [2, () => ({ type: 'exactRepository', dockerRepository: rng.pick([`${REGISTRY}/test/signed`, `${REGISTRY}/test/cosigned`, 'registry.example.com/prod/remapped']) })],
      [
        2,
        () =>
          rng.pick<Json>([
            { type: 'remapIdentity', prefix: `${REGISTRY}/test`, signedPrefix: 'registry.example.com/prod' },
            { type: 'remapIdentity', prefix: REGISTRY, signedPrefix: 'registry.example.com' },
            { type: 'remapIdentity', prefix: `${REGISTRY}/test/remapped`, signedPrefix: 'registry.example.com/prod/remapped' },
            { type: 'remapIdentity', prefix: `${TLS_REGISTRY}/test`, signedPrefix: `${REGISTRY}/test` },
          ]),
      ],
    ])();

  // ---- sigstoreSigned key material: every spelling c/image 5.34 accepts.
  const sigstoreKey = (): Req =>
    rng.weighted<() => Req>([
      [4, () => ({ keyPath: `${K}/cosign1.pub` })],
      [2, () => ({ keyPath: `${K}/cosign2.pub` })],
      [1, () => ({ keyPath: `${K}/cosign3.pub` })],
      [1, () => ({ keyPath: `${K}/skopeo-gen.pub` })],
      [2, () => ({ keyPaths: rng.sample([`${K}/cosign1.pub`, `${K}/cosign2.pub`, `${K}/cosign3.pub`], 1 + rng.int(3)) })],
      [2, () => ({ keyData: b64(rng.pick([`${K}/cosign1.pub`, `${K}/cosign2.pub`])) })],
      [1, () => ({ keyDatas: [b64(`${K}/cosign2.pub`), b64(`${K}/cosign1.pub`)] })],
      [
        1,
        () => ({
          fulcio: { caPath: `${PKI}/fulcio-root.crt`, oidcIssuer: rng.pick(['https://oidc.example.com', 'https://other.example.com']), subjectEmail: rng.pick(['fulcio-signer@example.com', 'signer@example.com']) },
          rekorPublicKeyPath: `${PKI}/rekor.pub`,
        }),
      ],
      [
        1,
        () => ({
          pki: {
            caRootsPath: rng.pick([`${PKI}/pki-root.crt`, `${PKI}/fulcio-root.crt`]),
            ...(rng.chance(0.5) ? { subjectEmail: rng.pick(['signer@example.com', 'other@example.com']) } : { subjectHostname: rng.pick(['signer.example.com', 'other.example.com']) }),
          },
        }),
      ],
    ])();

  const requirement = (): Req =>
    rng.weighted<() => Req>([
      [4, () => ({ type: 'insecureAcceptAnything' })],
      [1, () => ({ type: 'reject' })],
      [
        8,
        () => {
          const r: Req = { type: 'sigstoreSigned', ...sigstoreKey() };
          // Rekor on a plain key: valid key, wrong key, or as inline data.
          if (!('fulcio' in r) && !('pki' in r) && rng.chance(0.15))
            r[rng.pick(['rekorPublicKeyPath', 'rekorPublicKeyData'])] =
              rng.chance(0.7) ? (rng.chance(0.5) ? `${PKI}/rekor.pub` : b64(`${PKI}/rekor.pub`)) : `${K}/cosign2.pub`;
          if (typeof r.rekorPublicKeyData === 'string' && r.rekorPublicKeyData.startsWith('/')) r.rekorPublicKeyData = b64(r.rekorPublicKeyData);
          const id = identity();
          if (id !== undefined) r.signedIdentity = id;
          return r;
        },
      ],
      [
        4,
        () => {
          const r: Req = {
            type: 'signedBy',
            keyType: 'GPGKeys',
            ...rng.weighted<Req>([
              [3, { keyPath: `${K}/gpg1.pub.gpg` }],
              [2, { keyPath: `${K}/gpg2.pub.gpg` }],
              [1, { keyPath: `${K}/gpg1.pub.asc` }],
              [1, { keyPaths: [`${K}/gpg2.pub.gpg`, `${K}/gpg1.pub.gpg`] }],
              [1, { keyData: b64(`${K}/gpg1.pub.gpg`) }],
            ]),
          };
          const id = identity();
          if (id !== undefined) r.signedIdentity = id;
          return r;
        },
      ],
      [0.5, () => ({ type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchRepository' } })],
    ])();

  const requirements = (): Req[] => {
    // Mostly one requirement: evaluation stops at the first denial, so long lists mostly re-test that.
    const n = rng.weighted([
      [8, 1],
      [3, 2],
      [1, 3],
    ] as const);
    return Array.from({ length: n }, requirement);
  };

  // ---- scopes: every kind of docker scope, including the ones that can never match.
  const repos = ORACLE_REPOS.filter((r) => !r.startsWith('img-'));
  const scope = (): string =>
    rng.weighted<() => string>([
      [3, () => `${REGISTRY}/test/${rng.pick(repos)}:v1`],
      [1, () => `${REGISTRY}/test/signed:v2`],
      [
        1,
        () => {
          const r = rng.pick(['signed', 'gpgsigned', 'unsigned']);
          return `${REGISTRY}/test/${r}@${ctx.digests[`test/${r}`]}`;
        },
      ],
      [3, () => `${REGISTRY}/test/${rng.pick(repos)}`],
      [3, () => `${REGISTRY}/test`],
      [2, () => REGISTRY],
      [1, () => '127.0.0.1'],
      [1, () => `localhost:5000/test`],
      [1, () => `${TLS_REGISTRY}/test`],
      // c/image derives *.0.0.1, *.0.1, *.1 from 127.0.0.1 (it strips the port and walks the dots, IP or not).
      [2, () => rng.pick(['*.0.0.1', '*.0.1', '*.1', '*.example.com', '*.0.0.1:5000', '*.127.0.0.1'])],
      [2, () => ''],
    ])();

  // ---- images: every oracle image, plus digest references, another tag, another host name.
  const plainImages: string[] = [
    ...ORACLE_REPOS.map((r) => img(r)),
    img('signed', 'v2'),
    ...['signed', 'gpgsigned', 'unsigned', 'multi', 'remapped', 'cosigned', 'multi-instonly', 'key2signed'].map((r) => byDigest(ctx, r)),
    `docker://localhost:5000/test/signed:v1`,
    `docker://localhost:5000/test/gpgsigned:v1`,
  ];
  const multiImages = ['multi', 'multi-docker', 'multi-idxonly', 'multi-instonly', 'multi-unsigned'].map((r) => img(r));
  const tlsImages = [img('signed', 'v1', TLS_REGISTRY), img('unsigned', 'v1', TLS_REGISTRY)];
  // Unsigned images all answer "no signature exists" to every signature requirement; favour the images that
  // carry signatures (valid, foreign-identity, broken) so that the verification paths get most of the runs.
  const heavy: Record<string, number> = {
    signed: 3, 'signed:v2': 2, both: 2, 'img-1': 2, 'docker-v2s2': 2, multi: 2, gpgsigned: 3, gpg2signed: 2, remapped: 2,
    'remapped-gpg': 2, nullopt: 2, rekor: 2, pki: 2, fulcio: 2, key2signed: 2,
  };
  const imageWeight = (ref: string): number => {
    const m = /\/test\/([^:@]+)(?::(v\d))?(@)?/.exec(ref);
    if (!m) return 1;
    const w = heavy[m[2] === 'v2' ? `${m[1]}:v2` : m[1]!] ?? 1;
    return m[3] ? w + 1 : w;
  };

  // ---- deliberate format errors (c/image must refuse the whole file; so must we, with the same words).
  const mutate = (p: { default: Req[]; transports: { [t: string]: { [s: string]: Req[] } } }): string => {
    const anyList = (): Req[] => {
      const lists = [p.default, ...Object.values(p.transports.docker ?? {})];
      return rng.pick(lists);
    };
    return rng.weighted<() => string>([
      [2, () => ((anyList()[0] ?? p.default[0]!).extra = 1, 'unknown key "extra"')],
      [1, () => ((p.transports.docker ??= {})[`${REGISTRY}/test/empty`] = [], 'empty requirement list')],
      [1, () => (anyList().push({ type: 'fancySigned' }), 'unknown requirement type')],
      [1, () => (anyList().push({ type: 'signedBy', keyType: 'X509Certificates', keyPath: `${K}/gpg1.pub.gpg` }), 'X509Certificates')],
      [1, () => (anyList().push({ type: 'sigstoreSigned', keyPath: `${K}/cosign1.pub`, keyData: b64(`${K}/cosign1.pub`) }), 'keyPath + keyData')],
      [1, () => (anyList().push({ type: 'signedBy', keyType: 'GPGKeys' }), 'signedBy without a key')],
      [1, () => (anyList().push({ type: 'sigstoreSigned', keyPath: `${K}/cosign1.pub`, signedIdentity: { type: 'exactReference' } }), 'exactReference without dockerReference')],
      [1, () => (anyList().push({ type: 'sigstoreSigned', keyPath: `${K}/cosign1.pub`, signedIdentity: { type: 'remapIdentity', prefix: '*.example.com', signedPrefix: 'x' } }), 'bad remap prefix')],
      [1, () => ((p.transports.docker ??= {})['UPPER.example.com/Repo'] = [{ type: 'reject' }], 'upper-case scope')],
      [1, () => ((p.transports.dokker = { '': [{ type: 'reject' }] }), 'unknown transport')],
      [1, () => ((p.transports.docker ??= {})[`${REGISTRY}/test@sha256:123`] = [{ type: 'reject' }], 'malformed digest scope')],
    ])();
  };

  const triples: Triple[] = [];
  const policies: Generated['policies'] = [];
  for (let i = 0; i < opts.policies; i++) {
    const policy: { default: Req[]; transports: { [t: string]: { [s: string]: Req[] } } } = { default: requirements(), transports: {} };
    const docker: { [s: string]: Req[] } = {};
    const nScopes = rng.weighted([
      [1, 0],
      [4, 1],
      [4, 2],
      [3, 3],
      [2, 5],
    ] as const);
    for (let s = 0; s < nScopes; s++) docker[scope()] = requirements();
    if (nScopes > 0 || rng.chance(0.5)) policy.transports.docker = docker;
    // Other transports' sections must be parsed and validated, but never consulted for docker images.
    if (rng.chance(0.1)) policy.transports.dir = { '/nonexistent': [{ type: 'reject' }] };
    const notes: string[] = [];
    if (rng.chance(0.12)) notes.push(`mutation: ${mutate(policy)}`);

    const rd = rng.weighted(rdVariants.map((v) => [v.weight, v] as const));
    const mode = rng.weighted([
      [16, 'plain'],
      [2, 'multi'],
      [2, 'tls'],
    ] as const);
    const access: Access = mode === 'tls' ? 'tls' : 'plain';
    const platform = mode === 'multi' && rng.chance(0.5) ? 'linux/arm64' : undefined;
    const pool = mode === 'tls' ? tlsImages : mode === 'multi' ? multiImages : plainImages;
    const [lo, hi] = opts.imagesPerPolicy;
    const images = rng.weightedSample(pool, lo + rng.int(hi - lo + 1), imageWeight);

    const file = join(ctx.work, `gen-${String(i).padStart(3, '0')}.json`);
    writeFileSync(file, JSON.stringify(policy, null, 2) + '\n');
    const note = [`gen #${i}`, rd.name !== 'oracle' ? `registries.d ${rd.name}` : '', ...notes].filter(Boolean).join(', ');
    policies.push({ file, image: images[0]!, note });
    for (const image of images)
      triples.push({ group: 'generated', image, policy: file, registriesD: rd.dir, access, ...(platform ? { platform } : {}), note });
  }
  return { seed: opts.seed, triples, policies };
}
