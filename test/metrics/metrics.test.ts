import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/metrics.ts';
import { healthHandler, metricsHandler, type Readiness } from '../../src/metrics/handlers.ts';
import { createPlannedFleet, POLICY } from '../api/planned-fleet.ts';
import { serveOnLoopback } from '../api/http-harness.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one series, matched by its full `name{labels}` prefix. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('computes fleet and rollout gauges from the view at scrape time', async () => {
    const sim = createPlannedFleet({ size: 40 });
    const metrics = createMetrics({ view: sim.view, processMetrics: false });
    const srv = await serveOnLoopback([metricsHandler(metrics.registry)]);
    cleanups.push(srv.close);
    const before = await scrape(srv.url);
    expect(before.status).toBe(200);
    expect(before.type).toContain('text/plain; version=0.0.4');
    expect(sample(before.text, 'ringmaster_agents{online="true"}')).toBe(40);
    expect(sample(before.text, `ringmaster_policy_phase{policy="${POLICY}",phase="Progressing"}`)).toBe(1);
    expect(sample(before.text, `ringmaster_policy_phase{policy="${POLICY}",phase="Failed"}`)).toBe(0);
    expect(sample(before.text, `ringmaster_ring_agents{policy="${POLICY}",ring="canary",state="in_flight"}`)).toBe(4);
    expect(sample(before.text, `ringmaster_ring_phase{policy="${POLICY}",ring="early",phase="Pending"}`)).toBe(1);

    sim.runUntil(() => sim.status()?.rings[0]?.phase === 'Baking');
    sim.agents[0]!.online = false;
    const after = await scrape(srv.url);
    expect(sample(after.text, `ringmaster_ring_agents{policy="${POLICY}",ring="canary",state="installed"}`)).toBe(5);
    expect(sample(after.text, `ringmaster_ring_phase{policy="${POLICY}",ring="canary",phase="Baking"}`)).toBe(1);
    expect(sample(after.text, `ringmaster_ring_phase{policy="${POLICY}",ring="canary",phase="Progressing"}`)).toBeUndefined();
    expect(sample(after.text, 'ringmaster_agents{online="false"}')).toBe(1);
    expect(after.text).not.toContain('process_cpu'); // processMetrics: false
  });

  it('exports catalogued stats sources with labels, skips unknown keys and broken sources', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let messagesIn = 10;
    metrics.addStatsSource('opamp', () => ({ messagesIn, offersSent: 3, 'connections:websocket': 7, 'connections:http': 2, unknownKey: 5, decodeErrors: Number.NaN }));
    metrics.addStatsSource('git', () => {
      throw new Error('broken');
    });
    const remove = metrics.addStatsSource('webhook', () => ({ 'deliveries:accepted': 4, 'deliveries:rejected': 1 }));
    expect(() => metrics.addStatsSource('opamp', () => ({}))).toThrow('stats source "opamp" is already registered');
    metrics.observeReconcile(0.02, 'success');
    metrics.observeReconcile(3, 'error');
    const srv = await serveOnLoopback([metricsHandler(metrics.registry)]);
    cleanups.push(srv.close);
    let { text } = await scrape(srv.url);
    expect(text).toContain('# TYPE ringmaster_opamp_messages_received_total counter');
    expect(sample(text, 'ringmaster_opamp_messages_received_total')).toBe(10);
    expect(sample(text, 'ringmaster_opamp_offers_sent_total')).toBe(3);
    expect(sample(text, 'ringmaster_opamp_connections{transport="websocket"}')).toBe(7);
    expect(sample(text, 'ringmaster_opamp_connections{transport="http"}')).toBe(2);
    expect(sample(text, 'ringmaster_opamp_decode_errors_total')).toBe(0); // NaN is skipped; unlabelled series read 0
    expect(text).not.toMatch(/unknown_?key/i);
    expect(sample(text, 'ringmaster_git_fetches_total')).toBe(0); // the broken source is skipped
    expect(sample(text, 'ringmaster_webhook_deliveries_total{result="rejected"}')).toBe(1);
    expect(sample(text, 'ringmaster_reconcile_duration_seconds_bucket{le="0.025",outcome="success"}')).toBe(1);
    expect(sample(text, 'ringmaster_reconcile_duration_seconds_count{outcome="error"}')).toBe(1);
    messagesIn = 25;
    remove();
    ({ text } = await scrape(srv.url));
    expect(sample(text, 'ringmaster_opamp_messages_received_total')).toBe(25);
    expect(sample(text, 'ringmaster_webhook_deliveries_total{result="accepted"}')).toBeUndefined();
  });

  it('needs a bearer token when tokens are set; refuses writes', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const srv = await serveOnLoopback([metricsHandler(metrics.registry, { tokens: ['scrape-token'] })]);
    cleanups.push(srv.close);
    expect((await scrape(srv.url)).status).toBe(401);
    expect((await scrape(srv.url, { authorization: 'Bearer scrape-token' })).status).toBe(200);
    const post = await fetch(`${srv.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('/healthz and /readyz', () => {
  it('reports liveness always and readiness with the failing checks until ready', async () => {
    let readiness: Readiness = { ready: false, checks: { sourceSynced: false, opampListening: true } };
    let throwing = false;
    const srv = await serveOnLoopback([healthHandler({ ready: () => {
      if (throwing) throw new Error('probe bug');
      return readiness;
    } })]);
    cleanups.push(srv.close);
    const health = await fetch(`${srv.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const notReady = await fetch(`${srv.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, checks: { sourceSynced: false, opampListening: true }, failing: ['sourceSynced'] });
    readiness = { ready: true, checks: { sourceSynced: true, opampListening: true } };
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { sourceSynced: true, opampListening: true } });
    throwing = true;
    expect((await fetch(`${srv.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${srv.url}/other`)).status).toBe(404);
  });
});
