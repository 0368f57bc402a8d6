/**
 * Image references in Kubernetes manifests, read so that every image kubectl would send is found, with where each
 * one stands so that results can point at it (JUnit, SARIF, GitHub annotations) and `--pin` can rewrite exactly that
 * scalar and nothing else.
 *
 * kubectl decodes YAML with go-yaml v2 (YAML 1.1, through sigs.k8s.io/yaml); this reader uses the `yaml` package.
 * Where the two could read the same bytes differently, the construct is refused (see ./yaml-refusals.ts), never
 * guessed. Images are looked for in every document, at any depth (any kind: core workloads, Rollouts, Knative,
 * Tekton, Argo…), in container lists and in image volumes; an object that looks like a container anywhere else
 * is an error, unless the user accepts its kind with --ignore-kind.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YAMLNode, type Scalar, type YAMLMap } from 'yaml';
import { UsageError } from '../../errors.js';
import type { ManifestProblem } from './problem.js';
import { decodeManifestBytes, refusedConstructs } from './yaml-refusals.js';

export { describeProblem, type ManifestProblem } from './problem.js';

/** Where in a pod spec (or a CRD's pod-spec-like object) the image stands. */
export type ContainerField = string;

/** One `image:` value in one manifest. */
export interface ImageOccurrence {
  /** The image reference exactly as written. */
  readonly image: string;
  /** Path as the user gave it (relative to the working directory when below it); `-` for standard input. */
  readonly file: string;
  readonly absFile: string;
  /** 0-based index of the YAML document in the file. */
  readonly document: number;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace of the object, when it says one ("" is no namespace, as for kubectl). */
  readonly namespace?: string;
  readonly field: ContainerField;
  readonly container: string;
  /** The container's `imagePullPolicy` as written, when it sets one (see ../pull-policy.ts for the default). */
  readonly imagePullPolicy?: string;
  /** JSON-path-like location inside the document, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  /** Source offsets of the scalar (quotes included), for `--pin`. */
  readonly range: readonly [number, number];
  readonly style: 'plain' | 'single' | 'double' | 'block';
  /** Architectures the pod's nodeSelector/required node affinity allows (`kubernetes.io/arch`); absent: any. */
  readonly architectures?: readonly string[];
}


export interface ManifestScan {
  readonly occurrences: ImageOccurrence[];
  readonly files: string[];
  /** Refused constructs, unreadable files, container-like objects outside known places: errors (exit 3). */
  readonly problems: ManifestProblem[];
  /** Container-like objects in documents of a kind given with --ignore-kind: warnings. */
  readonly ignored: string[];
}

export interface ScanOptions {
  readonly ignoreKinds?: ReadonlySet<string>;
  /** Standard input, for `-f -`. */
  readonly readStdin?: () => Promise<string | Buffer>;
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const KUSTOMIZATION_NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/** Lists whose elements the kubelet (or a controller, for CRDs such as Tekton and Argo) runs as containers. */
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'sidecars', 'steps']);
/** Single container objects: Argo Workflows' `container`/`script`, Tekton's `stepTemplate`. */
const CONTAINER_OBJECTS = new Set(['container', 'script', 'stepTemplate']);
/** Beside a string `image`, any of these makes an object look like a container. */
const CONTAINER_KEYS = ['name', 'command', 'args', 'env', 'ports'];

const ARCH_LABEL = 'kubernetes.io/arch';

/**
 * Expands directories into manifest files as kubectl's walk does (dotfiles and dot-directories included; extensions
 * .json/.yaml/.yml), but always recursively: a superset of `kubectl apply -f DIR` and `-R -f DIR`, so that no file
 * either of them reads is missed. A path given explicitly is read whatever its name. `-` is standard input.
 */
export async function manifestFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  const seenDirs = new Set<string>();
  const walk = async (abs: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new UsageError(`reading manifests: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file or directory: ${abs}` : (e as Error).message}`);
    }
    if (st.isDirectory()) {
      const real = await realpath(abs);
      if (seenDirs.has(real)) return; // a symlink loop, or the same directory twice
      seenDirs.add(real);
      const entries = (await readdir(abs)).sort();
      for (const n of entries) await walk(join(abs, n), false);
    } else if (explicit || MANIFEST_EXTENSIONS.has(extname(abs).toLowerCase()) || KUSTOMIZATION_NAMES.has(basename(abs))) {
      out.push(abs);
    }
  };
  for (const p of paths) {
    if (p === '-') out.push('-');
    else await walk(resolve(cwd, p), true);
  }
  return [...new Set(out)];
}

export async function scanManifests(paths: readonly string[], cwd: string, opts: ScanOptions = {}): Promise<ManifestScan> {
  const files = await manifestFiles(paths, cwd);
  const occurrences: ImageOccurrence[] = [];
  const problems: ManifestProblem[] = [];
  const ignored: string[] = [];
  for (const abs of files) {
    const shown = abs === '-' ? '-' : displayPath(abs, cwd);
    let bytes: Buffer;
    try {
      bytes = abs === '-' ? Buffer.from((await opts.readStdin?.()) ?? '') : await readFile(abs);
    } catch (e) {
      problems.push({ file: shown, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    if (KUSTOMIZATION_NAMES.has(basename(abs))) {
      // `kubectl apply -k` renders a kustomization (images: transformers, patches, generators) into objects its files
      // do not show; reading the files instead would judge images the cluster never gets, and miss those it does.
      problems.push({
        file: shown,
        line: 1,
        column: 1,
        message: 'refused: a kustomization: kubectl apply -k deploys what it renders (images:, patches), not these files; render it with "kubectl kustomize DIR > rendered.yaml" and verify that file',
      });
      continue;
    }
    const decoded = decodeManifestBytes(bytes);
    if ('problem' in decoded) {
      problems.push({ file: shown, ...decoded.problem });
      continue;
    }
    const r = scanManifestText(decoded.text, shown, abs, opts);
    occurrences.push(...r.occurrences);
    problems.push(...r.problems);
    ignored.push(...r.ignored);
  }
  return { occurrences, files: files.map((f) => (f === '-' ? '-' : displayPath(f, cwd))), problems, ignored };
}

export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** Reads one file's text; exported for tests and for `--pin`, which re-reads the exact text it rewrites. */
export function scanManifestText(
  text: string,
  file: string,
  absFile = file,
  opts: Pick<ScanOptions, 'ignoreKinds'> = {},
): { occurrences: ImageOccurrence[]; problems: ManifestProblem[]; ignored: string[] } {
  const lineCounter = new LineCounter();
  const occurrences: ImageOccurrence[] = [];
  const problems: ManifestProblem[] = [];
  const ignored: string[] = [];
  const at = (offset: number) => lineCounter.linePos(offset);
  const problem = (offset: number, message: string) => {
    const p = at(offset);
    problems.push({ file, line: p.line, column: p.col, message });
  };

  // Characters that YAML 1.1 (go-yaml, kubectl) and YAML 1.2 (the `yaml` package) do not agree on.
  const textProblems = refusedConstructs.inText(text);
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.1', merge: false });
  for (const p of textProblems) problem(p.offset, p.message);
  if (textProblems.length > 0) return { occurrences, problems, ignored };
  if (!Array.isArray(docs)) return { occurrences, problems, ignored }; // an empty stream

  docs.forEach((doc, docIndex) => {
    const err = doc.errors[0];
    if (err) {
      const first = err.message.split('\n')[0] ?? '';
      problem(
        err.pos[0],
        /keys must be unique/i.test(first)
          ? 'refused: a duplicate key: go-yaml (kubectl) keeps the last one, so the text can say one thing and the cluster get another; remove the duplicate'
          : `not a valid YAML/JSON manifest: ${first}`,
      );
      return;
    }
    const refused = refusedConstructs.inDocument(doc);
    if (refused.length > 0) {
      for (const r of refused) problem(r.offset, r.message);
      return;
    }
    if (doc.contents === null) return;
    visitObject(doc.contents, '', docIndex);
  });

  interface Owner {
    kind: string;
    name: string;
    namespace?: string;
  }

  /** One object kubectl sends: a document, or an element of `items` (kubectl treats any object with items as a list). */
  function visitObject(node: YAMLNode | null, prefix: string, docIndex: number, listKind?: string): void {
    if (!isMap(node)) {
      if (node !== null && !(isScalar(node) && node.value === null) && prefix === '') problem(node.range?.[0] ?? 0, 'not a Kubernetes object (a document must be a mapping)');
      return;
    }
    const kindNode = get(node, 'kind');
    const kind = str(kindNode) ?? (listKind !== undefined ? listKind.replace(/List$/, '') : '(no kind)');
    const metadata = get(node, 'metadata');
    const owner: Owner = {
      kind,
      name: str(isMap(metadata) ? get(metadata, 'name') : undefined) ?? str(isMap(metadata) ? get(metadata, 'generateName') : undefined) ?? '(unnamed)',
    };
    const nsNode = isMap(metadata) ? get(metadata, 'namespace') : null;
    if (nsNode !== null && !(isScalar(nsNode) && nsNode.value === null)) {
      if (!isScalar(nsNode) || typeof nsNode.value !== 'string') problem(nsNode.range?.[0] ?? 0, 'metadata.namespace is not a string');
      else if (nsNode.value !== '') owner.namespace = nsNode.value;
    }
    const items = get(node, 'items');
    if (isSeq(items)) {
      items.items.forEach((item, i) => visitObject(item as YAMLNode, `${prefix}items[${i}].`, docIndex, kind));
    }
    visitValue(node, prefix, docIndex, owner, undefined, isSeq(items) ? 'items' : undefined);
  }

  /** Walks every value below an object, finding container lists, image volumes and stray containers. */
  function visitValue(node: YAMLNode | null, path: string, docIndex: number, owner: Owner, podSpec: YAMLMap | undefined, skipKey?: string): void {
    if (isSeq(node)) {
      node.items.forEach((v, i) => visitValue(v as YAMLNode, `${path.replace(/\.$/, '')}[${i}].`, docIndex, owner, podSpec));
      return;
    }
    if (!isMap(node)) return;
    if (looksLikeContainer(node)) {
      const imageNode = get(node, 'image')!;
      if (opts.ignoreKinds?.has(owner.kind)) {
        ignored.push(`${file}:${at(imageNode.range![0]).line}: ${owner.kind} ${owner.name}: container-like object at ${path.replace(/\.$/, '')} not evaluated (--ignore-kind ${owner.kind})`);
      } else {
        problem(
          imageNode.range![0],
          `${owner.kind} ${owner.name}: an object with an image at ${path.replace(/\.$/, '')} is not in a known container list (containers, initContainers, ephemeralContainers, sidecars, steps, container, script, stepTemplate); if this kind never runs it, accept it with --ignore-kind ${owner.kind}`,
        );
      }
    }
    const holdsContainers = node.items.some((p) => isScalar(p.key) && (CONTAINER_LISTS.has(String(p.key.value)) || CONTAINER_OBJECTS.has(String(p.key.value))));
    const spec = holdsContainers ? node : podSpec;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key === skipKey) continue;
      const value = pair.value as YAMLNode | null;
      const here = `${path}${key}`;
      if (CONTAINER_LISTS.has(key) && isSeq(value)) {
        value.items.forEach((c, i) => {
          if (isMap(c) && get(c, 'image') !== null) addContainer(c, `${here}[${i}]`, key, i, docIndex, owner, spec);
          else visitValue(c as YAMLNode, `${here}[${i}].`, docIndex, owner, spec);
        });
        continue;
      }
      if (CONTAINER_OBJECTS.has(key) && isMap(value) && get(value, 'image') !== null) {
        addContainer(value, here, key, undefined, docIndex, owner, spec);
        continue;
      }
      if (key === 'volumes' && isSeq(value)) {
        value.items.forEach((v, i) => {
          const image = isMap(v) ? get(v, 'image') : null;
          if (isMap(v) && isMap(image) && get(image, 'reference') !== null) {
            addImage(get(image, 'reference')!, `${here}[${i}].image.reference`, 'volume', str(get(v, 'name')) ?? `#${i}`, docIndex, owner, spec);
          } else visitValue(v as YAMLNode, `${here}[${i}].`, docIndex, owner, spec);
        });
        continue;
      }
      visitValue(value, `${here}.`, docIndex, owner, spec);
    }
  }

  function addContainer(c: YAMLMap, path: string, field: string, index: number | undefined, docIndex: number, owner: Owner, podSpec: YAMLMap | undefined): void {
    const pullPolicy = str(get(c, 'imagePullPolicy'));
    addImage(get(c, 'image')!, `${path}.image`, field, str(get(c, 'name')) ?? (index !== undefined ? `#${index}` : field), docIndex, owner, podSpec, pullPolicy);
    // A container may itself hold containers (never in core kinds); look, so nothing hides below one.
    for (const pair of c.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'image') visitValue(pair.value as YAMLNode, `${path}.${key}.`, docIndex, owner, podSpec);
    }
  }

  function addImage(
    image: YAMLNode,
    path: string,
    field: string,
    container: string,
    docIndex: number,
    owner: Owner,
    podSpec: YAMLMap | undefined,
    imagePullPolicy?: string,
  ): void {
    const offset = image.range?.[0] ?? 0;
    if (!isScalar(image) || typeof image.value !== 'string' || !image.range) {
      problem(offset, `${owner.kind} ${owner.name}: ${path} is not a string (YAML 1.1 reads it as ${isScalar(image) ? typeof image.value : 'a collection'})`);
      return;
    }
    const pos = at(offset);
    const architectures = podSpec ? podArchitectures(podSpec) : undefined;
    occurrences.push({
      image: image.value.trim(),
      file,
      absFile,
      document: docIndex,
      line: pos.line,
      column: pos.col,
      kind: owner.kind,
      name: owner.name,
      ...(owner.namespace !== undefined ? { namespace: owner.namespace } : {}),
      field,
      container,
      ...(imagePullPolicy !== undefined ? { imagePullPolicy } : {}),
      path,
      range: [image.range[0], image.range[1]],
      style: scalarStyle(image),
      ...(architectures ? { architectures } : {}),
    });
  }

  return { occurrences, problems, ignored };
}

function looksLikeContainer(node: YAMLMap): boolean {
  const image = get(node, 'image');
  return isScalar(image) && typeof image.value === 'string' && CONTAINER_KEYS.some((k) => get(node, k) !== null);
}

/**
 * The architectures a pod can be scheduled on, from `nodeSelector` and required node affinity on
 * kubernetes.io/arch (affinity terms are ORed; a term without an arch expression allows any). Undefined: any.
 */
export function podArchitectures(podSpec: YAMLMap): string[] | undefined {
  let allowed: Set<string> | undefined;
  const narrow = (s: Set<string>) => (allowed = allowed ? new Set([...allowed].filter((a) => s.has(a))) : s);
  const ns = get(podSpec, 'nodeSelector');
  const sel = isMap(ns) ? str(get(ns, ARCH_LABEL)) : undefined;
  if (sel !== undefined) narrow(new Set([sel]));
  const affinity = get(podSpec, 'affinity');
  const nodeAffinity = isMap(affinity) ? get(affinity, 'nodeAffinity') : null;
  const required = isMap(nodeAffinity) ? get(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution') : null;
  const terms = isMap(required) ? get(required, 'nodeSelectorTerms') : null;
  if (isSeq(terms) && terms.items.length > 0) {
    const union = new Set<string>();
    let unconstrained = false;
    for (const t of terms.items) {
      const exprs = isMap(t) ? get(t, 'matchExpressions') : null;
      let termArchs: Set<string> | undefined;
      if (isSeq(exprs)) {
        for (const e of exprs.items) {
          if (!isMap(e) || str(get(e, 'key')) !== ARCH_LABEL || str(get(e, 'operator')) !== 'In') continue;
          const values = get(e, 'values');
          const vs = new Set(isSeq(values) ? values.items.map((v) => str(v as YAMLNode)).filter((v): v is string => v !== undefined) : []);
          termArchs = termArchs ? new Set([...termArchs].filter((a) => vs.has(a))) : vs;
        }
      }
      if (termArchs === undefined) unconstrained = true;
      else for (const a of termArchs) union.add(a);
    }
    if (!unconstrained) narrow(union);
  }
  return allowed ? [...allowed].sort() : undefined;
}

function get(map: YAMLMap, key: string): YAMLNode | null {
  for (const pair of map.items) {
    const k = pair.key;
    if ((isScalar(k) ? k.value : k) === key) return (pair.value as YAMLNode | null) ?? null;
  }
  return null;
}

function str(node: YAMLNode | null | undefined): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function scalarStyle(s: Scalar): ImageOccurrence['style'] {
  if (s.type === 'QUOTE_DOUBLE') return 'double';
  if (s.type === 'QUOTE_SINGLE') return 'single';
  if (s.type === 'BLOCK_LITERAL' || s.type === 'BLOCK_FOLDED') return 'block';
  return 'plain';
}
