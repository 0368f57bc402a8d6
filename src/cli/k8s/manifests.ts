/**
 * Image references in Kubernetes manifests, with where each one stands so that results can point at it (JUnit,
 * SARIF, GitHub annotations) and `--pin` can rewrite exactly that scalar and nothing else.
 *
 * Only the workload kinds whose pod template the kubelet turns into CRI pulls are read; every other document is
 * skipped (counted, so a user can see that a CRD was not looked into). A file that does not parse is an error for
 * the whole run: a gate that silently skips a broken manifest would pass what it never checked.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YAMLNode, type Scalar, type YAMLMap } from 'yaml';
import { UsageError } from '../../errors.js';

export type ContainerField = 'containers' | 'initContainers' | 'ephemeralContainers';

/** One `image:` value in one manifest. */
export interface ImageOccurrence {
  /** The image reference exactly as written. */
  readonly image: string;
  /** Path as the user gave it (relative to the working directory when below it). */
  readonly file: string;
  readonly absFile: string;
  /** 0-based index of the YAML document in the file. */
  readonly document: number;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace of the workload, when it says one. */
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
}

export interface ManifestScan {
  readonly occurrences: ImageOccurrence[];
  readonly files: string[];
  /** Documents that are not one of the workload kinds we read (`Service`, CRDs, …): `file#doc kind`. */
  readonly skipped: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** PodSpec location for each workload kind (ReplicationController and PodTemplate too: the kubelet runs them alike). */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const CONTAINER_FIELDS: readonly ContainerField[] = ['initContainers', 'containers', 'ephemeralContainers'];

/** Expands directories (recursively, sorted, hidden entries skipped) into manifest files; `-` is not allowed here. */
export async function manifestFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (abs: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new UsageError(`reading manifests: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file or directory: ${abs}` : (e as Error).message}`);
    }
    if (st.isDirectory()) {
      const entries = (await readdir(abs)).filter((n) => !n.startsWith('.')).sort();
      for (const n of entries) await walk(join(abs, n), false);
    } else if (explicit || MANIFEST_EXTENSIONS.has(extname(abs).toLowerCase())) {
      out.push(abs);
    }
  };
  for (const p of paths) await walk(resolve(cwd, p), true);
  return [...new Set(out)];
}

export async function scanManifests(paths: readonly string[], cwd: string): Promise<ManifestScan> {
  const files = await manifestFiles(paths, cwd);
  const occurrences: ImageOccurrence[] = [];
  const skipped: string[] = [];
  for (const abs of files) {
    const text = await readFile(abs, 'utf8');
    const shown = displayPath(abs, cwd);
    const r = scanManifestText(text, shown, abs);
    occurrences.push(...r.occurrences);
    skipped.push(...r.skipped);
  }
  return { occurrences, files: files.map((f) => displayPath(f, cwd)), skipped };
}

export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** Reads one file's text; exported for tests and for `--pin`, which re-reads the exact bytes it rewrites. */
export function scanManifestText(text: string, file: string, absFile = file): { occurrences: ImageOccurrence[]; skipped: string[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return { occurrences: [], skipped: [] }; // empty stream
  const occurrences: ImageOccurrence[] = [];
  const skipped: string[] = [];
  docs.forEach((doc, docIndex) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new UsageError(`${file}:${pos.line}:${pos.col}: not a valid YAML/JSON manifest: ${err.message.split('\n')[0]}`);
    }
    if (doc.contents === null) return;
    visitObject(doc.contents, '', docIndex);
  });

  function visitObject(node: YAMLNode | null, prefix: string, docIndex: number, inheritedNamespace?: string): void {
    if (!isMap(node)) return;
    const kind = str(get(node, 'kind'));
    const items = get(node, 'items');
    if (kind !== undefined && /List$/.test(kind) && isSeq(items)) {
      // `kubectl get -o yaml` output: a List (or PodList, DeploymentList …) of full objects.
      items.items.forEach((item, i) => visitObject(item as YAMLNode, `${prefix}items[${i}].`, docIndex));
      return;
    }
    const specPath = kind !== undefined ? POD_SPEC_PATHS[kind] : undefined;
    if (kind === undefined || specPath === undefined) {
      skipped.push(`${file}#${docIndex + 1}${kind ? ` ${kind}` : ' (no kind)'}`);
      return;
    }
    const metadata = get(node, 'metadata');
    const name = str(isMap(metadata) ? get(metadata, 'name') : undefined) ?? str(isMap(metadata) ? get(metadata, 'generateName') : undefined) ?? '(unnamed)';
    const namespace = str(isMap(metadata) ? get(metadata, 'namespace') : undefined) ?? inheritedNamespace;
    let spec: YAMLNode | null = node;
    for (const k of specPath) spec = isMap(spec) ? get(spec, k) : null;
    if (!isMap(spec)) return;
    const specPrefix = prefix + specPath.join('.') + '.';
    for (const field of CONTAINER_FIELDS) {
      const list = get(spec, field);
      if (!isSeq(list)) continue;
      list.items.forEach((c, i) => {
        if (!isMap(c)) return;
        const image = get(c, 'image');
        if (!isScalar(image) || typeof image.value !== 'string' || !image.range) return;
        const pos = lineCounter.linePos(image.range[0]);
        const pullPolicy = str(get(c, 'imagePullPolicy'));
        occurrences.push({
          image: image.value.trim(),
          file,
          absFile,
          document: docIndex,
          line: pos.line,
          column: pos.col,
          kind,
          name,
          ...(namespace !== undefined ? { namespace } : {}),
          field,
          container: str(get(c, 'name')) ?? `#${i}`,
          ...(pullPolicy !== undefined ? { imagePullPolicy: pullPolicy } : {}),
          path: `${specPrefix}${field}[${i}].image`,
          range: [image.range[0], image.range[1]],
          style: scalarStyle(image),
        });
      });
    }
  }
  return { occurrences, skipped };
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
