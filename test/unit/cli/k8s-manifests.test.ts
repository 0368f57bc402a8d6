/**
 * The manifest reader on the constructs of issue 14, without kubectl (the kubectl differential suite in
 * test/conformance proves the same against the real kubectl): each is either read where kubectl reads it, or
 * refused with file, line and the construct's name.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanManifests, scanManifestText } from '../../../src/cli/k8s/manifests.js';

const bad = 'r.example/unsigned:v1';
const good = 'r.example/signed:v1';
const podHead = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function scan(text: string) {
  return scanManifestText(text, 'm.yaml');
}

describe('issue 14 constructs: read as kubectl reads them, or refused', () => {
  test.each([
    ['CR', '\r', 'carriage return'],
    ['NEL', '\u0085', 'NEL'],
    ['LS', '\u2028', 'line separator'],
    ['PS', '\u2029', 'paragraph separator'],
  ])('row 2: a lone %s in a comment is refused at its line', (_n, ch, word) => {
    const r = scan(`${podHead}  - name: a\n    image: ${good} # x${ch}    image: ${bad}\n`);
    expect(r.occurrences).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ file: 'm.yaml', line: 8, message: expect.stringContaining(word) })]);
  });

  test.each([
    ['row 3 !!binary image', `${podHead}  - name: a\n    image: !!binary ${b64(bad)}\n`, 8, 'explicit tag (!!binary)'],
    ['row 3 !!binary kind', `apiVersion: v1\nkind: !!binary ${b64('Pod')}\nspec: {}\n`, 2, 'explicit tag (!!binary)'],
    ['row 4 alias key', `apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {k: &k image}}\nspec:\n  containers:\n  - name: a\n    image: ${good}\n    *k : ${bad}\n`, 8, 'alias (*k)'],
    ['row 4 plain duplicate', `${podHead}  - name: a\n    image: ${good}\n    image: ${bad}\n`, 9, 'duplicate key'],
    ['row 5 merge key', `${podHead}  - name: a\n    <<: {image: ${bad}}\n`, 8, 'merge key (<<)'],
    ['row 6 container alias', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  x: &e {name: a, image: ${bad}}\n  containers:\n  - *e\n`, 7, 'alias (*e)'],
    ['row 7 scalar alias', `apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: {x: &i ${bad}}}\nspec:\n  containers:\n  - name: a\n    image: *i\n`, 7, 'alias (*i)'],
    ['row 12 namespace by !!binary key', `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: sandbox\n  !!binary ${b64('namespace')}: default\n`, 6, 'explicit tag (!!binary)'],
  ])('%s: refused at its line', (_n, text, line, what) => {
    const r = scan(text);
    expect(r.occurrences).toEqual([]);
    expect(r.problems[0]).toMatchObject({ file: 'm.yaml', line, message: expect.stringContaining(what) });
  });

  test('row 8: items on any object are read (a Pod or a ConfigMap with items), with the item’s own path', () => {
    for (const kind of ['Pod', 'ConfigMap']) {
      const r = scan(`apiVersion: v1\nkind: ${kind}\nmetadata: {name: decoy}\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: evil, namespace: ""}\n  spec:\n    containers:\n    - {name: a, image: ${bad}}\n`);
      expect(r.problems).toEqual([]);
      expect(r.occurrences.map((o) => [o.kind, o.name, o.path, o.image, o.namespace])).toEqual([['Pod', 'evil', 'items[0].spec.containers[0].image', bad, undefined]]);
    }
  });

  test('row 9: UTF-16 and UTF-32 (with a byte-order mark) and invalid UTF-8 are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-enc-'));
    try {
      const text = `${podHead}  - name: a\n    image: ${bad}\n`;
      writeFileSync(join(dir, 'le.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      writeFileSync(join(dir, 'u32.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('k')]));
      writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('kind: Pod\nx: \xe9\n', 'latin1'));
      const s = await scanManifests([dir], dir);
      expect(s.occurrences).toEqual([]);
      expect(s.problems.map((p) => [p.file, p.message.split(';')[0]])).toEqual([
        ['latin1.yaml', 'refused: invalid UTF-8'],
        ['le.yaml', 'refused: UTF-16 encoding (byte-order mark)'],
        ['u32.yaml', 'refused: UTF-32 encoding (byte-order mark)'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('row 1: dotfiles and dot-directories are read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-dot-'));
    try {
      mkdirSync(join(dir, '.hidden'));
      writeFileSync(join(dir, '.evil.yaml'), `${podHead}  - {name: a, image: ${bad}}\n`);
      writeFileSync(join(dir, '.hidden', 'x.yml'), `${podHead}  - {name: a, image: ${good}}\n`);
      const s = await scanManifests([dir], dir);
      expect(s.files).toEqual(['.evil.yaml', '.hidden/x.yml']);
      expect(s.occurrences.map((o) => o.image)).toEqual([bad, good]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a kustomization is refused: kubectl apply -k deploys what it renders, not its files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-kz-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [pod.yaml]\nimages:\n- {name: ${good}, newName: r.example/unsigned}\n`);
      writeFileSync(join(dir, 'pod.yaml'), `${podHead}  - {name: a, image: ${good}}\n`);
      const s = await scanManifests([dir], dir);
      expect(s.problems).toEqual([expect.objectContaining({ file: 'kustomization.yaml', message: expect.stringContaining('kubectl kustomize') })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rows 10 and 13: any kind’s pod template, Tekton/Argo containers, and image volumes are read', () => {
    const r = scan(
      [
        `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: ${bad}}\n`,
        `apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  stepTemplate: {image: ${bad}}\n  steps:\n  - {name: s, image: ${bad}}\n`,
        `apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  templates:\n  - name: m\n    script: {image: ${bad}, source: x}\n`,
        `apiVersion: v1\nkind: Pod\nmetadata: {name: v}\nspec:\n  containers: []\n  volumes:\n  - name: data\n    image: {reference: ${bad}}\n`,
      ].join('---\n'),
    );
    expect(r.problems).toEqual([]);
    expect(r.occurrences.map((o) => `${o.kind} ${o.path} ${o.field}`)).toEqual([
      'Rollout spec.template.spec.containers[0].image containers',
      'Task spec.stepTemplate.image stepTemplate',
      'Task spec.steps[0].image steps',
      'Workflow spec.templates[0].script.image script',
      'Pod spec.volumes[0].image.reference volume',
    ]);
  });

  test('a container-like object elsewhere is an error naming --ignore-kind; with it, a warning', () => {
    const text = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  runner: {name: r, image: ${bad}}\n`;
    expect(scan(text).problems[0]).toMatchObject({ line: 5, message: expect.stringContaining('--ignore-kind Widget') });
    const ok = scanManifestText(text, 'm.yaml', 'm.yaml', { ignoreKinds: new Set(['Widget']) });
    expect(ok.problems).toEqual([]);
    expect(ok.ignored).toHaveLength(1);
  });

  test('an image YAML 1.1 reads as a number or boolean is an error, not skipped', () => {
    expect(scan(`${podHead}  - {name: a, image: 0x1F}\n`).problems[0]?.message).toContain('is not a string');
    expect(scan(`${podHead}  - {name: a, image: yes}\n`).problems[0]?.message).toContain('is not a string');
  });

  test('nodeSelector and required affinity on kubernetes.io/arch are recorded with each image', () => {
    const r = scan(
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeSelector: {kubernetes.io/arch: arm64}\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions: [{key: kubernetes.io/arch, operator: In, values: [arm64, amd64]}]\n  containers:\n  - {name: a, image: ${bad}}\n`,
    );
    expect(r.occurrences[0]?.architectures).toEqual(['arm64']);
    expect(scan(`${podHead}  - {name: a, image: ${bad}}\n`).occurrences[0]?.architectures).toBeUndefined();
  });
});
