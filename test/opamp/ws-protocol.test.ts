import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities as A, AgentToServerFlags, ServerCapabilities as S, ServerErrorResponseType, ServerToAgentFlags } from '../../src/opamp/messages.ts';
import type { AgentOffer } from '../../src/rollout/types.ts';
import { uuidToString } from '../../src/opamp/uuid.ts';
import { connectWsAgent, hello, serverFixture, waitFor } from './agent-peer.ts';

const fixture = serverFixture();
afterEach(() => fixture.stopAll());

const reports = A.ReportsStatus | A.ReportsPackageStatuses;
const accepts = reports | A.AcceptsPackages;
const serverCaps = S.AcceptsStatus | S.OffersPackages | S.AcceptsPackagesStatus;
const sha = 'ab'.repeat(32);

function offerFor(uid: Uint8Array, version = '1.5.0', aggregate = 'a1'): AgentOffer {
  return {
    uid: uuidToString(uid),
    allPackagesHash: aggregate,
    packages: { otelcol: { type: 'TopLevel', version, hash: `${aggregate}01`, file: { url: `https://store.example/otelcol-${version}.tar.gz`, sha256: sha } } },
  };
}

describe('OpAMP over WebSocket', () => {
  it('sends the capabilities in the first reply only, echoes the uid, answers every message', async () => {
    const { wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    const first = await agent.exchange(hello(agent.uid, 1, reports));
    expect(first.capabilities).toBe(serverCaps);
    expect(first.instanceUid).toEqual(agent.uid);
    const second = await agent.exchange(hello(agent.uid, 2, reports));
    expect(second).toEqual({ instanceUid: agent.uid });
    await agent.close();
  });

  it('never offers to an agent without AcceptsPackages, yet advertises OffersPackages', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    server.setOffers([offerFor(agent.uid)]);
    const first = await agent.exchange(hello(agent.uid, 1, reports));
    expect(first.capabilities! & S.OffersPackages).toBe(S.OffersPackages);
    expect(first.packagesAvailable).toBeUndefined();
    await agent.exchange(hello(agent.uid, 2, reports));
    server.setOffers([offerFor(agent.uid, '1.6.0', 'b2')]);
    await agent.exchange(hello(agent.uid, 3, reports));
    expect(agent.received.every((m) => m.packagesAvailable === undefined)).toBe(true);
    expect(server.stats().offersSent).toBe(0);
    expect(server.agents()[0]?.acceptsPackages).toBe(false);
    await agent.close();
  });

  it('offers once the agent adds AcceptsPackages mid-connection, with hashes as bytes', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    server.setOffers([offerFor(agent.uid)]);
    await agent.exchange(hello(agent.uid, 1, reports));
    const reply = await agent.exchange(hello(agent.uid, 2, accepts));
    const offered = reply.packagesAvailable;
    expect(offered?.allPackagesHash).toEqual(new Uint8Array([0xa1]));
    expect(offered?.packages?.otelcol).toEqual({
      version: '1.5.0',
      hash: new Uint8Array([0xa1, 0x01]),
      file: { downloadUrl: 'https://store.example/otelcol-1.5.0.tar.gz', contentHash: new Uint8Array(32).fill(0xab) },
    });
    expect(server.agents()[0]?.delivered).toEqual({ otelcol: { hash: 'a101', at: expect.any(Number) } });
    // Delivered: no repeat while the agent reports the same aggregate back.
    const echo = await agent.exchange(hello(agent.uid, 3, accepts, { packageStatuses: { serverProvidedAllPackagesHash: new Uint8Array([0xa1]) } }));
    expect(echo.packagesAvailable).toBeUndefined();
    await agent.close();
  });

  it('re-offers when the agent echoes an aggregate that is not the wanted one', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    server.setOffers([offerFor(agent.uid)]);
    expect((await agent.exchange(hello(agent.uid, 1, accepts))).packagesAvailable).toBeDefined();
    const stale = await agent.exchange(hello(agent.uid, 2, accepts, { packageStatuses: { serverProvidedAllPackagesHash: new Uint8Array([0x99]) } }));
    expect(stale.packagesAvailable?.allPackagesHash).toEqual(new Uint8Array([0xa1]));
    await agent.close();
  });

  it('pushes a changed set only to the agents whose set changed', async () => {
    const { server, wsUrl } = await fixture.start();
    const agents = await Promise.all([0, 1, 2].map(() => connectWsAgent(wsUrl)));
    const [a, b, c] = agents as [typeof agents[0], typeof agents[0], typeof agents[0]];
    server.setOffers([offerFor(a.uid), offerFor(b.uid)]);
    for (const agent of agents) await agent.exchange(hello(agent.uid, 1, agent === c ? reports : accepts));
    const counts = agents.map((agent) => agent.received.length);
    server.setOffers([offerFor(a.uid, '1.6.0', 'b2'), offerFor(b.uid), offerFor(c.uid, '1.6.0', 'b2')]);
    const pushed = await a.nextMessage(counts[0]);
    expect(pushed.instanceUid).toEqual(a.uid);
    expect(pushed.packagesAvailable?.packages?.otelcol?.version).toBe('1.6.0');
    // b's set is unchanged and c does not accept packages: a round-trip proves nothing was queued before it.
    expect((await b.exchange(hello(b.uid, 2, accepts))).packagesAvailable).toBeUndefined();
    expect((await c.exchange(hello(c.uid, 2, reports))).packagesAvailable).toBeUndefined();
    expect(b.received.length).toBe(counts[1]! + 1);
    expect(c.received.length).toBe(counts[2]! + 1);
    await Promise.all(agents.map((agent) => agent.close()));
  });

  it('asks for the full state on a sequence gap and for an agent it holds no state for', async () => {
    const { wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    expect((await agent.exchange(hello(agent.uid, 0, reports))).flags).toBe(ServerToAgentFlags.ReportFullState);
    expect((await agent.exchange(hello(agent.uid, 1, reports))).flags).toBeUndefined();
    expect((await agent.exchange(hello(agent.uid, 5, reports))).flags).toBe(ServerToAgentFlags.ReportFullState);
    expect((await agent.exchange(hello(agent.uid, 6, reports))).flags).toBeUndefined();
    await agent.close();
  });

  it('treats missing sub-messages as unchanged', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    await agent.exchange(hello(agent.uid, 1, accepts, {
      agentDescription: { identifyingAttributes: [{ key: 'service.name', value: { stringValue: 'otelcol' } }], nonIdentifyingAttributes: [{ key: 'os.type', value: { stringValue: 'linux' } }, { key: 'host.arch', value: { stringValue: 'arm64' } }] },
      health: { healthy: true },
      packageStatuses: { packages: { otelcol: { name: 'otelcol', agentHasVersion: '1.4.0', agentHasHash: new Uint8Array([1]), status: 0 } } },
    }));
    const before = server.agents()[0]!;
    await agent.exchange(hello(agent.uid, 2, reports));
    const after = server.agents()[0]!;
    expect(after.attributes).toEqual({ 'service.name': 'otelcol', 'os.type': 'linux', 'host.arch': 'arm64' });
    expect(after.platform).toEqual({ os: 'linux', arch: 'arm64' });
    expect(after.health).toEqual(before.health);
    expect(after.packages).toEqual({ otelcol: { name: 'otelcol', hasVersion: '1.4.0', hasHash: '01', state: 'Installed', since: before.packages.otelcol!.since } });
    expect(after.acceptsPackages).toBe(false); // capabilities are always the latest
    await agent.close();
  });

  it('assigns a new UUID v7 on RequestInstanceUid and files the agent under it', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    const reply = await agent.exchange(hello(agent.uid, 1, reports, { flags: AgentToServerFlags.RequestInstanceUid }));
    expect(reply.instanceUid).toEqual(agent.uid);
    const fresh = reply.agentIdentification?.newInstanceUid;
    expect(fresh?.byteLength).toBe(16);
    expect((fresh![6]! >> 4)).toBe(7);
    expect(server.agents().map((a) => a.uid)).toEqual([uuidToString(fresh!)]);
    expect((await agent.exchange(hello(fresh!, 2, reports))).flags).toBeUndefined();
    await agent.close();
  });

  it('breaks a duplicate live uid with agent_identification and leaves the first agent alone', async () => {
    const { server, wsUrl } = await fixture.start();
    const first = await connectWsAgent(wsUrl);
    const second = await connectWsAgent(wsUrl);
    second.uid = first.uid;
    await first.exchange(hello(first.uid, 1, reports));
    const reply = await second.exchange(hello(first.uid, 1, reports));
    expect(reply.instanceUid).toEqual(first.uid);
    const fresh = reply.agentIdentification?.newInstanceUid;
    expect(fresh).toBeDefined();
    expect(uuidToString(fresh!)).not.toBe(uuidToString(first.uid));
    expect((await first.exchange(hello(first.uid, 2, reports))).agentIdentification).toBeUndefined();
    expect(server.agents().map((a) => a.uid).sort()).toEqual([uuidToString(first.uid), uuidToString(fresh!)].sort());
    await Promise.all([first.close(), second.close()]);
  });

  it('marks the agent offline on close and on agent_disconnect, and emits events with the uid', async () => {
    const { server, wsUrl } = await fixture.start();
    const events: string[] = [];
    server.on('agentConnected', ({ uid }) => events.push(`connected ${uid}`));
    server.on('agentDisconnected', ({ uid, reason }) => events.push(`disconnected ${uid} ${reason}`));
    const changed: string[] = [];
    server.onChange((uid) => changed.push(uid));
    const a = await connectWsAgent(wsUrl);
    const b = await connectWsAgent(wsUrl);
    await a.exchange(hello(a.uid, 1, reports));
    await b.exchange(hello(b.uid, 1, reports));
    await b.exchange(hello(b.uid, 2, reports, { agentDisconnect: {} }));
    await a.close();
    const ua = uuidToString(a.uid);
    const ub = uuidToString(b.uid);
    await waitFor(() => server.agents().every((agent) => !agent.online), 'both agents offline');
    expect(events).toEqual([`connected ${ua}`, `connected ${ub}`, `disconnected ${ub} disconnect`, `disconnected ${ua} closed`]);
    expect(new Set(changed)).toEqual(new Set([ua, ub]));
    await b.close();
  });

  it('tracks health and package "since" times across repeated reports', async () => {
    let now = 1_000;
    const { server, wsUrl } = await fixture.start({ clock: { now: () => now } });
    const agent = await connectWsAgent(wsUrl);
    const statuses = (state: number, offered: number) => ({ packages: { p: { name: 'p', status: state, serverOfferedHash: new Uint8Array([offered]) } } });
    const changes: string[] = [];
    server.on('packageStatusChanged', ({ package: name, state }) => changes.push(`${name}:${state}`));
    await agent.exchange(hello(agent.uid, 1, accepts, { health: { healthy: false }, packageStatuses: statuses(4, 1) }));
    now = 2_000;
    await agent.exchange(hello(agent.uid, 2, accepts, { health: { healthy: false }, packageStatuses: statuses(4, 1) }));
    expect(server.agents()[0]?.health).toEqual({ healthy: false, since: 1_000 });
    expect(server.agents()[0]?.packages.p?.since).toBe(1_000);
    now = 3_000;
    await agent.exchange(hello(agent.uid, 3, accepts, { health: { healthy: true }, packageStatuses: statuses(0, 1) }));
    expect(server.agents()[0]?.health).toEqual({ healthy: true, since: 3_000 });
    expect(server.agents()[0]?.packages.p).toMatchObject({ state: 'Installed', since: 3_000, offeredHash: '01' });
    expect(server.agents()[0]?.lastSeen).toBe(3_000);
    expect(changes).toEqual(['p:Downloading', 'p:Installed']);
    await agent.close();
  });

  it('answers a message without a 16-byte uid with BadRequest', async () => {
    const { wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    const reply = await agent.exchange({ instanceUid: new Uint8Array(4), sequenceNum: 1, capabilities: 1 });
    expect(reply.errorResponse).toEqual({ type: ServerErrorResponseType.BadRequest, errorMessage: 'instance_uid must be 16 bytes, got 4' });
    expect(reply.instanceUid).toEqual(new Uint8Array(4));
    expect(reply.capabilities).toBeUndefined();
    // The error reply did not count as the first reply: the next one carries the capabilities.
    expect((await agent.exchange(hello(agent.uid, 1, reports))).capabilities).toBe(serverCaps);
    await agent.close();
  });

  it('closes every connection with 1001 on shutdown', async () => {
    const { server, wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    await agent.exchange(hello(agent.uid, 1, reports));
    await server.close();
    const closed = await waitFor(() => agent.closed, 'the close frame');
    expect(closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });
});
