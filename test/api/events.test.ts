import { afterEach, describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/api/event-log.ts';
import type { AgentBatch } from '../../src/api/event-stream.ts';
import { createApiHandler } from '../../src/api/handler.ts';
import type { OperatorEvent, OperatorView } from '../../src/api/view.ts';
import { createPlannedFleet } from './planned-fleet.ts';
import { readSse, serveOnLoopback, type SseFrame } from './http-harness.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function logView(capacity = 5000) {
  const log = createEventLog({ capacity });
  const view: OperatorView = { policies: () => [], agents: () => [], onEvent: log.onEvent, recentEvents: log.recentEvents };
  return { log, view };
}

async function open(url: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(`${url}/api/v1/events`, { headers, signal: ac.signal });
  const sse = res.body ? readSse(res.body) : undefined;
  cleanups.push(() => ac.abort());
  return { res, sse: sse! };
}

const data = <T>(f: SseFrame): T => JSON.parse(f.data ?? 'null') as T;
const agentEvent = (i: number, reason = 'installed'): Omit<OperatorEvent, 'id'> => ({
  at: 1000 + i, kind: 'agent', policy: 'p', ring: 'r', agent: `a${i}`, reason, message: `agent a${i} → ${reason}`, type: 'Normal',
});

describe('GET /api/v1/events (Server-Sent Events)', () => {
  it('coalesces a burst of 10,000 agent changes into a few batches with counts', async () => {
    const { log, view } = logView(20_000);
    const srv = await serveOnLoopback([createApiHandler({ view })]);
    cleanups.push(srv.close);
    const { res, sse } = await open(srv.url);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    for (let i = 0; i < 10_000; i++) log.append(agentEvent(i, i % 100 === 0 ? 'failed' : 'installed'));
    const sum = (fs: SseFrame[]) => fs.filter((f) => f.event === 'agents').reduce((n, f) => n + data<AgentBatch>(f).count, 0);
    const frames = await sse.waitFor((fs) => sum(fs) >= 10_000);
    const batches = frames.filter((f) => f.event === 'agents').map((f) => data<AgentBatch>(f));
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.reduce((n, b) => n + (b.byState.failed ?? 0), 0)).toBe(100);
    expect(batches[0]?.sample).toHaveLength(20);
    expect(batches[batches.length - 1]?.lastId).toBe(10_000);
    expect(frames[frames.length - 1]?.id).toBe('10000');
  });

  it('flushes pending agent changes before a rollout event so ids only increase', async () => {
    const { log, view } = logView();
    const srv = await serveOnLoopback([createApiHandler({ view, events: { coalesceMs: 60_000 } })]);
    cleanups.push(srv.close);
    const { sse } = await open(srv.url);
    log.append(agentEvent(1));
    log.append(agentEvent(2));
    log.append({ at: 5, kind: 'rollout', policy: 'p', ring: 'r', reason: 'RingSucceeded', message: 'ring r succeeded', type: 'Normal' });
    const frames = await sse.waitFor((fs) => fs.some((f) => f.event === 'rollout'));
    const events = frames.filter((f) => f.event);
    expect(events.map((f) => [f.event, f.id])).toEqual([['agents', '2'], ['rollout', '3']]);
    expect(data<OperatorEvent>(events[1]!)).toMatchObject({ id: 3, reason: 'RingSucceeded', policy: 'p' });
  });

  it('replays what a client missed after Last-Event-ID, and says reset when that is no longer buffered', async () => {
    const { log, view } = logView(10);
    const srv = await serveOnLoopback([createApiHandler({ view })]);
    cleanups.push(srv.close);
    for (let i = 1; i <= 8; i++) log.append(i % 4 === 0 ? { at: i, kind: 'rollout', reason: 'RingStarted', message: `m${i}`, type: 'Normal' } : agentEvent(i));
    const resumed = await open(srv.url, { 'last-event-id': '5' });
    const frames = await resumed.sse.waitFor((fs) => fs.filter((f) => f.event).length >= 2);
    expect(frames.filter((f) => f.event).map((f) => [f.event, f.id])).toEqual([['agents', '7'], ['rollout', '8']]);
    expect(data<AgentBatch>(frames.find((f) => f.event === 'agents')!).count).toBe(2);

    for (let i = 9; i <= 40; i++) log.append(agentEvent(i));
    const tooOld = await open(srv.url, { 'last-event-id': '3' });
    const reset = await tooOld.sse.waitFor((fs) => fs.some((f) => f.event === 'reset'));
    expect(data<{ reason: string }>(reset.find((f) => f.event === 'reset')!).reason).toBe('missed events are no longer buffered');
    const restarted = await open(srv.url, { 'last-event-id': '999' });
    const r2 = await restarted.sse.waitFor((fs) => fs.some((f) => f.event === 'reset'));
    expect(data<{ reason: string }>(r2.find((f) => f.event === 'reset')!).reason).toBe('server restarted');
  });

  it('sends heartbeats, tells the retry delay, and caps concurrent streams', async () => {
    const { view } = logView();
    const srv = await serveOnLoopback([createApiHandler({ view, maxStreams: 1, events: { heartbeatMs: 50, retryMs: 1234 } })]);
    cleanups.push(srv.close);
    const first = await open(srv.url);
    const frames = await first.sse.waitFor((fs) => fs.some((f) => f.comment === 'heartbeat'));
    expect(frames[0]).toEqual({});
    const second = await fetch(`${srv.url}/api/v1/events`);
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('E_TOO_MANY_STREAMS');
    await first.sse.cancel();
    // The slot frees once the server sees the client go.
    await expect.poll(async () => {
      const again = await fetch(`${srv.url}/api/v1/events`);
      await again.body?.cancel();
      return again.status;
    }, { timeout: 10_000, interval: 100 }).toBe(200);
  });

  it('streams a simulated rollout: rollout transitions and agent progress', async () => {
    const sim = createPlannedFleet({ size: 40 });
    const srv = await serveOnLoopback([createApiHandler({ view: sim.view, events: { coalesceMs: 20 } })]);
    cleanups.push(srv.close);
    const { sse } = await open(srv.url);
    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Succeeded');
    const frames = await sse.waitFor((fs) => fs.some((f) => f.event === 'rollout' && data<OperatorEvent>(f).reason === 'RingSucceeded'));
    const ids = frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const healthy = frames.filter((f) => f.event === 'agents').reduce((n, f) => n + (data<AgentBatch>(f).byState.healthy ?? 0), 0);
    expect(healthy).toBeGreaterThanOrEqual(5);
  });
});
