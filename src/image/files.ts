import { ImageSourceError } from '../errors.js';
import { isNotExist, readFile } from '../go/os.js';

/**
 * A bounded whole-file read for image layouts and lookaside signatures: Go's texts (`open /x: no such file or
 * directory`), as an ImageSourceError because file trouble while reading an image is c/image's "plain" error.
 * The errno travels as the error's `cause`, so a missing file can still be told apart ({@link isNotFound}).
 */
export async function readFileLimited(path: string, limit: number, what = 'file'): Promise<Uint8Array> {
  try {
    return await readFile(path, { limit, what });
  } catch (e) {
    throw new ImageSourceError((e as Error).message, { cause: e });
  }
}

/** `os.IsNotExist` of a read error, also when it was wrapped by {@link readFileLimited}. */
export function isNotFound(e: unknown): boolean {
  return isNotExist(e) || (e instanceof ImageSourceError && isNotExist(e.cause));
}
