import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { criOReference, planTasks, runTasks, type ImageRequest } from '../batch.js';
import { loadImgpolicyConfig, processEnv, type ProcessEnv } from '../context.js';
import { combineExitCodes, EXIT } from '../exit-codes.js';
import type { CLIIO } from '../io.js';
import type { ContextNamespace } from '../k8s/kubeconfig.js';
import type { ImageOccurrence } from '../k8s/manifests.js';
import type { PinEdit } from '../k8s/pin.js';
import { describeProblem, type ManifestProblem } from '../k8s/problem.js';
import { findCacheBypass, type CacheBypassFinding } from '../findings/cache-bypass.js';
import { addClusterPolicyOptions, prepareClusterPolicies, type ClusterPolicyFiles } from '../cluster-policies.js';
import { PolicyResolver } from '../namespace-policy.js';
import { ImageSession } from '../open-image.js';
import { addImageAccessOptions, collect, withRegistriesD, addPolicyOptions, policyPathOf, type ImageAccessOptions } from '../options.js';
import { renderDebugLines } from '../output/debug.js';
import { renderGitHubAnnotations } from '../output/github.js';
import { renderJSON } from '../output/json.js';
import { renderJUnit } from '../output/junit.js';
import { verdictOf, type ImageReport, type PinOutcome, type RunNotes } from '../output/result.js';
import { renderSARIF } from '../output/sarif.js';
import { renderText } from '../output/text.js';
import { describePolicyError } from '../policy-load.js';
import { parseDockerReference } from '../../reference/index.js';
import { asImgpolicyError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { pathError } from '../../go/os.js';
import { parseCreds } from '../../registry/credentials.js';

export const OUTPUT_FORMATS = ['text', 'json', 'junit', 'sarif'] as const;
/** Findings that warn by default and fail the run with `--fail-on`. */
export const FAIL_ON = ['cache-bypass', 'newly-allowed'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface VerifyOptions extends ImageAccessOptions {
  policy?: string;
  signaturePolicy?: string;
  signaturePolicyDir?: string;
  namespace?: string;
  output: OutputFormat | string;
  debug?: boolean;
  requireSignatureVerification?: boolean;
  sigstoreBundles?: boolean;
  sigstoreBundleHint?: boolean;
  fromFile?: string;
  manifests?: string[];
  ignoreKind?: string[];
  recursive?: boolean;
  jobs?: number;
  pin?: boolean;
  pinDir?: string;
  inPlace?: boolean;
  failOn?: string[];
  baselinePolicy?: string;
  baselinePolicyDir?: string;
  clusterPolicies?: string[];
  basePolicy?: string;
  fulcioCa?: string;
  rekorPublicKey?: string;
  onNoMatch?: 'deny' | 'allow';
  keySecret?: string[];
}

/** Shown by `imgpolicy verify --help`; the README's CI sections use the same commands. */
const VERIFY_HELP = `
Images come from the arguments, from --from-file (one reference a line, "#" comments; "-" reads stdin) and from
Kubernetes manifests (-f: files or directories, always recursively and dotfiles included, so that both
"kubectl apply -f DIR" and "-R -f DIR" are covered; "-" reads standard input; YAML or JSON; multi-document files;
any object with "items" is a list, as kubectl reads it). Images are looked for in every document of any kind:
containers, initContainers, ephemeralContainers, sidecars, steps, container, script, stepTemplate, and image
volumes (volumes[].image.reference). An object that looks like a container anywhere else is an error, unless its
kind is accepted with --ignore-kind. YAML that kubectl (YAML 1.1) could read differently is refused (exit 3): tags
such as !!binary, aliases, merge keys, duplicate keys, CR/NEL/LS/PS line breaks, UTF-16/32. Each distinct image is
evaluated once, however often it appears.

Namespace policies (CRI-O 1.28+ signature_policy_dir): with --signature-policy-dir DIR, an image used in namespace NS
is judged by DIR/NS.json when that file exists, otherwise by the global policy (--policy, or the default path).
The namespace is decided as kubectl decides it: the manifest's metadata.namespace ("" is none), else --namespace,
else the current kubeconfig context's namespace (KUBECONFIG, else ~/.kube/config), else "default". A namespace
that is not a DNS-1123 label is an error for its images.

Examples:
  # one image, as podman/skopeo would judge it
  imgpolicy verify --policy ./policy.json quay.io/crio/signed:latest

  # a CI gate over a directory of manifests, JUnit for the CI's test tab
  imgpolicy verify --policy ./policy.json -f k8s/ --output junit > imgpolicy.xml

  # as CRI-O would judge it per namespace, with SARIF for GitHub code scanning
  imgpolicy verify --signature-policy-dir /etc/crio/policies --policy /etc/containers/policy.json \\
      -f k8s/ --output sarif > imgpolicy.sarif

  # close the check-then-use gap: rewrite tags to name:tag@sha256:… once verified
  imgpolicy verify --policy ./policy.json -f k8s/ --pin --pin-dir k8s-pinned/
  imgpolicy verify --policy ./policy.json -f k8s/ --pin --in-place

  # what would a new policy break? (newly rejected → exit 1; newly allowed is always listed)
  imgpolicy verify --policy new.json --baseline-policy /etc/containers/policy.json -f k8s/
  imgpolicy verify --signature-policy-dir new-policies/ --baseline-policy-dir /etc/crio/policies -f k8s/

  # a list of references, e.g. from "kubectl get pods -A -o jsonpath=…"
  kubectl get pods -A -o jsonpath='{..image}' | tr ' ' '\\n' | imgpolicy verify --from-file -

Cache bypass: with namespace policies, an image one namespace allows and another rejects is reported as a
"cache-bypass" finding when a container of the rejecting namespace has the (defaulted) imagePullPolicy IfNotPresent
or Never: it would start from the node's copy without a pull, so CRI-O never checks its policy. A warning unless
--fail-on cache-bypass; it never changes a verdict.

Output: a verdict per image with the manifest digest it is about; on rejection containers/image's message with
the kubelet reason (SignatureValidationFailed), the policy file, scope and requirement that decided, what was
expected and found, and hints for common configuration mistakes. --output json|junit|sarif for machines;
GitHub Actions annotations are added (on stderr) when GITHUB_ACTIONS=true. Colours: off with NO_COLOR or no TTY.

Exit codes: 0 all allowed · 1 some rejected · 2 some could not be evaluated (none rejected) · 3 bad invocation,
unreadable manifest or policy that does not parse.`;

export function verifyCommand(program: Command, io: CLIIO, env: () => ProcessEnv = processEnv): void {
  const cmd = program
    .command('verify')
    .description('decide, as CRI-O/podman/skopeo would, whether each image may run under the policy')
    .argument('[image...]', 'image references: docker (default; docker:// optional), dir:PATH, oci:PATH[:REF]')
    .option('-f, --manifests <path>', 'Kubernetes manifests (file or directory, read recursively; "-": standard input; repeatable) whose images to verify', collect)
    .option('-R, --recursive', 'accepted for kubectl compatibility: directories are always read recursively')
    .option('--ignore-kind <kind>', 'documents of this kind may hold container-like objects that nothing runs (repeatable)', collect)
    .option('--from-file <file>', 'read image references from FILE, one a line ("-": standard input)')
    .addOption(new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default('text'))
    .option('--signature-policy-dir <dir>', 'CRI-O namespace policies: DIR/<namespace>.json, else the global policy')
    .option('-n, --namespace <ns>', 'namespace for command-line images and manifests without metadata.namespace (as kubectl -n)')
    .option('-j, --jobs <n>', 'images evaluated at once', (v) => Number.parseInt(v, 10), 8)
    .option('--pin', 'rewrite verified tag references in the manifests to name:tag@sha256:… (see --pin-dir, --in-place)')
    .option('--pin-dir <dir>', 'with --pin: write pinned copies of the manifests here', 'imgpolicy-pinned')
    .option('--in-place', 'with --pin: rewrite the manifest files themselves')
    .option('--fail-on <finding>', `exit 1 on a finding that is only a warning by default: ${FAIL_ON.join(', ')} (repeatable, or comma-separated)`, collect)
    .option('--baseline-policy <path>', 'what-if: compare with this (current) global policy; --policy is the new one')
    .option('--baseline-policy-dir <dir>', 'what-if: compare with this (current) namespace policy directory; --signature-policy-dir is the new one')
    .option('--debug', "print containers/image's debug lines (IsRunningImageAllowed …) on stderr")
    .option('--require-signature-verification', 'also deny images whose requirements verify no signature (c/image opt-in)')
    .option('--sigstore-bundles', 'also accept sigstore bundles attached as OCI referrers (cosign v3); containers/image and CRI-O ignore them (config: "sigstoreBundles" in ~/.config/imgpolicy/config.json, or IMGPOLICY_SIGSTORE_BUNDLES=true)')
    .option('--no-sigstore-bundle-hint', 'do not look for bundles after a denial to say whether they would change the verdict')
    .addHelpText('after', VERIFY_HELP);
  addPolicyOptions(cmd);
  addImageAccessOptions(cmd);
  addClusterPolicyOptions(cmd);
  cmd.action(async (images: string[], opts: VerifyOptions) => {
    io.setExitCode(await runVerify(images, withRegistriesD(opts), env(), io));
  });
}

export async function runVerify(images: string[], opts: VerifyOptions, pe: ProcessEnv, io: CLIIO): Promise<number> {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(opts.output)) {
    io.stderr(`unknown --output ${JSON.stringify(opts.output)}: use ${OUTPUT_FORMATS.join(', ')}\n`);
    return EXIT.usage;
  }
  const jobs = opts.jobs ?? 8;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    io.stderr(`--jobs must be a whole number from 1 to 64\n`);
    return EXIT.usage;
  }
  if (opts.creds !== undefined) {
    // skopeo refuses bad --creds before anything else (and the value, which holds a password, is never echoed).
    try {
      parseCreds(opts.creds);
    } catch (e) {
      io.stderr(`imgpolicy: --creds: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
  }
  const failOn = new Set((opts.failOn ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''));
  for (const f of failOn) {
    if (!(FAIL_ON as readonly string[]).includes(f)) {
      io.stderr(`unknown --fail-on ${JSON.stringify(f)}: use ${FAIL_ON.join(', ')}\n`);
      return EXIT.usage;
    }
  }
  if ((opts.inPlace || opts.pinDir !== undefined && opts.pinDir !== 'imgpolicy-pinned') && !opts.pin) {
    io.stderr('--in-place and --pin-dir only apply with --pin\n');
    return EXIT.usage;
  }

  // ---- gather references
  const requests: ImageRequest[] = [];
  for (const input of images) requests.push({ input, evaluate: input, ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) });
  let manifestFiles: string[] = [];
  let problems: ManifestProblem[] = [];
  let ignoredDocs: string[] = [];
  if (opts.fromFile === '-' && opts.manifests?.includes('-')) {
    io.stderr('standard input can be read once: use "-" with only one of --from-file and -f\n');
    return EXIT.usage;
  }
  try {
    if (opts.fromFile !== undefined) {
      const text = opts.fromFile === '-' ? await (io.readStdin?.() ?? Promise.resolve('')) : await readReferenceList(resolve(pe.cwd, opts.fromFile), opts.fromFile);
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.replace(/\s+#.*$/, '').trim();
        if (line === '' || line.startsWith('#')) continue;
        // A list is what the cluster runs (`kubectl get pods … -o jsonpath`): read each as CRI-O pulls it, so that
        // `name:tag@digest` (what --pin writes) is judged as `name@digest`, exactly as in a manifest.
        const evaluate = hasTransport(line) ? line : criOReference(line).stripped ? criOReference(line).evaluate : line;
        requests.push({ input: line, evaluate, ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) });
      }
    }
    if (opts.manifests?.length) {
      // The YAML parser loads only when manifests are given.
      const { scanManifests } = await import('../k8s/manifests.js');
      const scan = await scanManifests(opts.manifests, pe.cwd, {
        ignoreKinds: new Set(opts.ignoreKind ?? []),
        readStdin: () => io.readStdin?.() ?? Promise.resolve(''),
      });
      manifestFiles = scan.files.filter((f) => f !== '-');
      problems = scan.problems;
      ignoredDocs = scan.ignored;
      const namespaceOf = manifestNamespaces(opts, pe);
      for (const o of scan.occurrences) {
        const { evaluate } = criOReference(o.image);
        const { namespace, source } = await namespaceOf(o);
        // Each place carries the namespace it is deployed to (the same image can go to several).
        requests.push({ input: o.image, evaluate, namespace, namespaceSource: source, occurrence: { ...o, namespace }, architectures: o.architectures ?? 'all' });
      }
    }
  } catch (e) {
    io.stderr(`imgpolicy: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.usage;
  }
  if (requests.length === 0 && problems.length + ignoredDocs.length > 0) {
    // Nothing could be read: still a complete report in the chosen format, carrying the errors.
    const code = render([], { warnings: ignoredDocs, problems, skippedDocuments: ignoredDocs }, opts, pe, io);
    if (problems.length === 0) io.stderr(`no container images evaluated in ${opts.manifests?.join(', ') ?? ''}\n`);
    return problems.length === 0 ? EXIT.usage : code;
  }
  if (requests.length === 0) {
    io.stderr(opts.manifests?.length ? `no container images found in ${opts.manifests.join(', ')}\n` : 'no images given: name images, or use --from-file or -f/--manifests\n');
    return EXIT.usage;
  }
  if (opts.pin && !opts.manifests?.length) {
    io.stderr('--pin rewrites Kubernetes manifests: give them with -f/--manifests\n');
    return EXIT.usage;
  }
  if (opts.pin && opts.manifests?.includes('-')) {
    io.stderr('--pin rewrites manifest files: it cannot rewrite standard input (-f -)\n');
    return EXIT.usage;
  }

  // ---- imgpolicy's own settings: the flag wins over the config file and the environment
  try {
    const config = await loadImgpolicyConfig(pe);
    if (opts.sigstoreBundles === undefined && config.sigstoreBundles !== undefined) opts = { ...opts, sigstoreBundles: config.sigstoreBundles };
  } catch (e) {
    io.stderr(`imgpolicy: ${(e as Error).message}\n`);
    return EXIT.usage;
  }

  // ---- cluster policies: the node files render would write stand in for --policy/--signature-policy-dir/registries.d
  let cluster: ClusterPolicyFiles | undefined;
  if (opts.clusterPolicies?.length) {
    if (policyPathOf(opts) !== undefined || opts.signaturePolicyDir !== undefined) {
      io.stderr('--cluster-policies renders the policy files itself: do not combine it with --policy or --signature-policy-dir\n');
      return EXIT.usage;
    }
    try {
      cluster = await prepareClusterPolicies(opts.clusterPolicies, { ...opts, output: 'text', ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) }, pe, io);
    } catch (e) {
      io.stderr(`imgpolicy: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    opts = { ...opts, policy: cluster.policy, signaturePolicyDir: cluster.signaturePolicyDir, registriesD: cluster.registriesD };
    for (const n of cluster.result.notes) io.stderr(`note: ${n}\n`);
  }

  const whatIf = opts.baselinePolicy !== undefined || opts.baselinePolicyDir !== undefined;
  // A --fail-on that cannot fire would let a gate pass silently: refuse it.
  if (failOn.has('newly-allowed') && !whatIf) {
    io.stderr('--fail-on newly-allowed applies to a what-if run: add --baseline-policy or --baseline-policy-dir\n');
    return EXIT.usage;
  }
  if (failOn.has('cache-bypass') && whatIf) {
    io.stderr('--fail-on cache-bypass applies to verify without --baseline-policy/--baseline-policy-dir (a what-if run compares verdicts only)\n');
    return EXIT.usage;
  }
  if (whatIf) {
    if (opts.pin) {
      io.stderr('--pin cannot be combined with --baseline-policy/--baseline-policy-dir (what-if only compares verdicts)\n');
      return EXIT.usage;
    }
    if (problems.length > 0) {
      // A comparison of verdicts over manifests that were not all read would compare less than what is deployed.
      for (const p of problems) io.stderr(`imgpolicy: ${describeProblem(p)}\n`);
      return EXIT.usage;
    }
    const { runWhatIf } = await import('../what-if.js');
    try {
      return await runWhatIf(requests, { ...opts, failOnNewlyAllowed: failOn.has('newly-allowed') }, pe, io);
    } finally {
      await cluster?.cleanup();
    }
  }

  // ---- evaluate
  const resolver = new PolicyResolver(pe, policyPathOf(opts), opts.signaturePolicyDir);
  const session = new ImageSession();
  const progress = progressLine(io, opts);
  let reports: ImageReport[];
  const notes: { warnings: string[]; pinnedFiles?: string[]; findings?: CacheBypassFinding[]; findingsFail?: boolean } = { warnings: [] };
  try {
    const tasks = await planTasks(requests, resolver);
    const batch = {
      ...opts,
      jobs,
      probeDisabledAttachments: true,
      ...(opts.debug ? { onTrace: (r: ImageReport) => io.stderr(renderDebugLines((cluster ? cluster.annotate(r) : r).result?.trace ?? r.traceEvents ?? [])) } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    };
    reports = await runTasks(tasks, batch, pe, resolver, session);
    if (opts.pin) {
      reports = await pinReports(reports, batch, pe, resolver, session, opts, manifestFiles, notes);
    }
  } finally {
    progress?.clear();
    await session.close();
    await cluster?.cleanup();
  }
  if (cluster) reports = reports.map(cluster.annotate);

  // ---- notes
  const tagOnly = reports.filter((r) => verdictOf(r) === 'allowed' && isTagReference(r.evaluated ?? r.input) && !r.pin?.written);
  if (tagOnly.length > 0 && !opts.pin) {
    const where = opts.output === 'text' ? 'printed above' : opts.output === 'json' ? "in each result's manifestDigest" : 'in the report';
    const fromManifests = tagOnly.some((r) => (r.occurrences?.length ?? 0) > 0);
    notes.warnings.push(
      `${tagOnly.length} allowed image${tagOnly.length === 1 ? ' was' : 's were'} verified by tag only: a tag can be moved to other content between this check and the node's pull. ` +
        (fromManifests
          ? `Deploy the digests ${where} (name@sha256:…), or rerun with --pin to rewrite the manifests to name:tag@digest.`
          : `Deploy by digest (name@sha256:…, the digests ${where}).`),
    );
  }
  const unreadable = reports.filter((r) => verdictOf(r) === 'allowed' && r.manifestDigest === undefined);
  if (unreadable.length > 0) notes.warnings.push(`${unreadable.length} allowed image(s) have no known manifest digest (the manifest could not be read after the verdict)`);
  notes.warnings.push(...ignoredDocs);
  const shortNames = [...new Set(requests.filter((r) => r.occurrence && isShortName(r.input)).map((r) => r.input))];
  if (shortNames.length > 0) {
    notes.warnings.push(
      `${shortNames.length} manifest image(s) are short names (${shortNames.slice(0, 5).join(', ')}${shortNames.length > 5 ? ', …' : ''}): they were evaluated as docker.io/…, but CRI-O resolves short names through the node's registries.conf (aliases, unqualified-search-registries), which can pull them from another registry. Write fully qualified names (registry/repository:tag).`,
    );
  }
  // `name:tag@digest` as an argument: c/image refuses it (and so do we, with its words); say what CRI-O would pull.
  for (const input of images) {
    const crio = hasTransport(input) ? undefined : criOReference(input);
    if (crio?.stripped) notes.warnings.push(`${input}: c/image refuses a tag and a digest together; CRI-O pulls it as ${crio.evaluate.replace(/^docker:\/\//, '')}: give that form (or use -f/--from-file, which read it as CRI-O does)`);
  }
  // A policy that does not load: skopeo's message, once per file, on stderr for machine formats (the text output
  // already shows it, with its position, under each image it governs).
  if (opts.output !== 'text') {
    const policyErrors = new Set<string>();
    for (const r of reports) if (r.error?.kind === 'policy-format' || r.error?.kind === 'usage') policyErrors.add(describePolicyError(r.error));
    for (const m of policyErrors) io.stderr(m + '\n');
  }

  // A finding beside the verdicts (never changing one): only manifests know namespaces and pull policies.
  notes.findings = opts.manifests?.length ? findCacheBypass(reports, opts.namespace ?? 'default') : [];
  notes.findingsFail = failOn.has('cache-bypass');
  return render(reports, { ...notes, problems, skippedDocuments: ignoredDocs }, opts, pe, io);
}

function render(reports: ImageReport[], notes: RunNotes, opts: VerifyOptions, pe: ProcessEnv, io: CLIIO): number {
  switch (opts.output as OutputFormat) {
    case 'json':
      io.stdout(renderJSON(reports, notes));
      break;
    case 'junit':
      io.stdout(renderJUnit(reports, new Date(), notes));
      break;
    case 'sarif':
      io.stdout(renderSARIF(reports, VERSION, notes));
      break;
    default:
      io.stdout(renderText(reports, io.chalk, notes));
  }
  if (opts.output !== 'text') for (const w of notes.warnings) io.stderr(`warning: ${w}\n`);
  // On stderr in every format (the text report lists them again under its summary).
  for (const p of notes.problems ?? []) io.stderr(`imgpolicy: ${describeProblem(p)}\n`);
  if (pe.env['GITHUB_ACTIONS'] === 'true') io.stderr(renderGitHubAnnotations(reports, notes));
  // A manifest that was not read is never a pass, whatever the images that were read say.
  const codes = [...reports.map((r) => r.exitCode), ...((notes.problems ?? []).length > 0 ? [EXIT.usage] : [])];
  if (notes.findingsFail && (notes.findings?.length ?? 0) > 0) codes.push(EXIT.rejected);
  return combineExitCodes(codes);
}

/**
 * kubectl's namespace for an object: its metadata.namespace ("" counts as none), else --namespace, else the current
 * kubeconfig context's namespace, else "default". The kubeconfig is read once, and only when needed.
 */
function manifestNamespaces(opts: VerifyOptions, pe: ProcessEnv): (o: ImageOccurrence) => Promise<{ namespace: string; source: string }> {
  let fromContext: Promise<ContextNamespace> | undefined;
  return async (o) => {
    if (o.namespace !== undefined) return { namespace: o.namespace, source: `metadata.namespace in ${o.file}` };
    if (opts.namespace !== undefined && opts.namespace !== '') return { namespace: opts.namespace, source: '--namespace' };
    fromContext ??= import('../k8s/kubeconfig.js').then((m) => m.kubeconfigNamespace(pe));
    const c = await fromContext;
    return c.namespace !== undefined ? { namespace: c.namespace, source: c.from } : { namespace: 'default', source: `"default" (${c.from}: no namespace)` };
  };
}

/** A reference without a registry host (`nginx:1.25`, `team/app`): its registry is the node's to choose. */
function isShortName(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash === -1) return true;
  const first = image.slice(0, slash);
  return !(first.includes('.') || first.includes(':') || first === 'localhost');
}

/** `--from-file`: Go's wording for a list that cannot be read, not Node's (`ENOENT: …`). */
async function readReferenceList(path: string, asGiven: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    // Reading a directory fails in read(2), not open(2), in Go.
    throw new Error(`--from-file: ${pathError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', asGiven, e).message}`);
  }
}

function hasTransport(input: string): boolean {
  return /^(docker|dir|oci|oci-archive|docker-archive|containers-storage|docker-daemon|sif|tarball|atomic):/.test(input);
}

function isTagReference(input: string): boolean {
  try {
    const s = input.replace(/^docker:\/\//, '');
    if (/^(dir|oci|oci-archive|docker-archive|containers-storage|docker-daemon|sif|tarball|atomic):/.test(s)) return false;
    return parseDockerReference(s).digest === undefined;
  } catch {
    return false;
  }
}

/**
 * `--pin`: CRI-O pulls `name:tag@digest` as `name@digest`, which is a different policy identity (digest scopes,
 * matchRepoDigestOrExact accepting any tag, matchExact needing a digest in the signature). So the pinned form is
 * evaluated too, and a manifest is rewritten only where that form is allowed as well — pinning never turns an
 * image the node would accept into one it rejects without saying so.
 */
async function pinReports(
  reports: ImageReport[],
  batch: Parameters<typeof runTasks>[1],
  pe: ProcessEnv,
  resolver: PolicyResolver,
  session: ImageSession,
  opts: VerifyOptions,
  manifestFiles: string[],
  notes: { warnings: string[]; pinnedFiles?: string[] },
): Promise<ImageReport[]> {
  const requests: ImageRequest[] = [];
  const want = new Map<ImageReport, string>();
  for (const r of reports) {
    if (verdictOf(r) !== 'allowed' || !r.manifestDigest || !r.occurrences?.length) continue;
    let ref;
    try {
      ref = parseDockerReference(r.input);
    } catch {
      continue;
    }
    if (ref.digest !== undefined) continue; // already pinned: what was verified is what the node pulls
    // A list is pinned as the list: each node still pulls its own platform's instance, and each was evaluated.
    const evaluate = `docker://${ref.name()}@${r.listDigest ?? r.manifestDigest}`;
    want.set(r, evaluate);
    const occ = r.occurrences ?? [];
    const architectures = occ.some((o) => o.architectures === undefined) ? ('all' as const) : [...new Set(occ.flatMap((o) => o.architectures ?? []))];
    requests.push({ input: evaluate, evaluate, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), architectures });
  }
  if (requests.length === 0) return reports;
  const { onTrace: _t, onProgress: _p, ...quiet } = batch;
  const pinned = await runTasks(await planTasks(requests, resolver), quiet, pe, resolver, session);
  const byRef = new Map(pinned.map((p) => [`${p.input}\0${p.policyPath ?? ''}`, p]));
  const { pinnedReference, writePinnedFiles } = await import('../k8s/pin.js');
  const edits: PinEdit[] = [];
  const out = reports.map((r) => {
    const evaluate = want.get(r);
    if (!evaluate) return r;
    const p = byRef.get(`${evaluate}\0${r.policyPath ?? ''}`);
    const allowed = p?.result?.allowed === true;
    // A block scalar is not rewritten (its bytes are not one token): say so rather than claim it was pinned.
    const blocks = (r.occurrences ?? []).filter((o) => o.style === 'block');
    if (allowed) for (const o of r.occurrences ?? []) if (o.style !== 'block') edits.push({ occurrence: o, pinned: pinnedReference(o.image, r.listDigest ?? r.manifestDigest!) });
    const pin: PinOutcome = {
      reference: evaluate.replace(/^docker:\/\//, ''),
      allowed,
      ...(p && !allowed ? { message: (p.error ?? p.result?.error)?.message ?? 'not allowed' } : {}),
      ...(allowed && blocks.length > 0 ? { message: `not rewritten at ${blocks.map((o) => `${o.file}:${o.line}`).join(', ')}: a block scalar (write the image as a plain or quoted scalar)` } : {}),
      written: allowed && blocks.length === 0,
    };
    if (!allowed) notes.warnings.push(`${r.input} was not pinned: as ${pin.reference} (what CRI-O pulls once pinned) it is not allowed: ${pin.message}`);
    else if (blocks.length > 0) notes.warnings.push(`${r.input} was not pinned ${pin.message}`);
    return { ...r, pin };
  });
  try {
    const files = manifestFiles.map((f) => resolve(pe.cwd, f));
    const where = opts.inPlace ? { inPlace: true as const } : { inPlace: false as const, outDir: resolve(pe.cwd, opts.pinDir ?? 'imgpolicy-pinned'), baseDir: commonDir(files) };
    notes.pinnedFiles = await writePinnedFiles(files, edits, where);
  } catch (e) {
    notes.warnings.push(`pinning failed: ${asImgpolicyError(e).message}`);
    return out.map((r) => (r.pin ? { ...r, pin: { ...r.pin, written: false } } : r));
  }
  return out;
}

function commonDir(files: readonly string[]): string {
  if (files.length === 0) return '/';
  const parts = files.map((f) => f.split('/').slice(0, -1));
  const first = parts[0]!;
  let n = first.length;
  for (const p of parts) {
    let i = 0;
    while (i < n && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/') || '/';
}

/** A single progress line on a TTY for long batches; nothing in CI logs or pipes. */
function progressLine(io: CLIIO, opts: VerifyOptions): { update: (done: number, total: number, current: string) => void; clear: () => void } | undefined {
  if (!io.stderrIsTTY || opts.debug) return undefined;
  let drawn = false;
  return {
    update(done, total, current) {
      if (total < 5) return;
      io.stderr(`\r\x1b[2K[${done}/${total}] ${current.slice(0, 70)}`);
      drawn = true;
    },
    clear() {
      if (drawn) io.stderr('\r\x1b[2K');
    },
  };
}
