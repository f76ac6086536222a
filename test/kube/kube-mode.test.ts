/**
 * Two replicas wired the way `serve --kube` should wire them with today's controller: a
 * controller runs only for a leadership term (created on onStartedLeading, so it re-reads
 * every status from the API, and stopped on onStoppedLeading).
 */
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
  controller(): Controller | undefined;
  /** Resolves once leadership transitions seen so far have been acted on. */
  settled(): Promise<void>;
  offers: AgentOffer[][];
}

describe('kube mode: two replicas, one leader', () => {
  let server: FakeApiServer | undefined;
  const replicas: Replica[] = [];
  afterEach(async () => {
    for (const r of replicas.splice(0)) {
      await r.mode.close();
      await r.settled();
    }
    await server?.close();
    server = undefined;
  });

  function replica(s: FakeApiServer, identity: string): Replica {
    const fleet: FleetView = { agents: () => AGENTS, onChange: () => () => undefined };
    const offers: AgentOffer[][] = [];
    const sink: OfferSink = { setOffers: (o) => void offers.push([...o]) };
    let controller: Controller | undefined;
    let term: Promise<void> = Promise.resolve();
    const make = (): Controller => createController({ source: mode.source, statusWriter: mode.statusWriter, fleet, offers: sink, logic: controllerLogic, clock: { now: () => Date.now() }, logger: silent, warmupMs: 0, onReconciled: (info) => mode.onReconciled(info) });
    const mode: KubeMode = createKubeMode({
      kubeConfig: s.kubeConfig('rings'), identity, logger: silent,
      election: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
      onStartedLeading: () => void (term = term.then(async () => {
        controller = make();
        await controller.start();
      })),
      onStoppedLeading: () => void (term = term.then(async () => {
        await controller?.stop();
        controller = undefined;
      })),
    });
    const r: Replica = { mode, controller: () => controller, settled: () => term, offers };
    replicas.push(r);
    return r;
  }

  it('only the leader plans and writes; the next leader resumes from the stored status without rewriting it', async () => {
    server = await startFakeApiServer();
    const s = server;
    applyYaml(s, 'rings', releaseDocument('release-a', '1.0.0'));
    applyYaml(s, 'rings', policyDocument('otelcol-custom', 'release-a'));
    const [a, b] = [replica(s, 'replica-a'), replica(s, 'replica-b')];
    await a.mode.start();
    await b.mode.start();
    const status = () => s.store.get(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom').status as Record<string, unknown> | undefined;
    const patches = (): number => s.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;

    const leader = await eventually(() => [a, b].find((r) => r.controller() !== undefined), 'a leader with a controller');
    const follower = leader === a ? b : a;
    await leader.settled();
    await eventually(() => status()?.phase, 'the leader wrote status');
    expect(status()?.observedGeneration).toBe(1);
    expect(follower.controller()).toBeUndefined();
    expect(follower.offers).toEqual([]);
    expect(leader.offers.length).toBeGreaterThan(0);
    await eventually(() => Object.keys(follower.mode.leaderStatuses()).length === 1, 'the follower sees the leader status');
    await leader.mode.events.flush();
    expect(s.store.list('events.k8s.io/v1/events', 'rings').length).toBeGreaterThan(0);

    // kubectl patch: a new generation, recorded in observedGeneration.
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom', { spec: { paused: true } });
    await eventually(async () => (await leader.controller()?.reconcileNow(), status()?.observedGeneration === 2), 'observedGeneration 2');
    const before = { patches: patches(), status: structuredClone(status()), offers: leader.offers.at(-1) };

    await leader.mode.close();
    await leader.settled();
    replicas.splice(replicas.indexOf(leader), 1);
    await eventually(() => follower.controller(), 'the follower leads with a fresh controller');
    await follower.settled();
    await follower.controller()?.reconcileNow();
    // Same inputs, same plan: the new leader finds the stored status current and writes nothing.
    expect(patches()).toBe(before.patches);
    expect(status()).toEqual(before.status);
    // …and hands every agent the very set the old leader did: nothing is offered again.
    expect(before.offers?.length).toBeGreaterThan(0);
    expect(follower.offers[0]).toEqual(before.offers);
    expect(follower.offers.every((o) => JSON.stringify(o) === JSON.stringify(before.offers))).toBe(true);
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'otelcol-custom', { spec: { paused: false } });
    await eventually(async () => (await follower.controller()?.reconcileNow(), status()?.observedGeneration === 3), 'the new leader writes');
  });
});
