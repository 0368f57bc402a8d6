/** Go's `strconv` where c/image wraps its errors into messages users see. */
import { goQuote } from './fmt.js';

/** Go `strconv.Atoi`, returning the error text c/image wraps. */
export function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return n;
}

/** The spellings Go's strconv.ParseBool (and so skopeo's boolean flags, through pflag) accepts. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export class ParseBoolError extends Error {}

/** Go `strconv.ParseBool`. */
export function parseBool(s: string): boolean {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new ParseBoolError(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}
