import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { criOReference } from '../../../src/cli/batch.js';
import { scanManifests, scanManifestText } from '../../../src/cli/k8s/manifests.js';
import { applyPins, pinnedReference } from '../../../src/cli/k8s/pin.js';
import { colorEnabled } from '../../../src/cli/main.js';
import { renderGitHubAnnotations } from '../../../src/cli/output/github.js';
import { renderJUnit } from '../../../src/cli/output/junit.js';
import type { ImageReport } from '../../../src/cli/output/result.js';
import { PolicyRequirementError, ImageSourceError } from '../../../src/errors.js';
import { runCLI } from './helpers/cli.js';
import { junitProblems, parseXml } from './helpers/xml.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('Kubernetes manifests', () => {
  test('the gate fixtures: 27 files, 54 references, 10 images, every container field and workload kind', async () => {
    const s = await scanManifests(['fixtures/k8s/gate'], root);
    expect(s.files).toHaveLength(27);
    expect(s.occurrences).toHaveLength(54);
    expect(new Set(s.occurrences.map((o) => o.image)).size).toBe(10);
    expect(new Set(s.occurrences.map((o) => o.kind))).toEqual(new Set(['Deployment', 'Pod', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController', 'PodTemplate']));
    expect(new Set(s.occurrences.map((o) => o.field))).toEqual(new Set(['containers', 'initContainers', 'ephemeralContainers']));
    expect(s.problems).toEqual([]);
    const cron = s.occurrences.find((o) => o.kind === 'CronJob' && o.container === 'upload')!;
    expect(cron).toMatchObject({ file: 'fixtures/k8s/gate/team-b/jobs/cronjob.yaml', line: 16, path: 'spec.jobTemplate.spec.template.spec.containers[1].image' });
    const listed = s.occurrences.filter((o) => o.file.endsWith('list.yaml'));
    expect(listed.map((o) => o.path)).toEqual(['items[0].spec.containers[0].image', 'items[1].spec.template.spec.containers[0].image', 'items[1].spec.template.spec.containers[1].image']);
  });

  test('a manifest that does not parse is a usage error naming file, line and column (exit 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-k8s-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'kind: Pod\nspec:\n  containers:\n    - image: a\n   - image: b\n');
      const r = await runCLI(['verify', '--policy', join(root, 'fixtures/policies/every-scope.json'), '-f', dir], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^imgpolicy: bad\.yaml:\d+:\d+: not a valid YAML\/JSON manifest: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pinning rewrites only the scalar, in its quoting style, and refuses a file that changed', () => {
    const text = "kind: Pod\nspec:\n  containers:\n    - name: a # keep\n      image: 'r.example/x:1' # why\n    - {name: b, image: \"r.example/y:2\"}\n";
    const { occurrences } = scanManifestText(text, 'p.yaml');
    const d = 'sha256:' + 'a'.repeat(64);
    const out = applyPins(text, occurrences.map((o) => ({ occurrence: o, pinned: pinnedReference(o.image, d) })));
    expect(out).toBe(text.replace("'r.example/x:1'", `'r.example/x:1@${d}'`).replace('"r.example/y:2"', `"r.example/y:2@${d}"`));
    expect(pinnedReference(`r/x:1@sha256:${'b'.repeat(64)}`, d)).toBe(`r/x:1@${d}`);
    expect(() => applyPins(text.replace('x:1', 'x:9'), [{ occurrence: occurrences[0]!, pinned: 'z' }])).toThrow(/changed since it was verified/);
  });

  test('CRI-O pulls name:tag@digest by digest; other references as written', () => {
    const d = 'sha256:' + 'c'.repeat(64);
    expect(criOReference(`quay.io/a/b:v1@${d}`)).toEqual({ evaluate: `docker://quay.io/a/b@${d}`, stripped: true });
    expect(criOReference('nginx:1.25')).toEqual({ evaluate: 'docker://nginx:1.25', stripped: false });
  });
});

describe('lint --target', () => {
  const write = (o: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-lint-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify(o, null, 2));
    return join(dir, 'p.json');
  };
  const policy = write({
    default: [{ type: 'reject' }],
    transports: {
      docker: {
        'quay.io/a': [{ type: 'sigstoreSigned', keyPaths: ['/k1.pub', '/k2.pub'], signedIdentity: { type: 'matchRepository' } }],
        'quay.io/b': [{ type: 'sigstoreSigned', fulcio: { caPath: '/ca.pem', oidcIssuer: 'https://i', subjectEmail: 'a@b' }, rekorPublicKeyPath: '/r.pub' }],
      },
    },
  });

  test('a 5.34 policy that CRI-O 1.28 (containers/image 5.27.0) cannot parse: exit 3 with the runtime’s error', async () => {
    const r = await runCLI(['lint', '--target', 'cri-o-1.28', policy]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `${policy}: cri-o-1.28 (containers/image 5.27.0) cannot parse this policy; every pull on such a node fails:\n` +
        `  line 10: Unknown key "keyPaths"  (sigstoreSigned.keyPaths needs containers/image ≥ 5.33.0)  at $.transports.docker["quay.io/a"][0]\n`,
    );
  });

  test('containers-image-5.23 also lacks fulcio and rekorPublicKeyPath; skopeo-1.18 parses it all', async () => {
    const old = await runCLI(['lint', '--target', 'containers-image-5.23', policy]);
    expect(old.code).toBe(3);
    expect(old.stderr.match(/Unknown key "(\w+)"/g)).toEqual(['Unknown key "keyPaths"', 'Unknown key "fulcio"', 'Unknown key "rekorPublicKeyPath"']);
    const ok = await runCLI(['lint', '--target', 'skopeo-1.18,cri-o-1.32', policy]);
    expect([ok.code, ok.stdout]).toEqual([0, `${policy}: OK for skopeo-1.18 (containers/image 5.34.2)\n${policy}: OK for cri-o-1.32 (containers/image 5.33.0)\n${policy}: OK (1 transports, 2 scopes)\n`]);
    const bad = await runCLI(['lint', '--target', 'cri-o-0.1', policy]);
    expect(bad.code).toBe(3);
  });

  test('lint and explain reach neither the HTTP nor the crypto stacks through static imports', () => {
    // Follows every non-type static import from the CLI entry; lazy import() paths are not followed, by design.
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^(?:import|export)\s+(?!type\b)([^;]*?)\bfrom\s+'([^']+)'/gms)) {
        const spec = m[2]!;
        if (spec.startsWith('.')) visit(normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
        else external.add(spec);
      }
    };
    visit(join(root, 'src/cli/main.ts'));
    expect([...external].filter((e) => /undici|openpgp|sigstore|yaml/.test(e))).toEqual([]);
    expect([...seen].filter((f) => f.includes('/src/signature/') || f.includes('/registry/client'))).toEqual([]);
  });
});

describe('trust show', () => {
  test('prints the policy as a table, one row per requirement', async () => {
    const r = await runCLI(['trust', 'show', '--policy', join(root, 'fixtures/policies/every-scope.json')]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TRANSPORT +SCOPE +TYPE +KEYS \/ TRUST ROOT +IDENTITY$/);
    expect(lines[1]).toMatch(/^all +default +\w+/);
    const json = JSON.parse((await runCLI(['trust', 'show', '--output', 'json', '--policy', join(root, 'fixtures/policies/every-scope.json')])).stdout);
    expect(json.length).toBe(lines.length - 1);
  });
});

describe('formatters', () => {
  const nasty = 'a & b < c > "d" \u0001 \n e';
  const reports: ImageReport[] = [
    { input: 'x:1', exitCode: 1, error: new PolicyRequirementError(nasty), occurrences: [], policyPath: '/p.json' },
    { input: 'y:1', exitCode: 2, error: new ImageSourceError('down, really: 100%'), policyPath: '/p.json' },
  ];

  test('JUnit stays well-formed whatever the messages contain', () => {
    const doc = parseXml(renderJUnit(reports));
    expect(junitProblems(doc)).toEqual([]);
    const [fail, err] = doc.children[0]!.children;
    expect(fail!.children[0]).toMatchObject({ name: 'failure', attrs: { type: 'SignatureValidationFailed', message: nasty.replace('\u0001', '\uFFFD') } });
    expect(err!.children[0]!.name).toBe('error');
  });

  test('GitHub annotations escape %, newlines, commas and colons', () => {
    const out = renderGitHubAnnotations(reports);
    expect(out.split('\n')[0]).toBe('::error title=SignatureValidationFailed%3A x%3A1::SignatureValidationFailed: a & b < c > "d" \u0001 %0A e%0Apolicy: /p.json');
    expect(out).toContain('::error title=image not evaluated%3A y%3A1::down, really: 100%25');
  });

  test('colour: off with NO_COLOR (non-empty) or without a TTY', () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
  });

  test('help of every command teaches with examples; bad invocations exit 3 without a stack', async () => {
    for (const c of ['verify', 'inspect', 'lint', 'explain', 'trust show']) {
      const r = await runCLI([...c.split(' '), '--help']);
      expect([c, r.code, r.stdout]).toEqual([c, 0, expect.stringContaining('Example')]);
    }
    const r = await runCLI(['verify', '--output', 'xml', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const none = await runCLI(['verify', '--policy', '/nonexistent/policy.json', 'busybox']);
    expect(none.code).toBe(3);
    // The policy error is shown once (in the text output, under the image), not also on stderr.
    expect((none.stdout + none.stderr).split('open /nonexistent/policy.json: no such file or directory').length - 1).toBe(1);
    expect(none.stderr).not.toMatch(/\n\s+at /);
  });
});
