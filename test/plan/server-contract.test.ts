/**
 * `--server` against the real JSON API: the server's own `createApiHandler`, serving a fleet
 * on loopback with a read token, read page by page by the plan. The plan made from the live
 * API must equal the plan made from the inventory the controller commits for the same fleet.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/handler.ts';
import type { OperatorView } from '../../src/api/view.ts';
import { buildInventory } from '../../src/controller/inventory.ts';
import { readServerInventory } from '../../src/plan/inputs/inventory-server.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import type { AgentObservation } from '../../src/rollout/types.ts';
import { load, policyYaml, releaseYaml } from './manifest-text.ts';

const NOW = Date.parse('2026-11-21T10:00:00Z');

function fleet(): AgentObservation[] {
  return Array.from({ length: 23 }, (_, i) => ({
    uid: `0193a0c0-0000-7000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
    attributes: { 'service.name': 'otelcol-custom', 'host.name': `n-${i + 1}`, ...(i % 7 === 0 ? { canary: 'true' } : {}) },
    acceptsPackages: i !== 5,
    platform: { os: 'linux', arch: i % 2 ? 'arm64' : 'amd64' },
    online: i !== 9,
    lastSeen: NOW - 120_000,
    health: { healthy: true, since: NOW - 600_000 },
    packages: { 'otelcol-custom': { name: 'otelcol-custom', hasVersion: '1.4.0', hasHash: 'cd'.repeat(32), state: 'Installed', since: NOW - 86_400_000 } },
  }));
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('--server against the real API handler', () => {
  it('reads every agent through cursor pages and plans exactly as from the committed inventory', async () => {
    const agents = fleet();
    const base = load({ 'r/1.4.0.yaml': releaseYaml('1.4.0'), 'p.yaml': policyYaml('1.4.0') });
    const head = load({ 'r/1.4.0.yaml': releaseYaml('1.4.0'), 'r/1.5.0.yaml': releaseYaml('1.5.0'), 'p.yaml': policyYaml('1.5.0') });
    const view: OperatorView = { policies: () => [], agents: () => agents, onEvent: () => () => undefined, recentEvents: () => [] };
    const handle = createApiHandler({ view, tokens: ['read-token'], maxPageSize: 5 });
    server = createServer((req, res) => {
      if (!handle(req, res)) {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await expect(readServerInventory({ url, pageSize: 5 })).rejects.toThrow(/answered 401/);
    const live = await readServerInventory({ url, pageSize: 5, token: 'read-token' });
    expect(live.agents.map((a) => a.uid)).toEqual(agents.map((a) => a.uid));

    const controller = planRollout({ policies: base.policies, releases: base.releases, agents, previous: {}, now: NOW });
    const committed = buildInventory(agents, controller.membership, NOW);
    const plan = (inventory: { agents: typeof live.agents }) =>
      buildPlan({ base, head, previous: {}, now: NOW, inventory: { agents: inventory.agents, source: 'x' } }).policies;
    expect(plan(live)).toEqual(plan(committed));
    expect(plan(live)[0]?.rings.map((r) => r.agents)).toEqual([4, 19]);
  });
});
