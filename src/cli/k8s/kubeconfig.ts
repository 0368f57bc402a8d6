/**
 * The namespace kubectl uses for an object without metadata.namespace when no --namespace is given: the current
 * context's namespace in the kubeconfig, read as client-go reads it — `KUBECONFIG` (a colon-separated list; missing
 * files skipped; the first file to set `current-context`, and the first to define a context name, wins), else
 * `$HOME/.kube/config` (client-go takes HOME as it is, even empty). No context namespace: "default".
 */
import { delimiter, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../errors.js';
import type { ProcessEnv } from '../context.js';
import { readTextFile } from '../../go/os.js';
import { LIMITS } from '../../limits.js';

export interface ContextNamespace {
  readonly namespace: string | undefined;
  /** For the trace: which file and context said it. */
  readonly from: string;
}

export async function kubeconfigNamespace(pe: ProcessEnv): Promise<ContextNamespace> {
  const list = pe.env['KUBECONFIG'];
  const files = list
    ? [...new Set(list.split(delimiter).filter((f) => f !== ''))].map((f) => resolve(pe.cwd, f))
    : [resolve(pe.cwd, join(pe.env['HOME'] ?? '', '.kube', 'config'))];
  let current: string | undefined;
  const contexts = new Map<string, { namespace?: unknown; file: string }>();
  for (const file of files) {
    let text: string;
    try {
      text = await readTextFile(file, { limit: LIMITS.maxConfigFileBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new UsageError(`reading kubeconfig ${file}: ${(e as Error).message}`);
    }
    let config: unknown;
    try {
      config = parse(text, { version: '1.1' });
    } catch (e) {
      throw new UsageError(`reading kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof config !== 'object' || config === null) continue;
    const c = config as { 'current-context'?: unknown; contexts?: unknown };
    if (current === undefined && typeof c['current-context'] === 'string' && c['current-context'] !== '') current = c['current-context'];
    if (Array.isArray(c.contexts)) {
      for (const entry of c.contexts as { name?: unknown; context?: { namespace?: unknown } }[]) {
        if (typeof entry?.name === 'string' && !contexts.has(entry.name)) contexts.set(entry.name, { namespace: entry.context?.namespace, file });
      }
    }
  }
  if (current === undefined) return { namespace: undefined, from: `no current context in ${files.join(delimiter)}` };
  const ctx = contexts.get(current);
  if (ctx === undefined) return { namespace: undefined, from: `context ${JSON.stringify(current)} not defined in ${files.join(delimiter)}` };
  const ns = typeof ctx.namespace === 'string' && ctx.namespace !== '' ? ctx.namespace : undefined;
  return { namespace: ns, from: `kubeconfig ${ctx.file}, context ${JSON.stringify(current)}` };
}
