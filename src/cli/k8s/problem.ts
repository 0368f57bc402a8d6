/** A manifest document or construct that was not read: always reported, in every output format, never an exit 0. */
export interface ManifestProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** One line per problem: `file:line:col: message`. */
export function describeProblem(p: ManifestProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}
