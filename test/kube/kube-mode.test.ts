import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/controller/controller.ts';
import type { FleetView, OfferSink } from '../../src/controller/ports.ts';
import { createKubeMode, type KubeMode } from '../../src/kube/kube-mode.ts';
import type { AgentObservation, AgentOffer } from '../../src/rollout/types.ts';
import { controllerLogic } from '../../src/serve/logic.ts';
import { releaseDocument } from '../contract/manifest-source.contract.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { applyYaml, CR_RESOURCES, eventually, policyDocument, silent } from './kube-fixture.ts';

const AGENTS: AgentObservation[] = Array.from({ length: 20 }, (_, i) => ({
  uid: `0190a6f2-0000-7000-8000-${String(i).padStart(12, '0')}`,
  attributes: { 'service.name': 'otelcol-custom', 'host.name': `host-${i}` },
  acceptsPackages: true,
  platform: { os: 'linux', arch: 'amd64' },
  online: true,
  lastSeen: Date.now(),
  packages: {},
}));

interface Replica {
  mode: KubeMode;
  controller: Controller;
  offers: AgentOffer[][];
}

describe('kube mode: two replicas, one leader', () => {
  let server: FakeApiServer | undefined;
  const replicas: Replica[] = [];
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      await r.controller.stop();
      await r.mode.close();
    }
    await server?.close();
    server = undefined;
  });

  function replica(s: FakeApiServer, identity: string): Replica {
    const fleet: FleetView = { agents: () => AGENTS, onChange: () => () => undefined };
    const offers: AgentOffer[][] = [];
    const sink: OfferSink = { setOffers: (o) => void offers.push([...o]) };
    const mode = createKubeMode({
      kubeConfig: s.kubeConfig('rings'), identity, logger: silent,
      election: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      // The controller exists before start() can elect anyone.
      onStartedLeading: () => void controller.reconcileNow(),
      onStoppedLeading: () => undefined,
    });
    const controller: Controller = createController({ source: mode.source, statusWriter: mode.statusWriter, fleet, offers: sink, logic: controllerLogic, clock: { now: () => Date.now() }, logger: silent, onReconciled: (info) => mode.onReconciled(info) });
    const r = { mode, controller, offers };
    replicas.push(r);
    return r;
  }

  it('only the leader writes status and events; after it leaves the other leads and writes', async () => {
    server = await startFakeApiServer();
    applyYaml(server, 'rings', releaseDocument('release-a', '1.0.0'));
    applyYaml(server, 'rings', policyDocument('otelcol-custom', 'release-a'));
    const [a, b] = [replica(server, 'replica-a'), replica(server, 'replica-b')];
    for (const r of [a, b]) {
      await r.mode.start();
      await r.controller.start();
    }
    const s = server;
    const status = () => s.store.get(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom').status as Record<string, unknown> | undefined;
    await eventually(() => a.mode.leader.isLeader() || b.mode.leader.isLeader(), 'a leader');
    const [leader, follower] = a.mode.leader.isLeader() ? [a, b] : [b, a];
    await leader.controller.reconcileNow();
    await eventually(() => status()?.phase, 'the leader wrote status');
    expect(status()?.observedGeneration).toBe(1);
    const patches = (): number => s.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;
    const before = patches();
    await follower.controller.reconcileNow();
    await follower.controller.reconcileNow();
    expect(patches()).toBe(before);
    expect(follower.controller.state.lastPlan).toBeDefined();
    // Every replica plans offers for its agents; the leader's status is visible to followers.
    expect(follower.offers.length).toBeGreaterThan(0);
    await eventually(() => Object.keys(follower.mode.leaderStatuses()).length === 1, 'the follower sees the leader status');
    await leader.mode.events.flush();
    expect(s.store.list('events.k8s.io/v1/events', 'rings').length).toBeGreaterThan(0);

    // A spec edit through "kubectl patch": the follower ignores it for writes, the leader records the new generation.
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom', { spec: { paused: true } });
    await eventually(async () => (await leader.controller.reconcileNow(), status()?.observedGeneration === 2), 'observedGeneration 2');

    await leader.controller.stop();
    await leader.mode.close();
    replicas.splice(replicas.indexOf(leader), 1);
    await eventually(() => follower.mode.leader.isLeader(), 'the follower takes over');
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom', { spec: { paused: false } });
    await eventually(async () => (await follower.controller.reconcileNow(), status()?.observedGeneration === 3), 'the new leader writes');
  });
});
