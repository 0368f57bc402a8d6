import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../helpers/oracle.js';

/**
 * Issue 19: every document containers/image decodes with json.Unmarshal must be decoded here by the Go decoder
 * (src/go/encoding/json/), or case-insensitive members, duplicates, merges and type errors read differently and a
 * verdict can be about other bytes than CRI-O's. A `JSON.parse(` anywhere else in src/ must say why it is not such a
 * document, in a `// JSON.parse-ok: <reason>` comment on its line or in the comment block right above it.
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const SRC = join(REPO_ROOT, 'src');
const GO_DECODER = join(SRC, 'go');
const MARKER = /\/\/ JSON\.parse-ok: \S/;

describe('JSON.parse outside the Go decoder', () => {
  const sites = sourceFiles(SRC)
    .filter((f) => !f.startsWith(GO_DECODER + '/'))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i, lines) => {
          // A call, not a mention in a comment.
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (!/\bJSON\.parse\(/.test(code)) return [];
          // The marker may open the comment block right above the call.
          let ok = MARKER.test(line);
          for (let k = i - 1; !ok && k >= 0 && /^\s*\/\//.test(lines[k]!); k--) ok = MARKER.test(lines[k]!);
          return [{ where: `${relative(REPO_ROOT, file)}:${i + 1}`, ok }];
        }),
    );

  test('every JSON.parse in src/ (outside src/go/) carries a JSON.parse-ok reason', () => {
    expect(sites.filter((s) => !s.ok).map((s) => s.where)).toEqual([]);
  });

  test('the guard sees the allow-listed sites (it is not vacuous)', () => {
    expect(sites.length).toBeGreaterThan(0);
  });

  test('no registry or on-disk manifest document is parsed with JSON.parse', () => {
    const offenders = sites.filter((s) => /^src\/(manifest|image)\//.test(s.where));
    expect(offenders.map((s) => s.where)).toEqual([]);
  });
});
