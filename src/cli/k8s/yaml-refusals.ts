/**
 * What this reader refuses to guess about. kubectl decodes manifests with go-yaml v2 (YAML 1.1) through
 * sigs.k8s.io/yaml; the `yaml` package implements YAML 1.2. Where the two can read the same bytes as different
 * objects — line breaks YAML 1.1 has and 1.2 does not, tags (`!!binary` decodes to a string in Go), aliases and
 * merge keys (which can supply or override an `image`), duplicate keys (go-yaml: the last wins), non-UTF-8 encodings
 * — the construct is refused with its file, line and name, so that a gate never passes an image it did not read.
 * The differential suite (test/conformance/kubectl-manifests.test.ts) proves each refusal is needed or harmless.
 */
import { isAlias, isCollection, isPair, isScalar, visit, type Document } from 'yaml';

export interface RefusedConstruct {
  /** Offset in the text. */
  readonly offset: number;
  readonly message: string;
}

const REMEDY = 'write it as plain YAML, or render the manifests to JSON first (see the README: "gate what you deploy")';

/**
 * Bytes to text, refusing what kubectl would decode differently: UTF-16/UTF-32 (with or without a byte-order mark;
 * a NUL byte is never in a UTF-8 manifest) and invalid UTF-8. A UTF-8 byte-order mark at the start is dropped, as
 * go-yaml drops it.
 */
export function decodeManifestBytes(bytes: Buffer): { text: string } | { problem: { line: number; column: number; message: string } } {
  const refuse = (what: string) => ({ problem: { line: 1, column: 1, message: `refused: ${what}; kubectl would not read it as this reader does: convert the file to UTF-8` } });
  if (bytes.length >= 4 && ((bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) || (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff))) {
    return refuse('UTF-32 encoding (byte-order mark)');
  }
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return refuse('UTF-16 encoding (byte-order mark)');
  if (bytes.includes(0)) return refuse('NUL bytes (UTF-16 or UTF-32 without a byte-order mark, or a binary file)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return refuse('invalid UTF-8');
  }
  return { text };
}

const LINE_BREAKS: Record<string, string> = {
  '\r': 'a carriage return (CR) not followed by a line feed',
  '\u0085': 'a NEL (U+0085) character',
  '\u2028': 'a line separator (U+2028)',
  '\u2029': 'a paragraph separator (U+2029)',
  '\ufeff': 'a byte-order mark (U+FEFF) after the start of the file',
};

export const refusedConstructs = {
  /** Characters YAML 1.1 treats as line breaks and YAML 1.2 does not (even inside comments and quotes). */
  inText(text: string): RefusedConstruct[] {
    const out: RefusedConstruct[] = [];
    const re = /\r(?!\n)|[\u0085\u2028\u2029\ufeff]/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      out.push({ offset: m.index, message: `refused: ${LINE_BREAKS[m[0]]}: YAML 1.1 (kubectl) breaks the line there and YAML 1.2 does not; ${REMEDY}` });
    }
    const directive = /^%(YAML|TAG)\b/gm;
    for (let m = directive.exec(text); m; m = directive.exec(text)) {
      out.push({ offset: m.index, message: `refused: a %${m[1]} directive; ${REMEDY}` });
    }
    return out;
  },

  /** Tags, aliases, merge keys and keys that are not plain strings, in one parsed document. */
  inDocument(doc: Document.Parsed): RefusedConstruct[] {
    const out: RefusedConstruct[] = [];
    visit(doc, {
      Node(_key, node) {
        const offset = node.range?.[0] ?? 0;
        if (isAlias(node)) {
          out.push({ offset, message: `refused: an alias (*${node.source}): aliases can supply a container, an image or a key that a reader of the text does not see; ${REMEDY}` });
          return;
        }
        if (node.tag !== undefined && (isScalar(node) || isCollection(node))) {
          out.push({ offset, message: `refused: an explicit tag (${node.tag.replace(/^tag:yaml\.org,2002:/, '!!')}): go-yaml decodes tags such as !!binary to other text; ${REMEDY}` });
        }
      },
      Pair(_key, pair) {
        if (!isPair(pair)) return;
        const k = pair.key;
        const offset = (k as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
        if (isScalar(k) && (k.source === '<<' || typeof k.value === 'symbol')) {
          out.push({ offset, message: `refused: a merge key (<<): it can supply or override an image; ${REMEDY}` });
        } else if (k !== null && !isScalar(k) && !isAlias(k)) {
          out.push({ offset, message: `refused: a key that is not a scalar; ${REMEDY}` });
        }
      },
    });
    return out;
  },
};
