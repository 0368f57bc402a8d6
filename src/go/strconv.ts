import { goQuote } from './fmt.js';

/**
 * Go's strconv.ParseBool: the spellings skopeo's flags (pflag bool flags) accept, and Go's error text for the rest.
 */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export class ParseBoolError extends Error {}

export function parseBool(s: string): boolean {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ParseBoolError(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}
