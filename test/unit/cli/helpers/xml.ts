/**
 * A small strict XML 1.0 parser for checking our JUnit output: well-formedness (one root, matched tags, quoted
 * attributes, no duplicate attributes, only the predefined and numeric entities, no raw `<`/`&` in text, no
 * forbidden control characters). Enough to reject anything a CI's JUnit reader would choke on.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

function decode(s: string, where: number): string {
  if (/[<]/.test(s)) throw new Error(`raw "<" at ${where}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(s)) throw new Error(`control character at ${where}`);
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, e: string | undefined) => {
    if (e === undefined) throw new Error(`bare "&" at ${where}`);
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (!(e in named)) throw new Error(`unknown entity &${e}; at ${where}`);
    return named[e]!;
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end === -1) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  ws();
  const element = (): XmlElement => {
    if (src[i] !== '<') throw new Error(`expected "<" at ${i}`);
    i++;
    const m = NAME.exec(src.slice(i));
    if (!m) throw new Error(`bad element name at ${i}`);
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    i += m[0].length;
    for (;;) {
      const before = i;
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (before === i) throw new Error(`expected whitespace before attribute at ${i}`);
      const a = NAME.exec(src.slice(i));
      if (!a) throw new Error(`bad attribute name at ${i}`);
      i += a[0].length;
      ws();
      if (src[i] !== '=') throw new Error(`expected "=" at ${i}`);
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") throw new Error(`unquoted attribute at ${i}`);
      const end = src.indexOf(q, i + 1);
      if (end === -1) throw new Error('unterminated attribute');
      if (a[0] in el.attrs) throw new Error(`duplicate attribute ${a[0]}`);
      el.attrs[a[0]] = decode(src.slice(i + 1, end), i);
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt === -1) throw new Error(`unterminated element ${el.name}`);
      el.text += decode(src.slice(i, lt), i);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const m2 = NAME.exec(src.slice(i));
        if (!m2 || m2[0] !== el.name) throw new Error(`mismatched end tag for ${el.name} at ${i}`);
        i += m2[0].length;
        ws();
        if (src[i] !== '>') throw new Error(`expected ">" at ${i}`);
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end === -1) throw new Error('unterminated comment');
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  const root = element();
  ws();
  if (i !== src.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

/**
 * The constraints of the JUnit XSD most CI systems validate against (Jenkins' junit-10.xsd / Ant dialect):
 * testsuites → testsuite* → testcase* → (skipped | error | failure)?, system-out?, system-err?; required
 * attributes; counts that add up. Returns the problems (empty when valid).
 */
export function junitProblems(root: XmlElement): string[] {
  const p: string[] = [];
  const int = (v: string | undefined) => v !== undefined && /^\d+$/.test(v);
  const dec = (v: string | undefined) => v === undefined || /^\d+(\.\d+)?$/.test(v);
  if (root.name !== 'testsuites') p.push(`root is <${root.name}>`);
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const s of root.children) {
    if (s.name !== 'testsuite') {
      p.push(`<${s.name}> under <testsuites>`);
      continue;
    }
    if (!s.attrs['name']) p.push('testsuite without name');
    for (const a of ['tests', 'failures', 'errors', 'skipped']) if (s.attrs[a] !== undefined && !int(s.attrs[a])) p.push(`testsuite ${a}=${s.attrs[a]}`);
    if (!int(s.attrs['tests'])) p.push('testsuite without tests');
    if (!dec(s.attrs['time'])) p.push(`testsuite time ${s.attrs['time']}`);
    if (s.attrs['timestamp'] !== undefined && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(s.attrs['timestamp'])) p.push(`timestamp ${s.attrs['timestamp']}`);
    let f = 0;
    let e = 0;
    for (const c of s.children) {
      if (c.name !== 'testcase') {
        p.push(`<${c.name}> under <testsuite>`);
        continue;
      }
      if (!c.attrs['name']) p.push('testcase without name');
      if (!c.attrs['classname']) p.push('testcase without classname');
      if (!dec(c.attrs['time'])) p.push(`testcase time ${c.attrs['time']}`);
      const kinds = c.children.map((x) => x.name);
      const order = ['skipped', 'error', 'failure', 'system-out', 'system-err'];
      for (const k of kinds) if (!order.includes(k)) p.push(`<${k}> under <testcase>`);
      if (kinds.filter((k) => k === 'failure' || k === 'error' || k === 'skipped').length > 1) p.push('testcase with more than one result');
      for (const x of c.children) if ((x.name === 'failure' || x.name === 'error') && x.attrs['message'] === undefined) p.push(`${x.name} without message`);
      if (kinds.includes('failure')) f++;
      if (kinds.includes('error')) e++;
    }
    if (Number(s.attrs['tests']) !== s.children.length) p.push(`testsuite ${s.attrs['name']} tests=${s.attrs['tests']} but ${s.children.length} testcases`);
    if (Number(s.attrs['failures'] ?? 0) !== f) p.push(`testsuite ${s.attrs['name']} failures mismatch`);
    if (Number(s.attrs['errors'] ?? 0) !== e) p.push(`testsuite ${s.attrs['name']} errors mismatch`);
    tests += s.children.length;
    failures += f;
    errors += e;
  }
  if (root.attrs['tests'] !== undefined && Number(root.attrs['tests']) !== tests) p.push('testsuites tests mismatch');
  if (root.attrs['failures'] !== undefined && Number(root.attrs['failures']) !== failures) p.push('testsuites failures mismatch');
  if (root.attrs['errors'] !== undefined && Number(root.attrs['errors']) !== errors) p.push('testsuites errors mismatch');
  return p;
}
