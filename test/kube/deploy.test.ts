/**
 * deploy/ renders with `kubectl kustomize` (when kubectl is installed; otherwise the
 * kustomization's resources are read directly and the check says so), the objects have the
 * shape the issue asks for, and the RBAC grants cover every request the Kubernetes mode
 * actually makes against the fake API server — least privilege, proven sufficient.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped data; the assertions below check its shape. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import { createController } from '../../src/controller/controller.ts';
import { createKubeMode } from '../../src/kube/kube-mode.ts';
import { controllerLogic } from '../../src/serve/logic.ts';
import { releaseDocument } from '../contract/manifest-source.contract.ts';
import { startFakeApiServer, type RequestRecord } from './fake-api-server.ts';
import { applyYaml, eventually, policyDocument, silent } from './kube-fixture.ts';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

const deployDir = fileURLToPath(new URL('../../deploy/', import.meta.url));

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** `kubectl kustomize deploy/`, or — without kubectl — the listed resources as they are. */
function render(): { objects: Obj[]; how: string } {
  if (kubectlAvailable()) {
    const out = execFileSync('kubectl', ['kustomize', deployDir], { encoding: 'utf8', timeout: 60_000 });
    return { objects: parseAllDocuments(out).map((d) => d.toJSON() as Obj), how: 'kubectl kustomize' };
  }
  return { objects: readStructurally(), how: 'structural (kubectl not installed)' };
}

/** The kustomization's resources read directly, with its namespace applied. */
function readStructurally(): Obj[] {
  const kustomization = parse(readFileSync(`${deployDir}kustomization.yaml`, 'utf8')) as { resources: string[]; namespace: string };
  const objects = kustomization.resources.flatMap((file) => parseAllDocuments(readFileSync(`${deployDir}${file}`, 'utf8')).map((d) => d.toJSON() as Obj));
  for (const o of objects) if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) o.metadata.namespace = kustomization.namespace;
  return objects;
}

const { objects, how } = render();
const find = (kind: string, name?: string): Obj => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in the rendered deploy/`);
  return found;
};

describe(`deploy/ (${how})`, () => {
  it('has every object, namespaced in ringmaster', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'Deployment', 'Namespace', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'RoleBinding', 'Service', 'Service', 'ServiceAccount'].sort());
    for (const o of objects) if (!['Namespace', 'ClusterRole'].includes(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('ringmaster');
  });

  it('the structural reading (used without kubectl) names the same objects as the rendering', () => {
    const key = (o: Obj): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(readStructurally().map(key).sort()).toEqual(objects.map(key).sort());
  });

  it('runs 2 hardened replicas of serve --kube with probes on 4320', () => {
    const deployment = find('Deployment') as unknown as { spec: { replicas: number; template: { spec: any } } };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('ringmaster');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.args).toEqual(['serve', '--kube']);
    expect(container.ports).toEqual([{ name: 'opamp', containerPort: 4320, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'opamp' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'opamp' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    expect(container.env.find((e: { name: string }) => e.name === 'POD_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    expect(mounts.tmp).toBe('/tmp');
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    expect(volumes.tmp.emptyDir).toBeDefined();
    expect(volumes.packages.persistentVolumeClaim.claimName).toBe(find('PersistentVolumeClaim').metadata.name);
  });

  it('exposes OpAMP on 4320 and artifacts through their own Service, both selecting the pods', () => {
    const labels = (find('Deployment') as any).spec.template.metadata.labels;
    const opamp = find('Service', 'ringmaster-opamp') as any;
    const artifacts = find('Service', 'ringmaster-artifacts') as any;
    expect(opamp.spec.ports[0]).toMatchObject({ port: 4320, targetPort: 'opamp' });
    expect(artifacts.spec.ports[0].targetPort).toBe('opamp');
    for (const svc of [opamp, artifacts]) for (const [k, v] of Object.entries(svc.spec.selector)) expect(labels[k]).toBe(v);
  });

  it('grants no wildcard and never write access to the specs', () => {
    const rules = [...((find('ClusterRole') as any).rules as Rule[]), ...((find('Role') as any).rules as Rule[])];
    for (const rule of rules) {
      expect([...rule.verbs, ...rule.resources, ...rule.apiGroups]).not.toContain('*');
      if (rule.resources.includes('rolloutpolicies') || rule.resources.includes('packagereleases')) expect(rule.verbs.sort()).toEqual(['get', 'list', 'watch']);
    }
  });

  it('the RBAC rules allow every request the Kubernetes mode makes', async () => {
    const server = await startFakeApiServer();
    applyYaml(server, 'ringmaster', releaseDocument('release-a', '1.0.0'));
    applyYaml(server, 'ringmaster', policyDocument('otelcol-custom', 'release-a'));
    const mode = createKubeMode({
      kubeConfig: server.kubeConfig('ringmaster'), identity: 'ringmaster-0', logger: silent,
      election: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      onStartedLeading: () => undefined, onStoppedLeading: () => undefined,
      collectAggregate: () => ({ agents: 0, counts: {} }),
    });
    const controller = createController({ source: mode.source, statusWriter: mode.statusWriter, fleet: { agents: () => [], onChange: () => () => undefined }, offers: { setOffers: () => undefined }, logic: controllerLogic, clock: { now: () => Date.now() }, logger: silent, warmupMs: 0, onReconciled: (i) => mode.onReconciled(i) });
    try {
      await mode.start();
      await eventually(() => mode.leader.isLeader(), 'leading');
      await controller.start();
      await controller.reconcileNow();
      await mode.events.record([{ policy: 'otelcol-custom', reason: 'Paused', type: 'Normal', message: 'paused', at: Date.now() }]);
      await mode.events.record([{ policy: 'otelcol-custom', reason: 'Paused', type: 'Normal', message: 'paused', at: Date.now() }]);
      await mode.readAggregates();
      await eventually(() => server.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/status')), 'a status write');
    } finally {
      await controller.stop();
      await mode.close();
      await server.close();
    }
    const rules = [...((find('ClusterRole') as any).rules as Rule[]), ...((find('Role') as any).rules as Rule[])];
    const needed = new Set(server.requests.map(rbacOf));
    for (const need of needed) {
      const [group, resource, verb] = need.split(' ');
      expect(rules.some((r) => r.apiGroups.includes(group ?? '') && r.resources.includes(resource ?? '') && r.verbs.includes(verb ?? '')), need).toBe(true);
    }
    expect([...needed].sort()).toEqual(expect.arrayContaining(['coordination.k8s.io leases create', 'coordination.k8s.io leases delete', 'events.k8s.io events create', 'events.k8s.io events patch', 'ringmaster.dev rolloutpolicies watch', 'ringmaster.dev rolloutpolicies/status patch']));
  });
});

/** `<apiGroup> <resource[/sub]> <verb>` of one request, as RBAC sees it. */
function rbacOf(r: RequestRecord): string {
  const m = /^\/apis\/([^/]+)\/[^/]+(?:\/namespaces\/[^/]+)?\/([^/]+)(\/[^/]+)?(\/status)?$/.exec(r.path);
  if (!m) return `? ${r.path} ?`;
  const [, group, plural, name, sub] = m;
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = r.method === 'GET' ? (name ? 'get' : r.watch ? 'watch' : 'list') : verbs[r.method] ?? r.method;
  return `${group} ${plural}${sub ?? ''} ${verb}`;
}
