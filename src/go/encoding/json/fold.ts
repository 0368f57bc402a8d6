/**
 * encoding/json's choice of the struct field a JSON member name selects (Go 1.24 decode.go `object` and fold.go):
 * the field with exactly that name, else the first field whose name is equal under Unicode simple case folding.
 * Simple folding is not toLowerCase: `ſ` (U+017F) and `K` (U+212A, Kelvin) fold to `s` and `k`, `İ` (U+0130) folds
 * to nothing ASCII. One implementation, for every Go struct decoder in src/go (goUnmarshal and decodeLenient).
 */

const ASCII = /^[\x00-\x7f]*$/; // eslint-disable-line no-control-regex

/** The field names of one struct, indexed for member lookups. */
export class GoFieldNames {
  private readonly exact = new Map<string, number>();
  /** ASCII-lowercased name → first field; valid when every name is ASCII (ASCII keys then fold as ASCII). */
  private readonly ascii = new Map<string, number>();
  private readonly allAscii: boolean;
  /** Built on the first key that needs Unicode folding: the `iu` flags compare by simple case folding. */
  private folded?: RegExp[];

  constructor(readonly names: readonly string[]) {
    names.forEach((n, i) => {
      if (!this.exact.has(n)) this.exact.set(n, i);
      const lower = n.toLowerCase();
      if (!this.ascii.has(lower)) this.ascii.set(lower, i);
    });
    this.allAscii = names.every((n) => ASCII.test(n));
  }

  /** The index of the field `key` selects, or undefined (the member is ignored). */
  lookup(key: string): number | undefined {
    const exact = this.exact.get(key);
    if (exact !== undefined) return exact;
    if (this.allAscii && ASCII.test(key)) return this.ascii.get(key.toLowerCase());
    this.folded ??= this.names.map((n) => new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'iu'));
    const i = this.folded.findIndex((re) => re.test(key));
    return i < 0 ? undefined : i;
  }
}

/** The field name `key` selects among `names`, or undefined. */
export function goFieldFor(names: readonly string[], key: string): string | undefined {
  const i = new GoFieldNames(names).lookup(key);
  return i === undefined ? undefined : names[i];
}
