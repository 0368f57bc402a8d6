import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RenderInput } from '../crd/index.js';
import type { ProcessEnv } from './context.js';

/** The flags `render` and `verify --cluster-policies` share. */
export interface RenderOptions {
  out?: string;
  basePolicy?: string;
  namespace?: string;
  fulcioCa?: string;
  rekorPublicKey?: string;
  onNoMatch?: 'deny' | 'allow';
  keySecret?: string[];
  strict?: boolean;
  output?: 'text' | 'json';
}

/** Flags → the renderer's input (files read here, so the renderer stays pure). */
export async function renderInputFromOptions(opts: RenderOptions, pe: ProcessEnv): Promise<RenderInput> {
  const read = (f: string) => readFile(resolve(pe.cwd, f), 'utf8');
  const secrets = new Map<string, string>();
  for (const s of opts.keySecret ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--key-secret ${JSON.stringify(s)}: use NAME=FILE`);
    secrets.set(s.slice(0, eq), await read(s.slice(eq + 1)));
  }
  return {
    ...(opts.basePolicy !== undefined ? { basePolicy: { text: await read(opts.basePolicy), path: opts.basePolicy } } : {}),
    defaultNamespace: opts.namespace ?? 'default',
    ...(opts.fulcioCa !== undefined ? { fulcioCA: await read(opts.fulcioCa) } : {}),
    ...(opts.rekorPublicKey !== undefined ? { rekorPublicKey: await read(opts.rekorPublicKey) } : {}),
    noMatch: opts.onNoMatch ?? 'deny',
    ...(secrets.size > 0 ? { secrets } : {}),
  };
}

