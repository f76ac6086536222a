import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { createSimulatedAgent } from '../../src/agent/simulated-agent.ts';
import { generateKeyPair, signPackage } from '../../src/artifacts/signing.ts';
import { createArtifactStore } from '../../src/artifacts/store.ts';
import type { PolicyStatus } from '../../src/manifests/types.ts';
import type { ServeConfig } from '../../src/serve/config.ts';
import { startKubeServer, type KubeRunningServer } from '../../src/serve/kube-server.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/fake-api-server.ts';
import { applyYaml, CR_RESOURCES } from '../kube/kube-fixture.ts';
import { waitFor } from './harness.ts';

const NS = 'fleet';
const PKG = 'otelcol-custom';
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

describe('serve --kube end to end (fake API server speaking the real protocol, real agents)', { timeout: 120_000 }, () => {
  it('reads the custom resources, rolls out ring by ring, writes .status; approval is a kubectl patch', async () => {
    const { root, api, keys } = await clusterWithReleases();

    const config: ServeConfig = {
      listen: { host: '127.0.0.1', port: 0 }, dataDir: join(root, 'data'), packagesDir: join(root, 'packages'),
      kube: { namespace: NS, allNamespaces: false, identity: 'ringmaster-0', leaseNamespace: NS },
      webhook: {}, agentTokens: [], adminTokens: [], downloadTokens: [], apiTokens: [], logLevel: 'silent', warmupMs: 300,
    };
    const server: KubeRunningServer = await startKubeServer(config, {
      logger: pino({ level: 'silent' }), kubeConfig: api.kubeConfig(NS), controller: { debounceMs: 20, minIntervalMs: 50, resyncMs: 5_000 },
    });
    cleanup.push(() => server.close());
    const agents: Agent[] = ['c1', 'a1', 'a2', 'a3'].map((name) => createSimulatedAgent({
      endpoint: `${server.url.replace(/^http/, 'ws')}/v1/opamp`, stateRoot: join(root, 'agents'), name, serviceName: PKG,
      labels: name === 'c1' ? { canary: 'true' } : {}, platform: { os: 'linux', arch: 'amd64' },
      trust: { publicKeyPems: [keys.publicKeyPem], requireSignature: true }, install: { delayMs: 20 },
    }));
    await Promise.all(agents.map((a) => a.start()));
    cleanup.push(() => Promise.all(agents.map((a) => a.stop())));
    await waitFor(() => server.opamp.agents().filter((a) => a.online).length === 4, 'agents connected');
    await waitFor(() => server.controller() !== undefined, 'leadership');
    applyYaml(api, NS, policy('2.0.0', []));

    const status = (): PolicyStatus | undefined => api.store.get(CR_RESOURCES.RolloutPolicy, NS, 'collectors').status as PolicyStatus | undefined;
    await waitFor(() => status()?.phase === 'WaitingApproval', 'the approval gate in .status');
    expect(status()?.rings.find((r) => r.name === 'canary')?.phase).toBe('Succeeded');
    expect(agents.map((a) => a.state().packages[PKG]?.version)).toEqual(['2.0.0', undefined, undefined, undefined]);
    const generation = api.store.get(CR_RESOURCES.RolloutPolicy, NS, 'collectors').metadata.generation;
    expect(status()?.observedGeneration).toBe(generation);

    // kubectl patch rolloutpolicy collectors --type merge -p '{"spec":{"approvals":["everyone"]}}'
    applyYaml(api, NS, policy('2.0.0', ['everyone']));
    await waitFor(() => status()?.phase === 'Succeeded', 'Succeeded in .status');
    expect(agents.map((a) => a.state().packages[PKG]?.version)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect(status()).toMatchObject({ installed: '4/4', stableRelease: `${PKG}-2.0.0` });
    // Rollout transitions became events.k8s.io/v1 Events, not one per agent.
    const events = api.requests.filter((r) => r.method === 'POST' && /events\.k8s\.io\/v1\/namespaces\/fleet\/events/.test(r.path));
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(20);
    // The operators' view shows what the leader decided.
    await waitFor(() => server.view.policies()[0]?.status?.phase === 'Succeeded', 'the view to show the written status');
    expect(server.leading()).toBe(true);
  });

  it('two replicas share the fleet: one leader writes status, the follower offers its own agents, gates count everyone', async () => {
    const { root, api, keys } = await clusterWithReleases();
    const replicas: KubeRunningServer[] = [];
    for (const identity of ['ringmaster-0', 'ringmaster-1']) {
      const server = await startKubeServer({
        listen: { host: '127.0.0.1', port: 0 }, dataDir: join(root, identity), packagesDir: join(root, 'packages'),
        kube: { namespace: NS, allNamespaces: false, identity, leaseNamespace: NS },
        webhook: {}, agentTokens: [], adminTokens: [], downloadTokens: [], apiTokens: [], logLevel: 'silent', warmupMs: 300,
      }, {
        logger: pino({ level: 'silent' }), kubeConfig: api.kubeConfig(NS), controller: { debounceMs: 20, minIntervalMs: 50, resyncMs: 2_000 },
        aggregateRefreshMs: 200, election: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 },
      });
      cleanup.push(() => server.close());
      replicas.push(server);
    }
    await waitFor(() => replicas.some((r) => r.leading()), 'a leader');
    // Three agents on each replica, as a load balancer would spread them.
    const agents = ['c1', 'a1', 'a2', 'c2', 'a3', 'a4'].map((name, i) => createSimulatedAgent({
      endpoint: `${replicas[i < 3 ? 0 : 1]!.url.replace(/^http/, 'ws')}/v1/opamp`, stateRoot: join(root, 'agents'), name, serviceName: PKG,
      labels: name.startsWith('c') ? { canary: 'true' } : {}, platform: { os: 'linux', arch: 'amd64' },
      trust: { publicKeyPems: [keys.publicKeyPem], requireSignature: true }, install: { delayMs: 20 },
    }));
    await Promise.all(agents.map((a) => a.start()));
    cleanup.push(() => Promise.all(agents.map((a) => a.stop())));
    await waitFor(() => replicas.every((r) => r.opamp.agents().filter((a) => a.online).length === 3), 'agents connected to both replicas');
    applyYaml(api, NS, policy('2.0.0', []));

    const status = (): PolicyStatus | undefined => api.store.get(CR_RESOURCES.RolloutPolicy, NS, 'collectors').status as PolicyStatus | undefined;
    await waitFor(() => status()?.phase === 'WaitingApproval', 'the approval gate');
    // The canary ring counted both canaries, one per replica, and both were upgraded.
    expect(status()?.rings.find((r) => r.name === 'canary')?.counts).toMatchObject({ targeted: 2, healthy: 2 });
    expect(agents.map((a) => a.state().packages[PKG]?.version)).toEqual(['2.0.0', undefined, undefined, '2.0.0', undefined, undefined]);
    applyYaml(api, NS, policy('2.0.0', ['everyone']));
    await waitFor(() => status()?.phase === 'Succeeded', 'Succeeded');
    expect(agents.map((a) => a.state().packages[PKG]?.version)).toEqual(Array(6).fill('2.0.0'));
    expect(status()).toMatchObject({ installed: '6/6' });
    expect(replicas.filter((r) => r.leading())).toHaveLength(1);
  });
});

/** A temp dir, a fake API server holding releases 1.0.0 and 2.0.0 with real signed files. */
async function clusterWithReleases(): Promise<{ root: string; api: FakeApiServer; keys: ReturnType<typeof generateKeyPair> }> {
  const root = await mkdtemp(join(tmpdir(), 'rm-kube-e2e-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const api = await startFakeApiServer();
  cleanup.push(() => api.close());
  const keys = generateKeyPair();
  const store = createArtifactStore({ root: join(root, 'packages') });
  for (const version of ['1.0.0', '2.0.0']) applyYaml(api, NS, await release(store, keys.privateKeyPem, version));
  return { root, api, keys };
}

async function release(store: ReturnType<typeof createArtifactStore>, privateKeyPem: string, version: string): Promise<string> {
  const put = await store.put(Readable.from([Buffer.from(`collector ${version}\n`)]), { package: PKG, version, os: 'linux', arch: 'amd64', fileName: PKG, type: 'TopLevel' });
  const signature = signPackage(privateKeyPem, { package: PKG, version, os: 'linux', arch: 'amd64', sha256: put.sha256 });
  return stringify({
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'PackageRelease', metadata: { name: `${PKG}-${version}` },
    spec: { package: PKG, type: 'TopLevel', version, artifacts: [{ os: 'linux', arch: 'amd64', url: put.path, sha256: put.sha256, signature }] },
  });
}

function policy(version: string, approvals: string[]): string {
  return stringify({
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'RolloutPolicy', metadata: { name: 'collectors' },
    spec: {
      release: `${PKG}-${version}`, selector: { matchLabels: { 'service.name': PKG } }, approvals,
      rings: [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, maxFailures: 0 }, { name: 'everyone', requireApproval: true }],
      strategy: { maxConcurrent: '100%', healthyFor: '1s', installTimeout: '1m' },
    },
  });
}
