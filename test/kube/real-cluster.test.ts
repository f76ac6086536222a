/**
 * What only a real API server can judge (skipped unless TEST_ASSET_KUBE_APISERVER and
 * TEST_ASSET_ETCD are set; scripts/kube-test-assets.sh): the example manifests pass the
 * CRDs' schemas, Lease and Event writes pass the API's validation (MicroTime, events.k8s.io/v1
 * rules, series updates), and replica Leases round-trip.
 */
import { readdir, readFile } from 'node:fs/promises';
import { CoreV1Api, CoordinationV1Api, CustomObjectsApi, EventsV1Api, loadAllYaml, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController } from '../../src/controller/controller.ts';
import { createEventRecorder } from '../../src/kube/event-recorder.ts';
import { createKubeMode } from '../../src/kube/kube-mode.ts';
import { createLeaderElector } from '../../src/kube/leader-election.ts';
import { createAggregateReader, createReplicaPublisher } from '../../src/kube/replica-leases.ts';
import { loadManifests } from '../../src/manifests/load.ts';
import { controllerLogic } from '../../src/serve/logic.ts';
import { createKubeManifestSource } from '../../src/sources/kube/kube-source.ts';
import { silent } from './kube-fixture.ts';
import { realAssets, SERVICE_ACCOUNT_TOKEN, startRealApiServer, stopRealApiServers, type RealApiServer } from './real-api-server.ts';

/** `kubectl apply` of examples/fleet-repo/{releases,policies} into namespace ringmaster. */
async function applyExamples(real: RealApiServer): Promise<void> {
  const api = real.kubeConfig().makeApiClient(CustomObjectsApi);
  for (const folder of ['releases', 'policies']) {
    const dir = new URL(`../../examples/fleet-repo/${folder}/`, import.meta.url);
    for (const file of await readdir(dir)) {
      for (const doc of parseAllDocuments(await readFile(new URL(file, dir), 'utf8'))) {
        const body = doc.toJSON() as { kind: string };
        await api.createNamespacedCustomObject({ group: 'ringmaster.dev', version: 'v1alpha1', namespace: 'ringmaster', plural: body.kind === 'RolloutPolicy' ? 'rolloutpolicies' : 'packagereleases', body });
      }
    }
  }
}

/** Applies deploy/rbac.yaml as written (namespace ringmaster, as kustomize would set it). */
async function applyRbac(real: RealApiServer): Promise<void> {
  const api = real.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const objects = loadAllYaml(await readFile(new URL('../../deploy/rbac.yaml', import.meta.url), 'utf8')) as Array<KubernetesObject & Record<string, unknown>>;
  for (const body of objects) {
    const namespace = 'ringmaster';
    if (body.kind === 'ClusterRole') await api.createClusterRole({ body: body as never });
    else if (body.kind === 'Role') await api.createNamespacedRole({ namespace, body: body as never });
    else if (body.kind === 'RoleBinding') await api.createNamespacedRoleBinding({ namespace, body: body as never });
    else throw new Error(`unexpected ${body.kind} in deploy/rbac.yaml`);
  }
}

describe.skipIf(!realAssets())('real kube-apiserver', () => {
  let real: RealApiServer;
  beforeAll(async () => {
    real = await startRealApiServer();
    await real.kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ringmaster' } } });
    await applyExamples(real);
  }, 120_000);
  afterAll(() => stopRealApiServers());

  it('accepts the example fleet (kubectl apply) and the source loads it without errors', async () => {
    const source = createKubeManifestSource({ kubeConfig: real.kubeConfig('ringmaster'), scope: { namespace: 'ringmaster' }, logger: silent });
    await source.start();
    try {
      const loaded = loadManifests(source.current()?.files ?? []);
      expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(loaded.policies.length).toBe(2);
      expect(loaded.releases.length).toBe(4);
    } finally {
      await source.stop();
    }
  });

  it('leader election writes Leases the API accepts, and releases them', async () => {
    let leading = false;
    const elector = createLeaderElector({ kubeConfig: real.kubeConfig(), namespace: 'ringmaster', identity: 'replica-a', logger: silent, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300, onStartedLeading: () => (leading = true), onStoppedLeading: () => (leading = false) });
    elector.start();
    const deadline = Date.now() + 20_000;
    while (!leading && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leading).toBe(true);
    const api = real.kubeConfig().makeApiClient(CoordinationV1Api);
    expect((await api.readNamespacedLease({ name: 'ringmaster-leader', namespace: 'ringmaster' })).spec?.holderIdentity).toBe('replica-a');
    await elector.stop();
    expect((await api.readNamespacedLease({ name: 'ringmaster-leader', namespace: 'ringmaster' })).spec?.holderIdentity ?? '').toBe('');
  });

  it('events.k8s.io/v1 Events and their series pass the API validation', async () => {
    const recorder = createEventRecorder({ kubeConfig: real.kubeConfig(), identity: 'ringmaster-0', logger: silent, locate: (name) => ({ namespace: 'ringmaster', name, uid: '00000000-0000-4000-8000-000000000001', generation: 1 }) });
    const at = Date.now();
    await recorder.record([0, 1, 2].map((i) => ({ policy: 'otelcol-custom', ring: 'canary', reason: 'RingFailed' as const, type: 'Warning' as const, message: 'ring canary failed', at: at + i * 1000 })));
    const events = await real.kubeConfig().makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: 'ringmaster' });
    const ours = events.items.filter((e) => e.reportingController === 'ringmaster.dev/controller' && e.reason === 'RingFailed');
    expect(ours).toHaveLength(1);
    expect(ours[0]?.series?.count).toBe(3);
  });

  it('deploy/rbac.yaml lets the ServiceAccount do everything the Kubernetes mode does, and not more', async () => {
    await applyRbac(real);
    const sa = (ns?: string) => real.kubeConfig(ns ?? 'ringmaster', SERVICE_ACCOUNT_TOKEN);
    const problems: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void problems.push(line) });
    const mode = createKubeMode({
      kubeConfig: sa(), identity: 'ringmaster-sa', logger,
      election: { leaseName: 'rbac-leader', leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      onStartedLeading: () => undefined, onStoppedLeading: () => undefined,
      collectAggregate: () => ({ agents: 0, counts: {} }),
    });
    const controller = createController({ source: mode.source, statusWriter: mode.statusWriter, fleet: { agents: () => [], onChange: () => () => undefined }, offers: { setOffers: () => undefined }, logic: controllerLogic, clock: { now: () => Date.now() }, logger, warmupMs: 0, onReconciled: (i) => mode.onReconciled(i) });
    try {
      await mode.start();
      const deadline = Date.now() + 20_000;
      while (!mode.leader.isLeader() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(mode.leader.isLeader()).toBe(true);
      await controller.start();
      await controller.reconcileNow();
      await mode.events.record([{ policy: 'otelcol-custom', reason: 'Paused', type: 'Normal', message: 'paused', at: Date.now() }]);
      await mode.events.record([{ policy: 'otelcol-custom', reason: 'Paused', type: 'Normal', message: 'paused', at: Date.now() + 1 }]);
      await mode.readAggregates();
    } finally {
      await controller.stop();
      await mode.close();
    }
    expect(problems).toEqual([]);
    const policy = (await real.kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'ringmaster.dev', version: 'v1alpha1', namespace: 'ringmaster', plural: 'rolloutpolicies', name: 'otelcol-custom' })) as { status?: { observedGeneration?: number } };
    expect(policy.status?.observedGeneration).toBe(1);
    // Least privilege: the specs stay read-only to the controller, and other namespaces are out of reach.
    const asSa = sa().makeApiClient(CustomObjectsApi);
    await expect(asSa.patchNamespacedCustomObject({ group: 'ringmaster.dev', version: 'v1alpha1', namespace: 'ringmaster', plural: 'rolloutpolicies', name: 'otelcol-custom', body: { spec: { paused: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))).rejects.toMatchObject({ code: 403 });
    await expect(asSa.listNamespacedCustomObject({ group: 'ringmaster.dev', version: 'v1alpha1', namespace: 'default', plural: 'rolloutpolicies' })).rejects.toMatchObject({ code: 403 });
  });

  it('replica Leases publish and read back', async () => {
    const publisher = createReplicaPublisher({ kubeConfig: real.kubeConfig(), namespace: 'ringmaster', identity: 'ringmaster-0', logger: silent, collect: () => ({ agents: 3, counts: {} }) });
    await publisher.publishNow();
    await publisher.publishNow();
    const reader = createAggregateReader({ kubeConfig: real.kubeConfig(), namespace: 'ringmaster', logger: silent });
    expect((await reader.read()).live.map((a) => [a.replica, a.agents])).toEqual([['ringmaster-0', 3]]);
    await publisher.stop();
    expect((await reader.read()).live).toEqual([]);
  });
});
