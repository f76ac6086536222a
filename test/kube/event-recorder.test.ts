import { afterEach, describe, expect, it } from 'vitest';
import { createEventRecorder, REPORTING_CONTROLLER } from '../../src/kube/event-recorder.ts';
import type { RolloutEvent } from '../../src/rollout/types.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { silent } from './kube-fixture.ts';

const EVENTS = 'events.k8s.io/v1/events';
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const T0 = Date.parse('2026-11-21T09:00:00Z');

function event(reason: RolloutEvent['reason'], at: number, ring = 'canary', policy = 'otelcol-custom'): RolloutEvent {
  return { policy, ring, reason, type: reason === 'RingFailed' ? 'Warning' : 'Normal', message: `ring ${ring}: ${reason}`, at };
}

describe('event recorder', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function recorder(now: { t: number }) {
    server = await startFakeApiServer();
    const s = server;
    return createEventRecorder({
      kubeConfig: s.kubeConfig('rings'),
      locate: (name) => (name === 'otelcol-custom' ? { namespace: 'rings', name, uid: 'uid-1', generation: 3 } : undefined),
      identity: 'ringmaster-0',
      logger: silent,
      clock: { now: () => now.t },
    });
  }

  it('creates one events.k8s.io/v1 Event per transition, regarding the policy', async () => {
    const rec = await recorder({ t: T0 });
    await rec.record([event('RingStarted', T0), event('RingFailed', T0 + 1, 'early')]);
    const events = server!.store.list(EVENTS, 'rings') as Array<Record<string, unknown>>;
    expect(events).toHaveLength(2);
    const started = events.find((e) => e.reason === 'RingStarted');
    expect(started).toMatchObject({
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: 'ringmaster-0',
      action: 'Ring/canary',
      type: 'Normal',
      note: 'ring canary: RingStarted',
      regarding: { apiVersion: 'ringmaster.dev/v1alpha1', kind: 'RolloutPolicy', name: 'otelcol-custom', namespace: 'rings', uid: 'uid-1' },
    });
    expect(started?.eventTime).toMatch(MICRO);
    expect(events.find((e) => e.reason === 'RingFailed')?.type).toBe('Warning');
  });

  it('aggregates repeats into a series instead of new Events (never one per agent)', async () => {
    const now = { t: T0 };
    const rec = await recorder(now);
    await rec.record(Array.from({ length: 40 }, (_, i) => event('RingFailed', T0 + i * 1000)));
    const events = server!.store.list(EVENTS, 'rings') as Array<Record<string, unknown> & { series?: Record<string, unknown> }>;
    expect(events).toHaveLength(1);
    expect(events[0]?.series?.count).toBe(40);
    expect(events[0]?.series?.lastObservedTime).toBe('2026-11-21T09:00:39.000000Z');
    expect(server!.requests.filter((r) => r.method === 'PATCH').every((r) => r.contentType === 'application/merge-patch+json')).toBe(true);
  });

  it('starts a new Event after the series window, or when the old one expired', async () => {
    const now = { t: T0 };
    const rec = await recorder(now);
    await rec.record([event('Paused', T0)]);
    now.t = T0 + 7 * 60_000;
    await rec.record([event('Paused', now.t)]);
    expect(server!.store.list(EVENTS, 'rings')).toHaveLength(2);
    for (const e of server!.store.list(EVENTS, 'rings')) server!.store.delete(EVENTS, 'rings', String(e.metadata.name));
    await rec.record([event('Paused', now.t + 1000)]);
    expect(server!.store.list(EVENTS, 'rings')).toHaveLength(1);
  });

  it('skips unknown policies and survives API failures (logged, not thrown)', async () => {
    const rec = await recorder({ t: T0 });
    server!.failNext('POST', /events$/, 500);
    await rec.record([event('RingStarted', T0), event('RingStarted', T0, 'canary', 'unknown-policy')]);
    expect(server!.store.list(EVENTS, 'rings')).toHaveLength(0);
    rec.onReconciled({ events: [event('RingSucceeded', T0 + 5)] });
    await rec.flush();
    expect(server!.store.list(EVENTS, 'rings').map((e) => e.reason)).toEqual(['RingSucceeded']);
  });
});
