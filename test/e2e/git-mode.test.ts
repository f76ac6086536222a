import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/serve/server.ts';
import { createFleet, PKG, policyYaml, releaseName, remoteFile, waitFor, type Fleet } from './harness.ts';

const POLICY = 'collectors';
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.cleanup();
  fleet = undefined;
});

/** The version each agent is currently offered by the running plan. */
function offeredVersions(server: RunningServer): Map<string, string | undefined> {
  const offers = server.controller.state.lastPlan?.offers ?? [];
  return new Map(offers.map((o) => [o.uid, o.packages[PKG]?.version]));
}

function installedVersion(f: Fleet, name: string): string | undefined {
  const agent = f.agents.find((a) => a.state().instanceUid === uidOf(f, name));
  return agent?.state().packages[PKG]?.version;
}

function uidOf(f: Fleet, name: string): string {
  const a = f.server!.opamp.agents().find((x) => x.attributes['host.name'] === name);
  if (!a) throw new Error(`agent ${name} is not connected`);
  return a.uid;
}

const names = { canary: ['c1', 'c2'], rest: ['a1', 'a2', 'a3', 'a4'] };

/** Starts the server and six agents, and rolls 1.0.0 out as the stable release. */
async function stableFleet(extra: { failVersions?: Record<string, string[]>; onFailure?: 'pause' | 'rollback'; bumpBake?: string; installMs?: Record<string, number> } = {}): Promise<Fleet> {
  const f = (fleet = await createFleet());
  const spec = (release: string, approvals: string[], bake = '1s') => policyYaml(POLICY, {
    release, approvals,
    rings: [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake, maxFailures: 0 }, { name: 'everyone', requireApproval: true, maxFailures: 1 }],
    strategy: { maxConcurrent: '100%', installTimeout: '1m', healthyFor: '1s', progressDeadline: '10m', onFailure: extra.onFailure ?? 'pause' },
  });
  await f.commit({ [`policies/${POLICY}.yaml`]: spec(releaseName('1.0.0'), ['everyone']) }, 'Collectors on 1.0.0');
  await f.start();
  await f.addAgents([
    ...names.canary.map((name) => ({ name, labels: { canary: 'true' }, failVersions: extra.failVersions?.[name] ?? [], ...(extra.installMs?.[name] ? { installMs: extra.installMs[name] } : {}) })),
    ...names.rest.map((name) => ({ name, failVersions: extra.failVersions?.[name] ?? [] })),
  ]);
  await waitFor(() => f.status(POLICY)?.phase === 'Succeeded', 'the 1.0.0 rollout to succeed');
  (f as Fleet & { bump: (approvals: string[]) => Promise<string> }).bump = async (approvals) => {
    const sha = await f.commit({ [`policies/${POLICY}.yaml`]: spec(releaseName('2.0.0'), approvals, extra.bumpBake) }, approvals.length ? 'Approve everyone' : 'Upgrade collectors to 2.0.0');
    expect((await f.notifyPush(sha)).status).toBe(202);
    return sha;
  };
  return f;
}

function bump(f: Fleet, approvals: string[] = []): Promise<string> {
  return (f as Fleet & { bump: (approvals: string[]) => Promise<string> }).bump(approvals);
}

describe('Git mode end to end (real repo, server, agents)', { timeout: 120_000 }, () => {
  it('offers ring by ring: the gated ring waits for an approval commit; status commits tell the story; a human push meanwhile is kept', async () => {
    const f = await stableFleet();
    const server = f.server!;
    expect(f.status(POLICY)).toMatchObject({ stableRelease: releaseName('1.0.0'), release: releaseName('1.0.0') });
    const firstOffer = new Map<string, number>();
    const watch = setInterval(() => {
      for (const [uid, v] of offeredVersions(server)) if (v === '2.0.0' && !firstOffer.has(uid)) firstOffer.set(uid, Date.now());
    }, 10);
    try {
      await bump(f);
      await waitFor(() => names.canary.every((n) => installedVersion(f, n) === '2.0.0'), 'canaries on 2.0.0');
      // A human pushes an unrelated change while Ringmaster is committing status.
      await f.commit({ 'README.md': '# our fleet\n' }, 'Docs: describe the fleet');
      await waitFor(() => f.status(POLICY)?.phase === 'WaitingApproval', 'the approval gate');
      const waiting = f.status(POLICY)!;
      const canaryRing = waiting.rings.find((r) => r.name === 'canary')!;
      expect(canaryRing.phase).toBe('Succeeded');
      expect(waiting.rings.find((r) => r.name === 'everyone')?.phase).toBe('WaitingApproval');
      for (const n of names.rest) expect(firstOffer.has(uidOf(f, n)), `${n} offered 2.0.0 before approval`).toBe(false);

      const approvedAt = Date.now();
      await bump(f, ['everyone']);
      await waitFor(() => f.status(POLICY)?.phase === 'Succeeded' && f.status(POLICY)?.release === releaseName('2.0.0'), '2.0.0 everywhere');
      for (const n of names.rest) {
        expect(installedVersion(f, n)).toBe('2.0.0');
        expect(firstOffer.get(uidOf(f, n))!).toBeGreaterThanOrEqual(approvedAt);
        expect(firstOffer.get(uidOf(f, n))!).toBeGreaterThanOrEqual(Date.parse(canaryRing.bakeUntil!));
      }
      expect(f.status(POLICY)?.stableRelease).toBe(releaseName('2.0.0'));
      expect(f.status(POLICY)?.installed).toBe('6/6');
    } finally {
      clearInterval(watch);
    }
    await server.controller.stop(); // flushes the pending status commit
    const log = await f.remoteLog();
    expect(log).toContain('Human|Docs: describe the fleet');
    expect(log.some((l) => l.startsWith('Ringmaster|') && /canary succeeded/.test(l))).toBe(true);
    expect(await remoteFile(f, 'status/collectors.yaml')).toMatch(/phase: Succeeded/);
    expect(JSON.parse(await remoteFile(f, 'status/inventory.json')).agents).toHaveLength(6);
  });

  it('rolls back when failures cross maxFailures, and says so in a status commit', async () => {
    const f = await stableFleet({ failVersions: { c2: ['2.0.0'] }, onFailure: 'rollback' });
    await bump(f);
    await waitFor(() => f.status(POLICY)?.phase === 'RolledBack', 'the rollback');
    await waitFor(() => installedVersion(f, 'c1') === '1.0.0' && installedVersion(f, 'c2') === '1.0.0', 'canaries back on 1.0.0');
    for (const n of names.rest) expect(installedVersion(f, n)).toBe('1.0.0');
    const canary = f.status(POLICY)!.rings.find((r) => r.name === 'canary')!;
    expect(canary.phase).toBe('RolledBack');
    expect(canary.message).toMatch(/1 failed or timed out, maxFailures allows 0; rolling back/);
    await f.server!.controller.stop();
    const log = await f.remoteLog();
    expect(log.some((l) => l.startsWith('Ringmaster|') && /roll/i.test(l)), log.join('\n')).toBe(true);
  });

  it('refuses an invalid revision: Stalled with file and line, the fleet keeps its offers', async () => {
    const f = await stableFleet();
    const server = f.server!;
    const before = JSON.stringify(server.controller.state.lastPlan?.offers);
    const bad = policyYaml(POLICY, { release: releaseName('2.0.0'), rings: [{ name: 'canary', percent: 150 }] });
    const sha = await f.commit({ [`policies/${POLICY}.yaml`]: bad }, 'Oops: a broken policy');
    await f.notifyPush(sha);
    await waitFor(() => f.status(POLICY)?.conditions.some((c) => c.type === 'Stalled') === true, 'Stalled');
    const stalled = f.status(POLICY)!.conditions.find((c) => c.type === 'Stalled')!;
    expect(stalled.message).toMatch(/policies\/collectors\.yaml:\d+:\d+: E_\w+/);
    await server.controller.reconcileNow();
    expect(JSON.stringify(server.controller.state.lastPlan?.offers)).toBe(before);
    for (const a of f.agents) expect(a.state().packages[PKG]?.version).toBe('1.0.0');
    // Fixing the file clears the condition.
    const fixed = await f.commit({ [`policies/${POLICY}.yaml`]: policyYaml(POLICY, { release: releaseName('1.0.0'), approvals: ['everyone'] }) }, 'Fix the policy');
    await f.notifyPush(fixed);
    await waitFor(() => f.status(POLICY)?.conditions.some((c) => c.type === 'Stalled') === false, 'Stalled cleared');
  });

  it('resumes after a restart: no ring restarts, no re-offers to agents that are done', async () => {
    const f = await stableFleet({ bumpBake: '1h' });
    await bump(f);
    await waitFor(() => f.status(POLICY)?.rings.find((r) => r.name === 'canary')?.phase === 'Baking', 'canary baking');
    const before = f.status(POLICY)!.rings.find((r) => r.name === 'canary')!;
    const port = f.server!.port;
    await f.stopServer();
    const server = await f.start(port);
    const downloads: string[] = [];
    server.opamp.on('packageStatusChanged', (e) => {
      if (e.state === 'Downloading') downloads.push(e.uid);
    });
    await waitFor(() => server.opamp.agents().filter((a) => a.online).length === 6, 'agents reconnected');
    await server.controller.reconcileNow();
    const after = f.status(POLICY)!.rings.find((r) => r.name === 'canary')!;
    expect(after).toMatchObject({ phase: 'Baking', startedAt: before.startedAt, succeededAt: before.succeededAt, bakeUntil: before.bakeUntil });
    await new Promise((r) => setTimeout(r, 500));
    expect(downloads).toEqual([]);
    for (const n of names.canary) expect(installedVersion(f, n)).toBe('2.0.0');
  });

  it('a restart while a ring is in progress never lets it pass before its agents are back', async () => {
    const f = await stableFleet({ installMs: { c1: 4_000, c2: 4_000 } });
    await bump(f);
    await waitFor(() => f.status(POLICY)?.rings.find((r) => r.name === 'canary')?.counts.offered === 2, 'canaries offered 2.0.0');
    const port = f.server!.port;
    await f.stopServer();
    const server = await f.start(port);
    const bad: string[] = [];
    const watch = setInterval(() => {
      const canary = f.status(POLICY)?.rings.find((r) => r.name === 'canary');
      if (canary?.phase === 'Succeeded' || canary?.phase === 'Baking') {
        if (canary.counts.healthy < 2) bad.push(JSON.stringify(canary.counts));
      }
    }, 10);
    try {
      await waitFor(() => f.status(POLICY)?.phase === 'WaitingApproval', 'the canaries to finish after the restart', 60_000);
    } finally {
      clearInterval(watch);
    }
    expect(bad).toEqual([]);
    expect(server.view.recentEvents(500).filter((e) => /\(0\/0/.test(e.message))).toEqual([]);
    for (const n of names.canary) expect(installedVersion(f, n)).toBe('2.0.0');
    for (const n of names.rest) expect(installedVersion(f, n)).toBe('1.0.0');
  });

  it('serves the operators during a rollout: API, live events, metrics, health', async () => {
    const f = await stableFleet({ bumpBake: '1h' });
    const base = f.server!.url;
    const events = new AbortController();
    const stream = await fetch(`${base}/api/v1/events`, { signal: events.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    const received: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        received.push(new TextDecoder().decode(value));
      }
    })();
    await bump(f);
    await waitFor(() => f.status(POLICY)?.rings[0]?.phase === 'Baking', 'canary baking');
    const policy = await (await fetch(`${base}/api/v1/policies/${POLICY}`)).json() as Record<string, unknown>;
    expect(JSON.stringify(policy)).toMatch(/"phase":"Baking"/);
    const page = await (await fetch(`${base}/api/v1/agents?policy=${POLICY}&ring=canary`)).json() as { items: Array<{ attributes: Record<string, string> }> };
    expect(page.items.map((a) => a.attributes['host.name']).sort()).toEqual(names.canary);
    await waitFor(() => received.join('').includes('ring canary succeeded'), 'the ring event on the SSE stream');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/ringmaster_agents\{[^}]*\} 6/);
    expect(metrics).toMatch(/ringmaster_ring_phase\{[^}]*ring="canary"[^}]*\} 1/);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    events.abort();
    await reading;
  });

  it('answers a webhook with a bad signature with 401 and does not fetch', async () => {
    const f = await stableFleet();
    const stats = () => (f.server!.source as unknown as { stats(): { fetches: number } }).stats().fetches;
    const fetchesBefore = stats();
    const res = await f.notifyPush('0'.repeat(40), 'not-the-secret');
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(stats()).toBe(fetchesBefore);
  });
});
