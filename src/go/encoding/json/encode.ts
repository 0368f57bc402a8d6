/**
 * Go's `json.MarshalIndent(v, "", "  ")` for plain data whose key order the caller has already made Go's (struct
 * fields in declaration order, map keys sorted). Go escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings, which
 * JSON.stringify does not; those characters can only occur inside strings in JSON text, so escaping them in the
 * output is exact.
 */
export function goMarshalIndent(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A Go map marshals with its keys in byte order. */
export function sortedKeys<T>(m: ReadonlyMap<string, T> | Readonly<Record<string, T>>): Record<string, T> {
  const entries = m instanceof Map ? [...m.entries()] : Object.entries(m as Record<string, T>);
  entries.sort(([a], [b]) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  const out: Record<string, T> = {};
  for (const [k, v] of entries) out[k] = v;
  return out;
}
