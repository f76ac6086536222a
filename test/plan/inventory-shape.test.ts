import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/plan/inputs/inventory-shape.ts';
import { observeInventory } from '../../src/plan/observations.ts';
import type { InventoryAgent } from '../../src/controller/ports.ts';

const agent: InventoryAgent = {
  uid: 'u-1',
  attributes: { 'host.name': 'h1' },
  platform: { os: 'linux', arch: 'amd64' },
  acceptsPackages: true,
  online: true,
  lastSeen: '2026-11-21T09:50:00Z',
  packages: { otelcol: { version: '1.4.0', hash: 'ab', state: 'Installed' } },
  rings: { p: 'canary' },
};

describe('parseInventory', () => {
  it('reads a committed inventory', () => {
    const inv = parseInventory(JSON.stringify({ generatedAt: '2026-11-21T09:50:00Z', agents: [agent] }), 'inv.json');
    expect(inv.generatedAt).toBe('2026-11-21T09:50:00Z');
    expect(inv.agents).toEqual([{ ...agent, rings: {} }]);
  });

  const bad: { name: string; text: string; want: RegExp }[] = [
    { name: 'not JSON', text: '{', want: /^inv\.json is not JSON/ },
    { name: 'no agents list', text: '{"agents": {}}', want: /^inv\.json is not an inventory/ },
    { name: 'uid missing', text: JSON.stringify({ agents: [{ ...agent, uid: undefined }] }), want: /agents\[0\]\.uid must be a non-empty string/ },
    { name: 'attribute not a string', text: JSON.stringify({ agents: [agent, { ...agent, attributes: { a: 1 } }] }), want: /agents\[1\]\.attributes must be an object of strings/ },
    { name: 'bad lastSeen', text: JSON.stringify({ agents: [{ ...agent, lastSeen: 'yesterday' }] }), want: /agents\[0\]\.lastSeen must be an RFC 3339 time/ },
    { name: 'bad platform', text: JSON.stringify({ agents: [{ ...agent, platform: 'linux' }] }), want: /agents\[0\]\.platform must be an object/ },
    { name: 'bad package', text: JSON.stringify({ agents: [{ ...agent, packages: { x: { version: 1 } } }] }), want: /agents\[0\]\.packages\["x"\]\.version must be a string/ },
  ];
  it.each(bad)('refuses $name with code E_PLAN_INVENTORY', ({ text, want }) => {
    expect(() => parseInventory(text, 'inv.json')).toThrow(want);
    try {
      parseInventory(text, 'inv.json');
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_PLAN_INVENTORY');
    }
  });

  it('refuses more agents than the limit', () => {
    expect(() => parseInventory(JSON.stringify({ agents: [agent, agent] }), 'inv.json', 1)).toThrow(/2 agents, over the limit of 1/);
  });
});

describe('observeInventory', () => {
  it('pins every state to now, keeps online and capabilities, sorts by uid', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    const offline = { ...agent, uid: 'u-0', online: false, acceptsPackages: false, packages: { otelcol: { state: 'Bogus' } } };
    const [first, second] = observeInventory([agent, offline], now);
    expect(first).toEqual({
      uid: 'u-0', attributes: { 'host.name': 'h1' }, acceptsPackages: false, platform: { os: 'linux', arch: 'amd64' },
      online: false, lastSeen: Date.parse('2026-11-21T09:50:00Z'), health: { healthy: true, since: now },
      packages: { otelcol: { name: 'otelcol', state: 'Installed', since: now } },
    });
    expect(second?.packages['otelcol']).toEqual({ name: 'otelcol', hasVersion: '1.4.0', hasHash: 'ab', state: 'Installed', since: now });
  });

  it('never puts lastSeen after now', () => {
    const now = Date.parse('2026-11-21T09:00:00Z');
    expect(observeInventory([agent], now)[0]?.lastSeen).toBe(now);
  });
});
