/**
 * A small Kubernetes API server of our own, for kubectl to talk to: discovery (/api, /apis), OpenAPI v3 (so that
 * kubectl's default --validate=strict takes the server-side path and sends ?fieldValidation=Strict), and a record
 * of every body kubectl sends. It stores nothing: every GET of an object is 404, so `kubectl apply` and `kubectl
 * create` always POST the whole object, which is exactly what the differential suite wants to see.
 *
 * Several kubectl runs can share one server: each uses its own path prefix (`/run/<id>`) in its kubeconfig's server
 * URL, and the record is kept per prefix.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** The kinds the server knows; anything else gets kubectl's own `no matches for kind` error. */
export const KNOWN_KINDS: readonly KindInfo[] = [
  ...['Pod', 'PodTemplate', 'ReplicationController', 'ConfigMap', 'Service', 'Secret'].map((kind) => ({ group: '', version: 'v1', kind, namespaced: true })),
  { group: '', version: 'v1', kind: 'Namespace', namespaced: false },
  ...['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((kind) => ({ group: 'apps', version: 'v1', kind, namespaced: true })),
  ...['Job', 'CronJob'].map((kind) => ({ group: 'batch', version: 'v1', kind, namespaced: true })),
  ...['Rollout', 'Workflow', 'CronWorkflow', 'WorkflowTemplate'].map((kind) => ({ group: 'argoproj.io', version: 'v1alpha1', kind, namespaced: true })),
  ...['Service', 'Configuration'].map((kind) => ({ group: 'serving.knative.dev', version: 'v1', kind, namespaced: true })),
  { group: 'apps.openshift.io', version: 'v1', kind: 'DeploymentConfig', namespaced: true },
  { group: 'keda.sh', version: 'v1alpha1', kind: 'ScaledJob', namespaced: true },
  ...['Task', 'TaskRun', 'Pipeline', 'PipelineRun'].map((kind) => ({ group: 'tekton.dev', version: 'v1', kind, namespaced: true })),
  ...['Widget', 'ClusterWidget'].map((kind) => ({ group: 'example.com', version: 'v1', kind, namespaced: kind === 'Widget' })),
];

const plural = (kind: string) => kind.toLowerCase() + 's';

export interface RecordedBody {
  readonly method: string;
  readonly path: string;
  readonly kind: string;
  /** The namespace in the request URL ('' for cluster-scoped objects). */
  readonly namespace: string;
  readonly body: unknown;
}

export class FakeKubeAPIServer {
  private server?: Server;
  private readonly records = new Map<string, RecordedBody[]>();
  private seq = 0;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A fresh run: its own prefix and a kubeconfig (in a temp dir) whose current context may carry a namespace. */
  newRun(contextNamespace?: string): { id: string; kubeconfig: string; dir: string } {
    const id = `r${++this.seq}`;
    this.records.set(id, []);
    const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-kube-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: `${this.url}/run/${id}` } }],
        users: [{ name: 'fake', user: { token: 'fake' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', ...(contextNamespace !== undefined ? { namespace: contextNamespace } : {}) } }],
        'current-context': 'fake',
      }),
    );
    return { id, kubeconfig, dir };
  }

  recorded(id: string): readonly RecordedBody[] {
    return this.records.get(id) ?? [];
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/run\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const run = m?.[1] ?? '';
    const path = m?.[2] ?? url.pathname;
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() });
    if (path === '/version') return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    if (path === '/openapi/v3') return json(200, { paths: Object.fromEntries(this.groupVersions().map((gv) => [gvPath(gv), { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=fake` }])) });
    if (path === '/openapi/v2') {
      // kubectl validates a `kind: List` client-side with OpenAPI v2 (protobuf). An empty document is a valid
      // protobuf message with no definitions, so each item is validated as an unknown kind: skipped, as for CRDs.
      res.writeHead(200, { 'content-type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
      res.end();
      return;
    }
    const oa = /^\/openapi\/v3\/(.+)$/.exec(path);
    if (oa) return json(200, this.openAPI(oa[1]!));
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (disc) {
      const group = disc[2] ?? '';
      const version = disc[1] ?? disc[3]!;
      const kinds = KNOWN_KINDS.filter((k) => k.group === group && k.version === version);
      if (kinds.length === 0) return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return json(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: kinds.map((k) => ({ name: plural(k.kind), singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
      });
    }
    const obj = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    if (obj) {
      const kindInfo = KNOWN_KINDS.find((k) => k.group === (obj[1] ?? '') && plural(k.kind) === obj[4]);
      if (!kindInfo) return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      if (req.method === 'GET') return json(404, status(404, 'NotFound', `${obj[4]} "${obj[5] ?? ''}" not found`));
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        parsed = body.toString('utf8');
      }
      this.records.get(run)?.push({ method: req.method ?? '', path, kind: kindInfo.kind, namespace: obj[3] ?? '', body: parsed });
      const out = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      const meta = (out['metadata'] ?? {}) as Record<string, unknown>;
      return json(req.method === 'POST' ? 201 : 200, {
        ...out,
        metadata: { ...meta, ...(obj[3] ? { namespace: obj[3] } : {}), uid: `uid-${this.seq}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z' },
      });
    }
    return json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const k of KNOWN_KINDS) seen.set(`${k.group}/${k.version}`, { group: k.group, version: k.version });
    return [...seen.values()];
  }

  private groups() {
    const byGroup = new Map<string, string[]>();
    for (const gv of this.groupVersions()) if (gv.group) byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv.version]);
    return [...byGroup].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    }));
  }

  /** Enough OpenAPI v3 for kubectl's field-validation probe: a PATCH per kind that takes `fieldValidation`. */
  private openAPI(gvp: string) {
    const gv = this.groupVersions().find((g) => gvPath(g) === gvp);
    const paths: Record<string, unknown> = {};
    for (const k of KNOWN_KINDS.filter((x) => gv && x.group === gv.group && x.version === gv.version)) {
      const base = `/${gvp}${k.namespaced ? '/namespaces/{namespace}' : ''}/${plural(k.kind)}`;
      const gvk = { 'x-kubernetes-group-version-kind': { group: k.group, version: k.version, kind: k.kind } };
      const params = [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }];
      paths[base] = { post: { ...gvk, 'x-kubernetes-action': 'post', parameters: params, responses: {} }, parameters: params };
      paths[`${base}/{name}`] = { patch: { ...gvk, 'x-kubernetes-action': 'patch', parameters: params, responses: {} }, parameters: params };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
  }
}

const gvPath = (gv: { group: string; version: string }) => (gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`);

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
