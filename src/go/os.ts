/**
 * Go's `os` package as c/image's users see it: `*os.PathError` texts (`open /x: no such file or directory`),
 * `os.IsNotExist`, and one bounded whole-file reader used for every file we read.
 *
 * Why one table: users compare our messages with skopeo's and CRI-O's, which print Go's syscall error strings
 * (`syscall.Errno.Error()`), not Node's (`ENOENT: no such file or directory, open '/x'`). Several modules used to
 * keep their own subset, so `EPERM` read like Go in one place and like Node in another.
 *
 * Why bounded: c/image reads policy, key and configuration files with `os.ReadFile`, which has no limit; a
 * `keyPath: /dev/zero` would then exhaust memory. We refuse past a named limit (src/limits.ts) instead.
 */
import { open } from 'node:fs/promises';

/** Go's `syscall.Errno` strings (zerrors_linux_amd64.go) for the errno values a file read can meet. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EBUSY: 'device or resource busy',
  EINVAL: 'invalid argument',
  EAGAIN: 'resource temporarily unavailable',
  ETXTBSY: 'text file busy',
  EFBIG: 'file too large',
  ENOSPC: 'no space left on device',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
};

/** An error whose message is already Go's text (a `*os.PathError` or a size refusal). */
export class GoOSError extends Error {
  constructor(
    message: string,
    /** Node's errno code when the error came from a system call. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'GoOSError';
  }
}

/** `syscall.Errno.Error()` for a Node error; Node's own message for anything without a known errno. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? ERRNO_TEXT[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
}

/** `(&os.PathError{Op: op, Path: path, Err: err}).Error()`. */
export function pathError(op: string, path: string, e: unknown): GoOSError {
  if (e instanceof GoOSError) return e;
  return new GoOSError(`${op} ${path}: ${errnoText(e)}`, (e as NodeJS.ErrnoException | undefined)?.code);
}

/** `os.IsNotExist`. */
export function isNotExist(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export interface ReadFileOptions {
  /** Refuse files larger than this many bytes (a named constant from src/limits.ts). */
  readonly limit: number;
  /** What the file is, for the size message (`reading signature /x: exceeded …`); default: `read /x: exceeded …`. */
  readonly what?: string;
}

/** {@link readFile} of a text file (UTF-8, invalid sequences replaced, as Go's string conversion keeps them). */
export async function readTextFile(path: string, opts: ReadFileOptions): Promise<string> {
  return Buffer.from(await readFile(path, opts)).toString('utf8');
}

/**
 * `os.ReadFile` with a size cap. Reads in chunks until EOF rather than trusting stat(): /proc files, pipes and
 * devices report size 0, and a file may grow while it is read; at most `limit` bytes are ever held. Opening a
 * directory succeeds on Linux and the read fails, so Go (and this) says `read /x: is a directory`.
 * Every failure is a {@link GoOSError} carrying the errno code, so callers can test {@link isNotExist}.
 */
export async function readFile(path: string, opts: ReadFileOptions): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw pathError('open', path, e);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, opts.limit + 1 - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (e) {
        throw pathError('read', path, e);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > opts.limit) {
        const prefix = opts.what !== undefined ? `reading ${opts.what} ${path}` : `read ${path}`;
        throw new GoOSError(`${prefix}: exceeded maximum allowed size of ${opts.limit} bytes`, 'EFBIG');
      }
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return new Uint8Array(Buffer.concat(chunks, total));
  } finally {
    await handle.close();
  }
}
