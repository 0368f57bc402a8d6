/**
 * Go's `encoding/pem.Decode`, reproduced because c/image's decisions depend on its exact edges: text before
 * `-----BEGIN` is skipped, a malformed block is skipped in favour of the next one, the END line's own line break
 * is consumed but nothing else (so "has trailing data" in the Rekor SET check is precise), headers are allowed.
 * The DER bytes are compared, never the PEM text, so the type and headers never matter for matching.
 */
import { goBase64Decode } from './base64.js';

export interface PemBlock {
  readonly type: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: Uint8Array;
}

const PEM_START = Buffer.from('\n-----BEGIN ');
const PEM_END = Buffer.from('\n-----END ');
const PEM_EOL = Buffer.from('-----');

function getLine(data: Buffer): [Buffer, Buffer] {
  let i = data.indexOf(0x0a);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 0x0d) i--;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  return [data.subarray(0, end), data.subarray(j)];
}

function startsWith(b: Buffer, prefix: Buffer): boolean {
  return b.length >= prefix.length && b.subarray(0, prefix.length).equals(prefix);
}
function endsWith(b: Buffer, suffix: Buffer): boolean {
  return b.length >= suffix.length && b.subarray(b.length - suffix.length).equals(suffix);
}

/** Returns the first decodable block and the bytes after it, or `undefined` block and the input when none. */
export function pemDecode(input: Uint8Array): { block?: PemBlock; rest: Buffer } {
  const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let rest = data;
  for (;;) {
    if (startsWith(rest, PEM_START.subarray(1))) {
      rest = rest.subarray(PEM_START.length - 1);
    } else {
      const idx = rest.indexOf(PEM_START);
      if (idx < 0) return { rest: data };
      rest = rest.subarray(idx + PEM_START.length);
    }
    let typeLine: Buffer;
    [typeLine, rest] = getLine(rest);
    if (!endsWith(typeLine, PEM_EOL)) continue;
    typeLine = typeLine.subarray(0, typeLine.length - PEM_EOL.length);
    const headers: Record<string, string> = {};
    let headerCount = 0;
    let truncated = false;
    for (;;) {
      if (rest.length === 0) {
        truncated = true;
        break;
      }
      const [line, next] = getLine(rest);
      const colon = line.indexOf(0x3a);
      if (colon < 0) break;
      headers[line.subarray(0, colon).toString('latin1').trim()] = line.subarray(colon + 1).toString('latin1').trim();
      headerCount++;
      rest = next;
    }
    if (truncated) return { rest: data };
    let endIndex: number;
    let endTrailerIndex: number;
    if (headerCount === 0 && startsWith(rest, PEM_END.subarray(1))) {
      endIndex = 0;
      endTrailerIndex = PEM_END.length - 1;
    } else {
      endIndex = rest.indexOf(PEM_END);
      endTrailerIndex = endIndex + PEM_END.length;
    }
    if (endIndex < 0) continue;
    let endTrailer = rest.subarray(endTrailerIndex);
    const endTrailerLen = typeLine.length + PEM_EOL.length;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.subarray(endTrailerLen);
    endTrailer = endTrailer.subarray(0, endTrailerLen);
    if (!startsWith(endTrailer, typeLine) || !endsWith(endTrailer, PEM_EOL)) continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    const b64 = Buffer.from(rest.subarray(0, endIndex).filter((c) => c !== 0x20 && c !== 0x09));
    let bytes: Uint8Array;
    try {
      bytes = goBase64Decode(b64);
    } catch {
      continue;
    }
    const after = getLine(rest.subarray(endIndex + PEM_END.length - 1))[1];
    return { block: { type: typeLine.toString('latin1'), headers, bytes }, rest: after };
  }
}

/** Go's `bytes.TrimSpace` over ASCII whitespace (and what else Go counts: \v \f, U+0085, U+00A0 in UTF-8). */
export function trimSpace(b: Uint8Array): Buffer {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s[start]!)) start++;
  while (end > start && isSpace(s[end - 1]!)) end--;
  return s.subarray(start, end);
}

export function pemEncode(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}
