/** Go's `strconv` where c/image wraps its errors into messages users see. */
import { goQuote } from './fmt.js';

/** Go `strconv.Atoi`, returning the error text c/image wraps. */
export function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
  return n;
}
