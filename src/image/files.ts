import { open } from 'node:fs/promises';
import { ImageSourceError } from '../errors.js';

/**
 * Reads a whole file with a size cap, turning Node's errors into Go-shaped ones (`open /x: no such file or
 * directory`) because those are the texts c/image users see from skopeo and CRI-O.
 */
export async function readFileLimited(path: string, limit: number, what = 'file'): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new ImageSourceError(goOpenError(path, e));
  }
  try {
    // Read in chunks until EOF rather than trusting stat(): /proc files, pipes and devices report size 0, and a
    // file may grow while we read it. At most `limit` bytes are ever held.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new ImageSourceError(`reading ${what} ${path}: exceeded maximum allowed size of ${limit} bytes`);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } catch (e) {
    if (e instanceof ImageSourceError) throw e;
    throw new ImageSourceError(`read ${path}: ${(e as Error).message}`);
  } finally {
    await handle.close();
  }
}

export function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || /no such file or directory/.test(String((e as Error)?.message));
}

/** Go's os.PathError text for open(2) failures. */
export function goOpenError(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const text: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  return `open ${path}: ${(code && text[code]) ?? (e as Error)?.message ?? String(e)}`;
}
