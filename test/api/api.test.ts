import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/handler.ts';
import type { AgentPage } from '../../src/api/agent-query.ts';
import type { AgentSummary } from '../../src/api/agent-summary.ts';
import type { PolicySummary } from '../../src/api/policy-summary.ts';
import { createPlannedFleet, POLICY, uidOf } from './planned-fleet.ts';
import { serveOnLoopback } from './http-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function start(opts: { size?: number; tokens?: string[]; maxPageSize?: number } = {}) {
  const sim = createPlannedFleet({ size: opts.size ?? 60, failIn: { ring: 'early', count: 1 } });
  const api = createApiHandler({ view: sim.view, ...(opts.tokens ? { tokens: opts.tokens } : {}), ...(opts.maxPageSize ? { maxPageSize: opts.maxPageSize } : {}) });
  const srv = await serveOnLoopback([api]);
  cleanups.push(srv.close);
  const get = async <T>(path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(srv.url + path, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
  return { sim, url: srv.url, get };
}

describe('GET /api/v1/policies during a rollout', () => {
  it('shows rings filling up step by step, then the approval gate with the exact edits', async () => {
    const { sim, get } = await start();
    const first = await get<{ items: PolicySummary[] }>('/api/v1/policies');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/json');
    const p0 = first.body.items[0];
    expect(p0?.name).toBe(POLICY);
    expect(p0?.phase).toBe('Progressing');
    expect(p0?.rings.map((r) => [r.name, r.phase])).toEqual([['canary', 'Progressing'], ['early', 'Pending'], ['everyone', 'Pending']]);
    // maxConcurrent 4: four canaries are offered, the fifth waits.
    expect(p0?.rings[0]?.bar).toMatchObject({ installed: 0, inFlight: 4, waiting: 1, total: 5 });

    for (let i = 0; i < 3; i++) sim.tick(); // download, install, installed
    const mid = (await get<PolicySummary>(`/api/v1/policies/${POLICY}`)).body;
    expect(mid.rings[0]?.bar).toMatchObject({ installed: 4, inFlight: 0, waiting: 1 });

    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Baking');
    const baking = (await get<PolicySummary>(`/api/v1/policies/${POLICY}`)).body;
    expect(baking.phase).toBe('Baking');
    expect(Date.parse(baking.rings[0]?.bakeUntil ?? '')).toBe(sim.now() + 30_000);

    sim.runUntil(() => sim.status()?.phase === 'WaitingApproval');
    const summary = (await get<PolicySummary>(`/api/v1/policies/${POLICY}`)).body;
    const early = summary.rings[1];
    expect(early?.phase).toBe('Succeeded');
    expect(early?.failingTotal).toBe(1);
    expect(early?.failing[0]).toEqual({ uid: sim.failing[0], state: 'failed', reason: 'install failed: exit status 1: config invalid' });
    const everyone = summary.rings[2];
    expect(everyone?.approval).toEqual({
      ring: 'everyone',
      file: 'policies/otelcol-custom.yaml',
      gitEdit: 'spec.approvals: [everyone]',
      kubectl: `kubectl patch rolloutpolicy otelcol-custom --type merge -p '{"spec":{"approvals":["everyone"]}}'`,
    });

    sim.approve('everyone');
    const after = (await get<PolicySummary>(`/api/v1/policies/${POLICY}`)).body;
    expect(after.rings[2]?.approval).toBeUndefined();
    expect(after.rings[2]?.phase).toBe('Progressing');
    expect(after.rings[2]?.bar.inFlight).toBe(4);
  });

  it('answers 404 with a JSON error for an unknown policy', async () => {
    const { get } = await start();
    const r = await get<{ error: { code: string; message: string } }>('/api/v1/policies/nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no policy named "nope"' } });
  });
});

describe('GET /api/v1/agents', () => {
  it('pages through every agent exactly once, stable while agents join', async () => {
    const { sim, get } = await start({ size: 95 });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await get<AgentPage>(`/api/v1/agents?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((a) => a.uid));
      cursor = r.body.nextCursor;
      // A late joiner sorting before the cursor must not shift the pages.
      if (pages++ === 1) sim.join(0x100); // sorts after the cursor: it may appear on a later page
      if (pages === 2) sim.agents.unshift({ ...sim.agents[0]!, uid: '00000000-0000-7000-8000-000000000000' });
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(96);
    expect(new Set(seen).size).toBe(96);
    expect(seen).not.toContain('00000000-0000-7000-8000-000000000000');
    expect([...seen].sort()).toEqual(seen);
  });

  it('filters by policy, ring, state and free text', async () => {
    const { sim, get } = await start();
    sim.runUntil(() => sim.status()?.phase === 'WaitingApproval');
    const canary = (await get<AgentPage>(`/api/v1/agents?policy=${POLICY}&ring=canary`)).body;
    expect(canary.total).toBe(5);
    expect(canary.items.every((a) => a.policies[POLICY]?.ring === 'canary')).toBe(true);
    const failed = (await get<AgentPage>('/api/v1/agents?state=failed')).body;
    expect(failed.items.map((a) => a.uid)).toEqual(sim.failing);
    expect(failed.items[0]?.lastError).toBe('install failed: exit status 1: config invalid');
    const byHost = (await get<AgentPage>('/api/v1/agents?q=HOST.NAME%3Dhost-12')).body;
    expect(byHost.items.map((a) => a.attributes['host.name'])).toEqual(['host-12']);
    const byError = (await get<AgentPage>('/api/v1/agents?q=config%20invalid')).body;
    expect(byError.total).toBe(1);
  });

  it('rejects bad parameters with 400 and says what to send', async () => {
    const { get } = await start({ maxPageSize: 50 });
    const cases: Array<[string, string, string]> = [
      ['limit=0', 'E_BAD_QUERY', 'limit must be an integer from 1 to 50, got "0"'],
      ['limit=51', 'E_BAD_QUERY', 'limit must be an integer from 1 to 50, got "51"'],
      ['limit=abc', 'E_BAD_QUERY', 'limit must be an integer from 1 to 50, got "abc"'],
      ['state=done', 'E_BAD_QUERY', 'unknown state "done"'],
      ['policy=other', 'E_BAD_QUERY', 'unknown policy "other"; known: otelcol-custom'],
      ['cursor=!!', 'E_BAD_CURSOR', 'cursor is not one this server issued'],
      ['cursor=Zm9v', 'E_BAD_CURSOR', 'cursor is not one this server issued'],
      ['rign=canary', 'E_BAD_QUERY', 'unknown query parameter "rign"'],
    ];
    for (const [query, code, message] of cases) {
      const r = await get<{ error: { code: string; message: string } }>(`/api/v1/agents?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error.code, query).toBe(code);
      expect(r.body.error.message, query).toContain(message);
    }
  });

  it('serves one agent by uid with versions, placement and no secrets', async () => {
    const { sim, get } = await start();
    // Whatever the OpAMP layer attaches later must not leak through the API.
    Object.assign(sim.agents[3] as object, { headers: { authorization: 'Bearer s3cret' }, token: 's3cret' });
    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Baking');
    const r = await get<AgentSummary>(`/api/v1/agents/${uidOf(3)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      uid: uidOf(3), online: true, acceptsPackages: true, platform: { os: 'linux', arch: 'amd64' },
      attributes: { 'host.name': 'host-3', canary: 'true' },
      packages: { 'otelcol-custom': { version: '1.5.0', state: 'Installed' } },
      policies: { [POLICY]: { ring: 'canary', state: 'healthy' } },
    });
    expect(r.body.lastSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(r.body)).not.toContain('s3cret');
    expect((await get(`/api/v1/agents/${uidOf(999)}`)).status).toBe(404);
  });
});

describe('API access and routing', () => {
  it('needs a bearer token (or the dashboard cookie) when tokens are configured', async () => {
    const { get } = await start({ tokens: ['t-one', 't-two'] });
    const none = await get<{ error: { code: string } }>('/api/v1/policies');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('E_UNAUTHORIZED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="ringmaster"');
    expect((await get('/api/v1/policies', { authorization: 'Bearer t-one-x' })).status).toBe(401);
    expect((await get('/api/v1/policies', { authorization: 'Bearer t-two' })).status).toBe(200);
    expect((await get('/api/v1/policies', { cookie: 'a=b; ringmaster_token=t-one' })).status).toBe(200);
    // Unknown paths are not revealed to anonymous callers.
    expect((await get('/api/v1/nothing')).status).toBe(401);
  });

  it('answers 404 for unknown paths, 405 for writes, and leaves other paths alone', async () => {
    const { url, get } = await start();
    expect((await get<{ error: { code: string } }>('/api/v2/policies')).body.error.code).toBe('E_NOT_FOUND');
    expect((await get('/api/v1/policies/a/b')).status).toBe(404);
    const post = await fetch(`${url}/api/v1/policies`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('E_METHOD_NOT_ALLOWED');
    expect((await fetch(`${url}/metrics`)).status).toBe(404); // fell through to the harness
  });

  it('turns a failing view into a 500 without details', async () => {
    const api = createApiHandler({ view: { policies: () => { throw new Error('boom: secret detail'); }, agents: () => [], onEvent: () => () => {}, recentEvents: () => [] } });
    const srv = await serveOnLoopback([api]);
    cleanups.push(srv.close);
    const res = await fetch(`${srv.url}/api/v1/policies`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":{"code":"E_INTERNAL","message":"internal error; see the server log"}}');
  });
});
