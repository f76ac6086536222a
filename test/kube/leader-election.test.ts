import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeaderElector, type LeaderElector } from '../../src/kube/leader-election.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { eventually, silent } from './kube-fixture.ts';

const LEASES = 'coordination.k8s.io/v1/leases';
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 };
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('leader election', () => {
  let server: FakeApiServer | undefined;
  const electors: LeaderElector[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop();
    for (const c of children.splice(0)) c.kill('SIGKILL');
    await server?.close();
    server = undefined;
  });

  function elector(s: FakeApiServer, identity: string, log: string[]): LeaderElector {
    const e = createLeaderElector({
      kubeConfig: s.kubeConfig('ringmaster'), namespace: 'ringmaster', identity, logger: silent, ...TIMING,
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
    });
    electors.push(e);
    e.start();
    return e;
  }

  const lease = (s: FakeApiServer) => s.store.get(LEASES, 'ringmaster', 'ringmaster-leader') as { spec: Record<string, unknown>; metadata: Record<string, unknown> };

  it('exactly one of two candidates leads, and the lease carries MicroTime stamps', async () => {
    server = await startFakeApiServer();
    const log: string[] = [];
    const a = elector(server, 'replica-a', log);
    const b = elector(server, 'replica-b', log);
    await eventually(() => a.isLeader() || b.isLeader(), 'a leader');
    // Watch for a while (several renew periods): never two leaders, never a change.
    const first = a.isLeader() ? 'replica-a' : 'replica-b';
    for (let i = 0; i < 10; i += 1) {
      expect(Number(a.isLeader()) + Number(b.isLeader())).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(log).toEqual([`${first} started`]);
    const { spec } = lease(server);
    expect(spec.holderIdentity).toBe(first);
    expect(spec.renewTime).toMatch(MICRO);
    expect(spec.acquireTime).toMatch(MICRO);
    expect(a.leader()).toBe(first);
    expect(b.leader()).toBe(first);
  });

  it('stop() releases the lease (empty holder) and the other takes over without waiting for expiry', async () => {
    server = await startFakeApiServer();
    const log: string[] = [];
    const a = elector(server, 'replica-a', log);
    await eventually(() => a.isLeader(), 'a leads');
    const b = elector(server, 'replica-b', log);
    await eventually(() => b.leader() === 'replica-a', 'b observed a');
    await a.stop();
    expect(log).toEqual(['replica-a started', 'replica-a stopped']);
    const stoppedAt = Date.now();
    await eventually(() => b.isLeader(), 'b takes over');
    expect(lease(server).spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    // A released lease is free at once: no need to wait out the 3 s duration.
    expect(Date.now() - stoppedAt).toBeLessThan(TIMING.leaseDurationMs);
  });

  it('a leader that cannot renew for renewDeadline steps down', async () => {
    server = await startFakeApiServer();
    const log: string[] = [];
    const a = elector(server, 'replica-a', log);
    await eventually(() => a.isLeader(), 'a leads');
    server.failNext('PUT', /leases\/ringmaster-leader$/, 500, 1_000_000);
    await eventually(() => !a.isLeader(), 'a steps down');
    expect(log).toEqual(['replica-a started', 'replica-a stopped']);
  });

  it('two processes: kill -9 the leader, the other takes over only after the lease expired', async () => {
    server = await startFakeApiServer();
    const events: Array<{ event: string; identity: string; at: number }> = [];
    const script = fileURLToPath(new URL('./elector-process.ts', import.meta.url));
    for (const identity of ['proc-a', 'proc-b']) {
      const child = spawn(process.execPath, [script, server.url, identity, String(TIMING.leaseDurationMs), String(TIMING.renewDeadlineMs), String(TIMING.retryPeriodMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line) as { event: string; identity: string; at: number }));
    }
    const started = await eventually(() => events.find((e) => e.event === 'started'), 'a leader process', 30_000);
    const leader = children[started.identity === 'proc-a' ? 0 : 1]!;
    await new Promise((resolve) => setTimeout(resolve, TIMING.retryPeriodMs * 3));
    leader.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => leader.once('exit', resolve));
    const lastRenew = Date.parse(String(lease(server).spec.renewTime));
    const next = await eventually(() => events.find((e) => e.event === 'started' && e.identity !== started.identity), 'the other process takes over', 30_000);
    const { spec } = lease(server);
    expect(spec.holderIdentity).toBe(next.identity);
    // Expiry is judged by the follower's clock from when it saw the last renewal.
    expect(Date.parse(String(spec.acquireTime)) - lastRenew).toBeGreaterThanOrEqual(TIMING.leaseDurationMs);
    // And it does not wait much longer than that (retry jitter, a loaded machine).
    expect(next.at - killedAt).toBeLessThan(TIMING.leaseDurationMs + 15_000);
    expect(events.filter((e) => e.event === 'started')).toHaveLength(2);
  });
});
