/**
 * Go's *fs.PathError text (`open PATH: no such file or directory`) for a Node file-system error, so that messages
 * about the user's files read as skopeo's do instead of Node's `ENOENT: …, open '…'`.
 */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

export function goErrnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return (code !== undefined && ERRNO_TEXT[code]) || (e as Error)?.message || String(e);
}

export function goPathError(op: string, path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  // Reading a directory fails in read(2), not open(2), in Go.
  return `${code === 'EISDIR' ? 'read' : op} ${path}: ${goErrnoText(e)}`;
}
