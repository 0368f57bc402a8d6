/**
 * `--pin`: rewrite tag references in manifests to `name:tag@sha256:…` so that what the node pulls is the manifest
 * that was verified (closing the check-then-use gap between a CI gate and the kubelet's pull).
 *
 * Only the scalar's own bytes change; comments, ordering, anchors and formatting stay as they were, because a
 * reviewer must be able to read the diff as "these image lines gained a digest" and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { ImageOccurrence } from './manifests.js';

export interface PinEdit {
  readonly occurrence: ImageOccurrence;
  /** The new reference, e.g. `nginx:1.25@sha256:…`. */
  readonly pinned: string;
}

/** `name:tag@digest`, keeping the user's spelling of name and tag (CRI-O drops the tag and pulls by digest). */
export function pinnedReference(image: string, digest: string): string {
  const at = image.indexOf('@');
  const base = at === -1 ? image : image.slice(0, at);
  return `${base}@${digest}`;
}

/** The scalar as it should be written, in the quoting style it had. */
export function renderScalar(value: string, style: ImageOccurrence['style']): string {
  switch (style) {
    case 'double':
      return JSON.stringify(value);
    case 'single':
      return `'${value.replaceAll("'", "''")}'`;
    default:
      return value;
  }
}

/** Applies edits to one file's text (edits must all belong to that file). */
export function applyPins(text: string, edits: readonly PinEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.occurrence.range[0] - a.occurrence.range[0]);
  let out = text;
  for (const e of sorted) {
    const [start, end] = e.occurrence.range;
    // The file is re-read when pinning: refuse to write if it changed since it was scanned.
    if (!out.slice(start, end).includes(e.occurrence.image)) {
      throw new Error(`${e.occurrence.file}:${e.occurrence.line}: changed since it was verified; not pinned`);
    }
    out = out.slice(0, start) + renderScalar(e.pinned, e.occurrence.style) + out.slice(end);
  }
  return out;
}

/**
 * Writes the pinned files: in place, or as copies under `outDir` mirroring their paths below `baseDir`.
 * Returns the files written.
 */
export async function writePinnedFiles(
  allFiles: readonly string[],
  edits: readonly PinEdit[],
  where: { inPlace: true } | { inPlace: false; outDir: string; baseDir: string },
): Promise<string[]> {
  const byFile = new Map<string, PinEdit[]>();
  // A copy is a complete, appliable set (`kubectl apply -f DIR`), so files without edits are copied too.
  if (!where.inPlace) for (const f of allFiles) byFile.set(f, []);
  for (const e of edits) {
    const list = byFile.get(e.occurrence.absFile) ?? [];
    list.push(e);
    byFile.set(e.occurrence.absFile, list);
  }
  const written: string[] = [];
  for (const [abs, list] of byFile) {
    if (where.inPlace && list.length === 0) continue;
    const text = await readFile(abs, 'utf8');
    const target = where.inPlace ? abs : join(where.outDir, relative(where.baseDir, abs).replace(/^(\.\.[/\\])+/, ''));
    await mkdir(dirname(target), { recursive: true });
    const out = applyPins(text, list);
    if (where.inPlace) await replaceAtomically(abs, out);
    else await writeFile(target, out);
    written.push(target);
  }
  return written;
}

/**
 * A crash or a full disk mid-write must not truncate the user's manifest: write a temporary file in the same
 * directory (same file system, so the rename is atomic), give it the original's mode, then rename it over.
 */
async function replaceAtomically(file: string, text: string): Promise<void> {
  const { mode } = await stat(file);
  const tmp = join(dirname(file), `.${basename(file)}.imgpolicy-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { mode: mode & 0o7777, flag: 'wx' });
    await chmod(tmp, mode & 0o7777); // writeFile's mode is filtered by the umask
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
