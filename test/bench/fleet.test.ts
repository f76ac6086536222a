/**
 * The fleet simulator against the real OpAMP server (in this process, on 127.0.0.1:0):
 * agents from worker processes connect over WebSocket and HTTP, report what they are, take
 * offers (real downloads from a real HTTP server, SHA-256 checked), install or fail at the
 * configured rate, and say goodbye. Small N: this proves the protocol, not the speed.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpampServer } from '../../src/opamp/server.ts';
import type { OpampServer } from '../../src/opamp/server.ts';
import type { AgentOffer } from '../../src/rollout/types.ts';
import { startFleet } from '../../bench/fleet/fleet.ts';
import type { Fleet } from '../../bench/fleet/fleet.ts';
import { pollUntil } from '../../bench/lib/poll.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function opamp(): Promise<{ server: OpampServer; ws: string; http: string }> {
  const server = createOpampServer({ maxConnections: 1000 });
  const address = await server.listen({ port: 0 });
  cleanups.push(() => server.close());
  return { server, ws: address.wsUrl, http: address.url };
}

async function fleetOf(options: Parameters<typeof startFleet>[0]): Promise<Fleet> {
  const fleet = await startFleet(options);
  cleanups.push(() => fleet.stop());
  return fleet;
}

/** A file server that counts GETs and answers the first `busy` of them 503 + Retry-After: 0. */
async function fileServer(body: Buffer, busy = 0): Promise<{ url: string; gets: () => number }> {
  let gets = 0;
  const server: Server = createServer((req, res) => {
    gets += 1;
    if (gets <= busy) return void res.writeHead(503, { 'retry-after': '0', 'content-length': 0 }).end();
    res.writeHead(200, { 'content-length': body.byteLength }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg.tgz`, gets: () => gets };
}

function offerFor(uid: string, url: string, sha256: string): AgentOffer {
  return { uid, allPackagesHash: 'aa01', packages: { otelcol: { type: 'TopLevel', version: '2.0.0', hash: 'bb02', file: { url, sha256 } } } };
}

const online = (server: OpampServer): number => server.agents().filter((agent) => agent.online).length;

describe('fleet simulator', () => {
  it.each(['ws', 'http'] as const)('connects every agent over %s from two worker processes and reports who they are', async (transport) => {
    const { server, ws, http } = await opamp();
    const fleet = await fleetOf({ agents: 12, agentsPerProcess: 6, transport, endpoint: transport === 'ws' ? ws : http, statusBytes: 2048, labels: { ring: 'canary' } });
    await pollUntil('all online', async () => online(server), (n) => n === 12, 20_000);
    const agents = server.agents();
    expect(agents.map((a) => a.attributes['host.name']).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `sim-${i}`).sort());
    for (const agent of agents) {
      expect(agent.platform).toEqual({ os: 'linux', arch: 'amd64' });
      expect(agent.attributes.ring).toBe('canary');
      expect(agent.acceptsPackages).toBe(true);
      expect(agent.health?.healthy).toBe(true);
      expect(Object.keys(agent.attributes).filter((key) => key.startsWith('sim.pad.')).length).toBeGreaterThan(10);
    }
    const counters = await fleet.counters();
    expect(counters).toMatchObject({ connected: 12, errors: 0, refused: 0 });
    // The server asked each new agent for its full state once, and got it.
    expect(server.stats().messagesIn).toBeGreaterThanOrEqual(24);
    await fleet.stop(true);
    await pollUntil('all offline after agent_disconnect', async () => online(server), (n) => n === 0, 20_000);
  });

  it('downloads an offered package for real, checks nothing is left out, and reports it installed', async () => {
    const { server, ws } = await opamp();
    const body = Buffer.from('a package body '.repeat(1000));
    const files = await fileServer(body);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const fleet = await fleetOf({ agents: 5, endpoint: ws, installDelayMs: 20 });
    await pollUntil('all online', async () => online(server), (n) => n === 5, 20_000);
    server.setOffers(server.agents().map((agent) => offerFor(agent.uid, files.url, sha256)));
    const installed = await pollUntil('installed everywhere', async () => server.agents(), (agents) => agents.every((a) => a.packages.otelcol?.state === 'Installed'), 20_000);
    for (const agent of installed) expect(agent.packages.otelcol).toMatchObject({ hasVersion: '2.0.0', hasHash: 'bb02', offeredHash: 'bb02' });
    expect(files.gets()).toBe(5);
    await pollUntil('milestones', async () => fleet.milestones.length, (n) => n >= 10, 5000);
    const kinds = fleet.milestones.map(([, kind]) => kind).sort();
    expect(kinds).toEqual([...Array(5).fill('installed'), ...Array(5).fill('offered')]);
  });

  it('retries a busy artifact server after its Retry-After, and refuses a body whose SHA-256 differs from the offer', async () => {
    const { server, ws } = await opamp();
    const body = Buffer.from('package');
    const files = await fileServer(body, 4);
    await fleetOf({ agents: 2, endpoint: ws });
    await pollUntil('all online', async () => online(server), (n) => n === 2, 20_000);
    const [first, second] = server.agents();
    server.setOffers([offerFor(first!.uid, files.url, createHash('sha256').update(body).digest('hex')), offerFor(second!.uid, files.url, 'ab'.repeat(32))]);
    const done = await pollUntil('both settled', async () => server.agents(), (agents) => agents.every((a) => ['Installed', 'InstallFailed'].includes(a.packages.otelcol?.state ?? '')), 20_000);
    const byUid = new Map(done.map((a) => [a.uid, a.packages.otelcol]));
    expect(byUid.get(first!.uid)?.state).toBe('Installed');
    expect(byUid.get(second!.uid)).toMatchObject({ state: 'InstallFailed', error: expect.stringMatching(/^download failed: SHA-256 mismatch/) as unknown });
    expect(files.gets()).toBe(6);
  });

  it('fails installs at the configured rate and skips downloads when told to', async () => {
    const { server, ws } = await opamp();
    const files = await fileServer(Buffer.from('x'));
    await fleetOf({ agents: 4, endpoint: ws, failureRate: 1, download: 'skip' });
    await pollUntil('all online', async () => online(server), (n) => n === 4, 20_000);
    server.setOffers(server.agents().map((agent) => offerFor(agent.uid, files.url, '00'.repeat(32))));
    const failed = await pollUntil('failed everywhere', async () => server.agents(), (agents) => agents.every((a) => a.packages.otelcol?.state === 'InstallFailed'), 20_000);
    expect(failed[0]?.packages.otelcol?.error).toBe('simulated install failure');
    expect(failed[0]?.packages.otelcol?.hasVersion).toBeUndefined();
    expect(files.gets()).toBe(0);
  });

  it('floods in a closed loop when asked, and stops', async () => {
    const server = createOpampServer({ messagesPerSecond: 100_000, burst: 100_000 });
    const address = await server.listen({ port: 0 });
    cleanups.push(() => server.close());
    const fleet = await fleetOf({ agents: 3, endpoint: address.wsUrl, heartbeatMs: 3_600_000 });
    await pollUntil('admitted', async () => server.stats().messagesIn, (n) => n >= 6, 20_000);
    fleet.flood('heartbeat');
    await pollUntil('flooding', async () => server.stats().messagesIn, (n) => n >= 600, 20_000);
    fleet.flood('off');
    expect(server.stats().decodeErrors).toBe(0);
    expect(server.stats().rateLimited).toBe(0);
    expect(online(server)).toBe(3);
  });

  it('refuses unusable options with a message naming the option', async () => {
    await expect(startFleet({ agents: 1, endpoint: 'ws://127.0.0.1:1/v1/opamp', failureRate: 2 })).rejects.toThrow(/failureRate must be within 0–1, got 2/);
    await expect(startFleet({ agents: 1, endpoint: 'http://127.0.0.1:1/v1/opamp' })).rejects.toThrow(/endpoint must be a ws:\/\/ or wss:\/\/ URL for transport "ws"/);
    await expect(startFleet({ agents: 1, endpoint: 'ws://127.0.0.1:1/v1/opamp', agentsPerProcess: 20_000 })).rejects.toThrow(/agentsPerProcess must be 1–19000/);
    await expect(startFleet({ agents: 0, endpoint: 'ws://127.0.0.1:1/v1/opamp' })).rejects.toThrow(/agents must be a positive integer/);
    await expect(startFleet({ agents: 1, endpoint: 'ws://127.0.0.1:1/v1/opamp', downloadAttempts: 0 })).rejects.toThrow(/downloadAttempts must be a positive integer, got 0/);
  });
});
