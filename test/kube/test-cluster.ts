/**
 * The API server the shared suites run against: always the fake (test/kube/fake-api-server.ts),
 * and also a real kube-apiserver + etcd when TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD
 * point at binaries (scripts/kube-test-assets.sh). Tests talk to either through this interface,
 * every change going through the HTTP API, and each harness uses its own namespace.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { startFakeApiServer } from './fake-api-server.ts';
import { realAssets, startRealApiServer, stopRealApiServers } from './real-api-server.ts';

export interface TestCluster {
  readonly name: string;
  kubeConfig(namespace?: string): KubeConfig;
  /** A fresh namespace for one test. */
  namespace(): Promise<string>;
  /** `kubectl apply` of one YAML document: create, or replace spec and labels. */
  apply(namespace: string, document: string): Promise<void>;
  /** Deletes a custom resource by name from whichever kind holds it. */
  remove(namespace: string, name: string): Promise<void>;
  /** A status write by someone else (merge patch on a RolloutPolicy's `/status`). */
  patchPolicyStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  /** `kubectl annotate`: a metadata-only change (no new generation). */
  annotate(namespace: string, plural: 'packagereleases' | 'rolloutpolicies', name: string, annotations: Record<string, string>): Promise<void>;
  /** A number that changes whenever any RolloutPolicy in the namespace is written. */
  policyVersion(namespace: string): Promise<string>;
  close(): Promise<void>;
}

const GROUP = { group: 'ringmaster.dev', version: 'v1alpha1' };
const PLURALS: Record<string, 'packagereleases' | 'rolloutpolicies'> = { PackageRelease: 'packagereleases', RolloutPolicy: 'rolloutpolicies' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function overApi(name: string, kubeConfig: (namespace?: string) => KubeConfig, close: () => Promise<void>, makeNamespace: (ns: string) => Promise<void>): TestCluster {
  const api = kubeConfig().makeApiClient(CustomObjectsApi);
  return {
    name,
    kubeConfig,
    async namespace() {
      const ns = `t-${randomBytes(4).toString('hex')}`;
      await makeNamespace(ns);
      return ns;
    },
    async apply(namespace, document) {
      const object = parse(document) as { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: unknown };
      const plural = PLURALS[object.kind] ?? 'packagereleases';
      const id = { ...GROUP, namespace, plural, name: object.metadata.name };
      try {
        const current = (await api.getNamespacedCustomObject(id)) as { metadata: Record<string, unknown> };
        await api.replaceNamespacedCustomObject({ ...id, body: { ...current, spec: object.spec, metadata: { ...current.metadata, labels: object.metadata.labels } } });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        await api.createNamespacedCustomObject({ ...GROUP, namespace, plural, body: object });
      }
    },
    async remove(namespace, name) {
      for (const plural of Object.values(PLURALS)) {
        try {
          await api.deleteNamespacedCustomObject({ ...GROUP, namespace, plural, name });
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
    },
    async patchPolicyStatus(namespace, name, status) {
      await api.patchNamespacedCustomObjectStatus({ ...GROUP, namespace, plural: 'rolloutpolicies', name, body: { status } }, mergePatch);
    },
    async annotate(namespace, plural, name, annotations) {
      await api.patchNamespacedCustomObject({ ...GROUP, namespace, plural, name, body: { metadata: { annotations } } }, mergePatch);
    },
    async policyVersion(namespace) {
      const list = (await api.listNamespacedCustomObject({ ...GROUP, namespace, plural: 'rolloutpolicies' })) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> };
      return list.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort().join(',');
    },
    close,
  };
}

async function fakeCluster(): Promise<TestCluster> {
  const server = await startFakeApiServer();
  return overApi('fake API server', (ns) => server.kubeConfig(ns), () => server.close(), async () => undefined);
}

let shared: Promise<TestCluster> | undefined;

/** One real API server per test file (it takes seconds to start); tests use namespaces. */
async function realCluster(): Promise<TestCluster> {
  shared ??= startRealApiServer().then((real) => overApi('real kube-apiserver', (ns) => real.kubeConfig(ns), async () => undefined, async (ns) => {
    await real.kubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  }));
  return shared;
}

/** Stops the real API server of this test file, if one was started (call in afterAll). */
export async function closeSharedClusters(): Promise<void> {
  shared = undefined;
  // Also after a failed start: the processes launched so far must not outlive the tests.
  await stopRealApiServers();
}

/** The clusters to run a shared suite against: the fake always, a real one when configured. */
export function testClusters(): Array<{ name: string; start: () => Promise<TestCluster> }> {
  const list = [{ name: 'fake API server', start: fakeCluster }];
  if (realAssets()) list.push({ name: 'real kube-apiserver', start: realCluster });
  return list;
}
