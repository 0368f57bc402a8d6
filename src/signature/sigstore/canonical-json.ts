/**
 * RFC 8785 JSON Canonicalization, the form whose SHA-256 Rekor signs in a SET. c/image canonicalizes the SET
 * payload *as delivered* (cyberphone's implementation) and then parses the canonical bytes, so that what is
 * verified and what is read are the same bytes. Members sorted by UTF-16 code units, no whitespace, ES6 number
 * serialization (which is exactly JavaScript's Number#toString), minimal string escaping (JSON.stringify's).
 * A duplicate member name is an error here (cyberphone rejects it), not "last wins".
 */
import { goQuote } from '../../go/fmt.js';
import type { GoJsonValue } from '../../go/encoding/json/decode.js';

export class CanonicalizationError extends Error {}

export function canonicalize(v: GoJsonValue): string {
  switch (v.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v.value);
    case 'number': {
      const n = Number(v.raw);
      if (!Number.isFinite(n)) throw new CanonicalizationError(`invalid JSON number: ${v.raw}`);
      return Object.is(n, -0) ? '0' : String(n);
    }
    case 'array':
      return '[' + v.items.map(canonicalize).join(',') + ']';
    case 'object': {
      const seen = new Set<string>();
      for (const { key } of v.entries) {
        if (seen.has(key)) throw new CanonicalizationError(`duplicate key: ${goQuote(key)}`);
        seen.add(key);
      }
      const sorted = [...v.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return '{' + sorted.map((e) => JSON.stringify(e.key) + ':' + canonicalize(e.value)).join(',') + '}';
    }
  }
}
