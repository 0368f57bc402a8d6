/**
 * Manifest sets for the kubectl differential suite: the rows of issue 14 written out, plus generated mutations
 * (every base workload × every way of writing it). Each set is a directory of files and the flags kubectl and
 * imgpolicy get. Images point at 127.0.0.1:1 (nothing listens): the suite compares what is read, not verdicts.
 */
import { stringify } from 'yaml';

export interface ManifestSet {
  readonly name: string;
  /** Relative path → content. */
  readonly files: Record<string, string | Buffer>;
  /** What to pass to `-f` (relative to the set's directory); default `.`. */
  readonly target?: string;
  /** kubectl's extra flags (`-R`, `-n prod`); imgpolicy gets the same `-n`/`--namespace`. */
  readonly kubectlArgs?: readonly string[];
  readonly imgpolicyArgs?: readonly string[];
  /** The kubeconfig context's namespace. */
  readonly contextNamespace?: string;
  /** Feed the file to both tools on standard input (`-f -`). */
  readonly stdin?: string;
  /** The row this set reproduces (for the report). */
  readonly row?: number;
}

const R = '127.0.0.1:1/h14';
const img = (n: string) => `${R}/${n}:v1`;

type Obj = Record<string, unknown>;
const container = (name: string, image: string, extra: Obj = {}) => ({ name, image, ...extra });
const podSpec = (image: string, extra: Obj = {}) => ({ containers: [container('app', image)], ...extra });
const meta = (name: string, ns?: string) => ({ name, ...(ns !== undefined ? { namespace: ns } : {}) });
const template = (image: string, extra: Obj = {}) => ({ metadata: { labels: { app: 'x' } }, spec: podSpec(image, extra) });

/** One object per workload kind, each with a single image at a known place. */
export function baseObjects(image: string, ns?: string): { label: string; obj: Obj }[] {
  const sel = { selector: { matchLabels: { app: 'x' } } };
  return [
    { label: 'Pod', obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('p', ns), spec: podSpec(image) } },
    { label: 'Pod-init', obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('pi', ns), spec: { initContainers: [container('init', image)], containers: [container('app', img('ok'))] } } },
    { label: 'Pod-ephemeral', obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('pe', ns), spec: { containers: [container('app', img('ok'))], ephemeralContainers: [container('dbg', image)] } } },
    { label: 'Pod-imagevolume', obj: { apiVersion: 'v1', kind: 'Pod', metadata: meta('pv', ns), spec: { containers: [container('app', img('ok'))], volumes: [{ name: 'v', image: { reference: image, pullPolicy: 'IfNotPresent' } }] } } },
    { label: 'Deployment', obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d', ns), spec: { ...sel, template: template(image) } } },
    { label: 'StatefulSet', obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta('s', ns), spec: { ...sel, serviceName: 's', template: template(image) } } },
    { label: 'DaemonSet', obj: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('ds', ns), spec: { ...sel, template: template(image) } } },
    { label: 'ReplicaSet', obj: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('rs', ns), spec: { ...sel, template: template(image) } } },
    { label: 'ReplicationController', obj: { apiVersion: 'v1', kind: 'ReplicationController', metadata: meta('rc', ns), spec: { selector: { app: 'x' }, template: template(image) } } },
    { label: 'Job', obj: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('j', ns), spec: { template: template(image, { restartPolicy: 'Never' }) } } },
    { label: 'CronJob', obj: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta('cj', ns), spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template(image, { restartPolicy: 'Never' }) } } } } },
    { label: 'PodTemplate', obj: { apiVersion: 'v1', kind: 'PodTemplate', metadata: meta('pt', ns), template: template(image) } },
    { label: 'Rollout', obj: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: meta('ro', ns), spec: { ...sel, template: template(image) } } },
    { label: 'KnativeService', obj: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: meta('ks', ns), spec: { template: { spec: { containers: [{ image }] } } } } },
    { label: 'DeploymentConfig', obj: { apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: meta('dc', ns), spec: { template: template(image) } } },
    { label: 'ScaledJob', obj: { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', metadata: meta('sj', ns), spec: { jobTargetRef: { template: template(image) } } } },
    { label: 'TektonTask', obj: { apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: meta('tt', ns), spec: { steps: [{ name: 'build', image, script: 'make' }] } } },
    { label: 'ArgoWorkflow', obj: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: meta('wf', ns), spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image, command: ['sh'] } }] } } },
  ];
}

const y = (o: unknown) => stringify(o, { lineWidth: 0 });

/** Ways of writing a document that kubectl reads the same way (or that imgpolicy must refuse). */
const MUTATIONS: { name: string; write: (o: Obj) => Record<string, string | Buffer>; kubectlArgs?: string[]; imgpolicyArgs?: string[]; contextNamespace?: string }[] = [
  { name: 'yaml', write: (o) => ({ 'm.yaml': y(o) }) },
  { name: 'json', write: (o) => ({ 'm.json': JSON.stringify(o, null, 2) }) },
  { name: 'flow', write: (o) => ({ 'm.yml': JSON.stringify(o) }) },
  { name: 'crlf', write: (o) => ({ 'm.yaml': y(o).replace(/\n/g, '\r\n') }) },
  { name: 'dotfile', write: (o) => ({ 'ok.yaml': y({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }), '.evil.yaml': y(o) }) },
  { name: 'list', write: (o) => ({ 'm.yaml': y({ apiVersion: 'v1', kind: 'List', items: [o] }) }) },
  { name: 'items-on-pod', write: (o) => ({ 'm.yaml': y({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'decoy' }, spec: podSpec(img('signed')), items: [o] }) }) },
  { name: 'multidoc', write: (o) => ({ 'm.yaml': `---\n# nothing\n---\n${y({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })}---\n${y(o)}...\n` }) },
  { name: 'ns-flag', write: (o) => ({ 'm.yaml': y(o) }), kubectlArgs: ['-n', 'prod'] },
  { name: 'ns-context', write: (o) => ({ 'm.yaml': y(o) }), contextNamespace: 'team-a' },
  { name: 'ns-empty-flag', write: (o) => ({ 'm.yaml': y(withNamespace(o, '')) }), kubectlArgs: ['--namespace', 'prod'] },
  { name: 'ns-empty-context', write: (o) => ({ 'm.yaml': y(withNamespace(o, '')) }), contextNamespace: 'team-b' },
];

function withNamespace(o: Obj, ns: string): Obj {
  return { ...o, metadata: { ...(o['metadata'] as Obj), namespace: ns } };
}

/** Texts from the rows, each a disguise of an unsigned image behind a signed decoy. */
function rowSets(): ManifestSet[] {
  const bad = img('unsigned');
  const good = img('signed');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const podHead = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n';
  const sets: ManifestSet[] = [
    { row: 1, name: 'row1 dotfile beside a decoy', files: { 'ok.yaml': `${podHead}  - name: a\n    image: ${good}\n`, '.evil.yaml': `${podHead.replace('name: p', 'name: q')}  - name: a\n    image: ${bad}\n` } },
    { row: 1, name: 'row1 dot-directory with -R', files: { 'ok.yaml': `${podHead}  - name: a\n    image: ${good}\n`, '.hidden/evil.yaml': `${podHead.replace('name: p', 'name: q')}  - name: a\n    image: ${bad}\n` }, kubectlArgs: ['-R'] },
  ];
  for (const [label, ch] of [['CR', '\r'], ['NEL', '\u0085'], ['LS', '\u2028'], ['PS', '\u2029']] as const) {
    sets.push({ row: 2, name: `row2 lone ${label} in a comment`, files: { 'm.yaml': `${podHead}  - name: a\n    image: ${good} # note${ch}    image: ${bad}\n` } });
  }
  sets.push(
    { row: 3, name: 'row3 !!binary image', files: { 'm.yaml': `${podHead}  - name: a\n    image: !!binary ${b64(bad)}\n` } },
    { row: 3, name: 'row3 !!binary kind', files: { 'm.yaml': `apiVersion: v1\nkind: !!binary ${b64('Pod')}\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: ${bad}\n` } },
    { row: 3, name: 'row3 !!binary containers key', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  !!binary ${b64('containers')}:\n  - name: a\n    image: ${bad}\n` } },
    { row: 4, name: 'row4 duplicate image key as alias', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {k: &k image}\nspec:\n  containers:\n  - name: a\n    image: ${good}\n    *k : ${bad}\n` } },
    { row: 4, name: 'row4 duplicate image key as !!binary', files: { 'm.yaml': `${podHead}  - name: a\n    image: ${good}\n    !!binary ${b64('image')}: ${bad}\n` } },
    { row: 4, name: 'row4 plain duplicate image key', files: { 'm.yaml': `${podHead}  - name: a\n    image: ${good}\n    image: ${bad}\n` } },
    { row: 5, name: 'row5 inline merge key', files: { 'm.yaml': `${podHead}  - name: a\n    <<: {image: ${bad}}\n` } },
    // Annotations hold strings only (kubectl refuses an object there), so the anchors stand in a field of the spec.
    { row: 5, name: 'row5 merge through an anchor elsewhere', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  x-defaults: &m {image: ${bad}}\n  containers:\n  - name: a\n    <<: *m\n` } },
    { row: 5, name: 'row5 merge overriding an image', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: ${good}\n    <<: {image: ${bad}}\n` } },
    { row: 6, name: 'row6 whole container as alias', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  x-spare: &evil {name: a, image: ${bad}}\n  containers:\n  - *evil\n` } },
    { row: 6, name: 'row6 container alias through a List', files: { 'm.yaml': `apiVersion: v1\nkind: List\nitems:\n- apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: w}\n  spec: {tmpl: &evil {name: a, image: ${bad}}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - *evil\n` } },
    { row: 7, name: 'row7 scalar image alias', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    x: &img ${bad}\nspec:\n  containers:\n  - name: a\n    image: *img\n` } },
    { row: 8, name: 'row8 Pod with items', files: { 'm.yaml': y({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'decoy' }, spec: podSpec(good), items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evil' }, spec: podSpec(bad) }] }) } },
    { row: 8, name: 'row8 ConfigMap with items', files: { 'm.yaml': y({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'evil' }, spec: podSpec(bad) }] }) } },
    { row: 9, name: 'row9 UTF-16LE with BOM', files: { 'm.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${podHead}  - name: a\n    image: ${bad}\n`, 'utf16le')]) } },
    { row: 9, name: 'row9 UTF-16BE with BOM', files: { 'm.yaml': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`${podHead}  - name: a\n    image: ${bad}\n`, 'utf16le').swap16()]) } },
    { row: 10, name: 'row10 Argo Rollout', files: { 'm.yaml': y(baseObjects(bad).find((b) => b.label === 'Rollout')!.obj) } },
    { row: 10, name: 'row10 Knative Service', files: { 'm.yaml': y(baseObjects(bad).find((b) => b.label === 'KnativeService')!.obj) } },
    { row: 11, name: 'row11 empty namespace with -n prod', files: { 'm.yaml': y(withNamespace(baseObjects(bad)[0]!.obj, '')) }, kubectlArgs: ['-n', 'prod'] },
    { row: 12, name: 'row12 namespace spoofed by a !!binary duplicate', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: sandbox\n  !!binary ${b64('namespace')}: default\nspec:\n  containers:\n  - name: a\n    image: ${bad}\n` } },
    { row: 12, name: 'row12 namespace spoofed by an alias key', files: { 'm.yaml': `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {k: &n namespace}\n  namespace: sandbox\n  *n : default\nspec:\n  containers:\n  - name: a\n    image: ${bad}\n` } },
    { row: 13, name: 'row13 image volume', files: { 'm.yaml': y(baseObjects(bad).find((b) => b.label === 'Pod-imagevolume')!.obj) } },
    { row: 15, name: 'row15 kubeconfig context namespace', files: { 'm.yaml': y(baseObjects(bad)[0]!.obj) }, contextNamespace: 'prod' },
    { name: 'unknown kind with a container-like object', files: { 'm.yaml': y({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { runner: { name: 'r', image: bad, args: ['x'] } } }) } },
    { name: 'unknown kind accepted with --ignore-kind (kubectl sends it; imgpolicy must say it did not evaluate it)', files: { 'm.yaml': y({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { runner: { name: 'r', image: bad, args: ['x'] } } }) }, imgpolicyArgs: ['--ignore-kind', 'Widget'] },
    { name: 'Tekton sidecars and stepTemplate', files: { 'm.yaml': y({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 't' }, spec: { stepTemplate: { image: bad, env: [] }, steps: [{ name: 's', image: good }], sidecars: [{ name: 'side', image: bad }] } }) } },
    { name: 'Argo script and containerSet', files: { 'm.yaml': y({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' }, spec: { templates: [{ name: 'a', script: { image: bad, source: 'echo' } }, { name: 'b', containerSet: { containers: [{ name: 'c', image: bad }] } }] } }) } },
    { name: 'image block scalar', files: { 'm.yaml': `${podHead}  - name: a\n    image: |-\n      ${bad}\n` } },
    { name: 'image folded over lines', files: { 'm.yaml': `${podHead}  - name: a\n    image: "${R}/\n      unsigned:v1"\n` } },
    { name: 'double-quoted escapes', files: { 'm.yaml': `${podHead}  - name: a\n    "im\\x61ge": "${bad.replace('unsigned', '\\x75nsigned')}"\n` } },
    { name: 'YAML 1.1 boolean-looking keys stay apart', files: { 'm.yaml': `${podHead}  - name: a\n    image: ${bad}\n    on: x\n` } },
    { name: 'stdin', files: {}, stdin: `${podHead}  - name: a\n    image: ${bad}\n`, target: '-' },
    { name: 'nested List in a List', files: { 'm.yaml': y({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'List', items: [baseObjects(bad)[0]!.obj] }] }) } },
    { name: 'PodList items without kind', files: { 'm.yaml': y({ apiVersion: 'v1', kind: 'PodList', items: [{ metadata: { name: 'x' }, spec: podSpec(bad) }] }) } },
    { name: 'utf-8 BOM', files: { 'm.yaml': '\ufeff' + `${podHead}  - name: a\n    image: ${bad}\n` } },
    { name: 'tab after the colon', files: { 'm.yaml': `${podHead}  - name: a\n    image:\t${bad}\n` } },
    { name: 'document end marker then more', files: { 'm.yaml': `${podHead}  - name: a\n    image: ${good}\n...\n${podHead.replace('name: p', 'name: q')}  - name: a\n    image: ${bad}\n` } },
    { name: 'directory without -R has a subdirectory', files: { 'ok.yaml': `${podHead}  - name: a\n    image: ${good}\n`, 'sub/evil.yaml': `${podHead.replace('name: p', 'name: q')}  - name: a\n    image: ${bad}\n` } },
    { name: 'upper-case extension', files: { 'm.YAML': `${podHead}  - name: a\n    image: ${bad}\n`, 'ok.yaml': `${podHead.replace('name: p', 'name: q')}  - name: a\n    image: ${good}\n` } },
    { name: 'explicit file without extension', files: { manifest: `${podHead}  - name: a\n    image: ${bad}\n` }, target: 'manifest' },
  );
  return sets;
}

export function manifestSets(): ManifestSet[] {
  const sets = rowSets();
  // Every base gets 8 of the mutations, rotating, so that each mutation meets 12 of the 18 bases (a full product
  // would double the suite's run time for little: the mutations are independent of the kind).
  baseObjects(img('gen')).forEach((base, b) => {
    for (let k = 0; k < 8; k++) {
      const m = MUTATIONS[(b + k) % MUTATIONS.length]!;
      sets.push({
        name: `${base.label} × ${m.name}`,
        files: m.write(base.obj),
        ...(m.kubectlArgs ? { kubectlArgs: m.kubectlArgs } : {}),
        ...(m.imgpolicyArgs ? { imgpolicyArgs: m.imgpolicyArgs } : {}),
        ...(m.contextNamespace ? { contextNamespace: m.contextNamespace } : {}),
      });
    }
  });
  return sets;
}
