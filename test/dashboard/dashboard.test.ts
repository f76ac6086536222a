import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/handler.ts';
import { createDashboardHandler } from '../../src/dashboard/handler.ts';
import { createPlannedFleet, POLICY, uidOf } from '../api/planned-fleet.ts';
import { serveOnLoopback } from '../api/http-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function start(tokens?: string[]) {
  const sim = createPlannedFleet({ size: 50, failIn: { ring: 'early', count: 1 } });
  const dashboard = createDashboardHandler({ view: sim.view, now: sim.now, ...(tokens ? { tokens } : {}) });
  const api = createApiHandler({ view: sim.view, ...(tokens ? { tokens } : {}) });
  const srv = await serveOnLoopback([api, dashboard]);
  cleanups.push(srv.close);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(srv.url + path, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { sim, get, url: srv.url };
}

describe('dashboard pages', () => {
  it('renders every policy with its rings in order, the bars, and a strict CSP', async () => {
    const { sim, get } = await start();
    for (let i = 0; i < 3; i++) sim.tick();
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const rings = [...page.text.matchAll(/<li class="ring" data-ring="([^"]+)" data-phase="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(rings).toEqual([['canary', 'Progressing'], ['early', 'Pending'], ['everyone', 'Pending']]);
    expect(page.text).toMatch(/<strong data-count="installed">4<\/strong> \/ <span data-count="total">5<\/span>/);
    expect(page.text).toContain('<rect class="seg-installed" x="0.000" y="0" width="80.000" height="10">');
    expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN or external links
    expect(page.text).toContain('<script src="/dashboard/app.js" defer></script>');
    const js = await get('/dashboard/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain("new EventSource('/api/v1/events')");
  });

  it('shows the approval gate with the Git edit and kubectl command, a bake countdown and failing agents', async () => {
    const { sim, get } = await start();
    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Baking');
    let text = (await get(`/policies/${POLICY}`)).text;
    expect(text).toContain('Baking: <time data-until="' + new Date(sim.now() + 30_000).toISOString().replace('.000Z', 'Z') + '"');
    expect(text).toMatch(/datetime="[^"]+">30s<\/time> left/);
    sim.runUntil(() => sim.status()?.phase === 'WaitingApproval');
    text = (await get(`/policies/${POLICY}`)).text;
    expect(text).toContain('in <code>policies/otelcol-custom.yaml</code> set, then merge:</div><code class="copy">spec.approvals: [everyone]</code>');
    expect(text).toContain(`<code class="copy">kubectl patch rolloutpolicy otelcol-custom --type merge -p &#39;{&quot;spec&quot;:{&quot;approvals&quot;:[&quot;everyone&quot;]}}&#39;</code>`);
    expect(text).toContain('<summary>1 failing</summary>');
    expect(text).toContain('<span class="error">install failed: exit status 1: config invalid</span>');
  });

  it('filters the agent table on the server (works without the script) and escapes agent data', async () => {
    const { sim, get } = await start();
    sim.agents[3]!.attributes['host.name'] = '<img src=x onerror=alert(1)>';
    sim.agents[4]!.online = false;
    sim.agents[4]!.lastSeen = sim.now() - 120_000;
    const all = await get('/dashboard/fragments/agents');
    expect(all.text).toContain('data-agent-total="50"');
    expect(all.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(all.text).not.toContain('<img');
    expect(all.text).toContain('<td class="offline">offline, 2m ago</td>');
    const one = await get('/?q=host-7');
    expect(one.text).toContain('data-agent-total="1"');
    expect(one.text).toContain(`data-uid="${uidOf(7)}"`);
    expect(one.text).toContain('value="host-7"');
    const bad = await get('/dashboard/fragments/agents?state=nope');
    expect(bad.text).toContain('unknown state &quot;nope&quot;');
  });

  it('answers 404 for an unknown policy or fragment, 405 for writes, and ignores other paths', async () => {
    const { get, url } = await start();
    expect((await get('/policies/missing')).status).toBe(404);
    expect((await get('/policies/%E0%A4%A')).status).toBe(404); // bad percent-encoding
    expect((await get('/dashboard/nothing')).status).toBe(404);
    const post = await fetch(`${url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const other = await get('/v1/opamp');
    expect(other.status).toBe(404);
    expect(other.text).toBe('');
  });
});

describe('dashboard sign-in when tokens are configured', () => {
  it('turns ?token= into an HttpOnly SameSite=Strict cookie and redirects without it', async () => {
    const { get } = await start(['dash-secret']);
    const anonymous = await get('/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('?token=&lt;token&gt;');
    expect((await get('/?token=wrong')).status).toBe(401);
    const login = await get(`/policies/${POLICY}?token=dash-secret&q=host-1`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe(`/policies/${POLICY}?q=host-1`);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ringmaster_token=dash-secret; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const jar = { cookie: cookie.split(';')[0] ?? '' };
    expect((await get('/', jar)).status).toBe(200);
    expect((await get('/dashboard/fragments/policies', jar)).status).toBe(200);
    expect((await get('/api/v1/policies', jar)).status).toBe(200);
    expect((await get('/dashboard/fragments/policies')).status).toBe(401);
    expect((await get('/dashboard/app.css')).status).toBe(200); // static assets hold no data
  });
});

describe('dashboard events panel', () => {
  it('keeps rollout events visible after a burst of agent events', async () => {
    const { sim, get } = await start();
    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Baking');
    for (let i = 0; i < 5000; i++) {
      sim.log.append({ at: sim.now(), kind: 'agent', policy: POLICY, agent: `a${i}`, reason: 'installing', message: `agent a${i} offered → installing`, type: 'Normal' });
    }
    const events = await get('/dashboard/fragments/events');
    expect(events.text).toContain('<span class="event-reason">RingBaking</span>');
    expect(events.text).toContain('<span class="event-reason">RolloutStarted</span>');
    expect(events.text).not.toContain('offered → installing');
  });
});
