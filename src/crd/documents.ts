/**
 * Kubernetes resources from files, directories (recursively, *.yaml/*.yml/*.json, sorted, hidden entries skipped) or
 * standard input (`-`): multi-document YAML and `List`s (`kind: List` or any `…List` with `items`) are flattened, each
 * resource keeping where it came from so that every message can name it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.js';

export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The whole object as decoded. */
  readonly object: Record<string, unknown>;
  /** `file#document` (document counted from 0), `-#n` for standard input. */
  readonly origin: string;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export async function readResources(paths: readonly string[], cwd: string, readStdin: () => Promise<string>): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseResources(await readStdin(), '-'));
      continue;
    }
    for (const file of await expand(resolve(cwd, p), true)) out.push(...parseResources(await readFile(file, 'utf8'), file));
  }
  return out;
}

async function expand(abs: string, explicit: boolean): Promise<string[]> {
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    throw new UsageError(`reading ${abs}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (!st.isDirectory()) return explicit || EXTENSIONS.has(extname(abs).toLowerCase()) ? [abs] : [];
  const files: string[] = [];
  for (const n of (await readdir(abs)).filter((n) => !n.startsWith('.')).sort()) files.push(...(await expand(join(abs, n), false)));
  return files;
}

/** One file's resources; a document that does not parse is an error (a renderer that skipped it would drop a policy). */
export function parseResources(text: string, origin: string): Resource[] {
  const out: Resource[] = [];
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new UsageError(`${origin}#${i}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    collect(value, `${origin}#${i}`, out);
  });
  return out;
}

function collect(value: unknown, origin: string, out: Resource[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${origin}: not a Kubernetes object`);
  const o = value as Record<string, unknown>;
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '';
  if ((kind === 'List' || kind.endsWith('List')) && Array.isArray(o['items'])) {
    (o['items'] as unknown[]).forEach((item, j) => collect(item, `${origin}.items[${j}]`, out));
    return;
  }
  const meta = (typeof o['metadata'] === 'object' && o['metadata'] !== null ? o['metadata'] : {}) as Record<string, unknown>;
  out.push({
    apiVersion: typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '',
    kind,
    name: typeof meta['name'] === 'string' ? meta['name'] : '',
    ...(typeof meta['namespace'] === 'string' ? { namespace: meta['namespace'] } : {}),
    object: o,
    origin,
  });
}
