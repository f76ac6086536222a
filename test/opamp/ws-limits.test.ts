import { afterEach, describe, expect, it } from 'vitest';
import { encodeAgentToServer } from '../../src/opamp/codec.ts';
import { AgentCapabilities as A, ServerErrorResponseType } from '../../src/opamp/messages.ts';
import { uuidToString } from '../../src/opamp/uuid.ts';
import { connectWsAgent, hello, serverFixture, upgradeStatus, waitFor } from './agent-peer.ts';
import type { WsAgent } from './agent-peer.ts';

const fixture = serverFixture();
afterEach(() => fixture.stopAll());

const caps = A.ReportsStatus;

describe('WebSocket authentication and limits', () => {
  it('refuses the upgrade with 401 without a valid bearer token, accepts a valid one', async () => {
    const { server, wsUrl } = await fixture.start({ tokens: ['s3cret', 'other'] });
    expect((await upgradeStatus(wsUrl)).status).toBe(401);
    const wrong = await upgradeStatus(wsUrl, { Authorization: 'Bearer s3cre' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    const agent = await connectWsAgent(wsUrl, { Authorization: 'Bearer other' });
    expect((await agent.exchange(hello(agent.uid, 1, caps))).capabilities).toBeDefined();
    expect(server.stats().rejectedAuth).toBe(2);
    expect(server.agents()).toHaveLength(1);
    await agent.close();
  });

  it('closes with 1009 when a message exceeds maxMessageBytes', async () => {
    const { server, wsUrl } = await fixture.start({ maxMessageBytes: 1024 });
    const agent = await connectWsAgent(wsUrl);
    await agent.exchange(hello(agent.uid, 1, caps));
    agent.sendRaw(new Uint8Array(2048));
    const closed = await waitFor(() => agent.closed, 'close 1009');
    expect(closed.code).toBe(1009);
    await waitFor(() => server.stats().oversized === 1, 'the oversized counter');
    await waitFor(() => server.agents()[0]?.online === false, 'the agent to go offline');
  });

  it('answers malformed frames with BadRequest and closes after maxBadMessages', async () => {
    const { server, wsUrl } = await fixture.start({ maxBadMessages: 3 });
    const agent = await connectWsAgent(wsUrl);
    agent.sendRaw(new Uint8Array([0x00, 0x0a, 0x10, 0x01])); // header + truncated field
    const first = await agent.nextMessage(0);
    expect(first.errorResponse?.type).toBe(ServerErrorResponseType.BadRequest);
    expect(first.errorResponse?.errorMessage).toMatch(/^malformed AgentToServer/);
    agent.sendRaw(new Uint8Array([0x01, 0x0a])); // non-zero header
    expect((await agent.nextMessage(1)).errorResponse?.errorMessage).toBe('WebSocket frame header must be 0, got 1');
    agent.sendRaw('text is not OpAMP');
    expect((await agent.nextMessage(2)).errorResponse?.errorMessage).toMatch(/binary frames/);
    const closed = await waitFor(() => agent.closed, 'the close after 3 strikes');
    expect(closed).toEqual({ code: 1008, reason: 'too many malformed messages' });
    expect(server.stats()).toMatchObject({ decodeErrors: 2, closedForBadMessages: 1 });
  });

  it('accepts a legacy headerless frame', async () => {
    const { wsUrl } = await fixture.start();
    const agent = await connectWsAgent(wsUrl);
    agent.sendRaw(encodeAgentToServer(hello(agent.uid, 1, caps)));
    const reply = await agent.nextMessage(0);
    expect(reply.instanceUid).toEqual(agent.uid);
    expect(reply.errorResponse).toBeUndefined();
    await agent.close();
  });

  it('answers an agent over its message rate with Unavailable and retry_info, other agents unaffected', async () => {
    const { server, wsUrl } = await fixture.start({ messagesPerSecond: 0.001, burst: 2 });
    const noisy = await connectWsAgent(wsUrl);
    const calm = await connectWsAgent(wsUrl);
    await noisy.exchange(hello(noisy.uid, 1, caps));
    await noisy.exchange(hello(noisy.uid, 2, caps));
    const limited = await noisy.exchange(hello(noisy.uid, 3, caps));
    expect(limited.instanceUid).toEqual(noisy.uid);
    expect(limited.errorResponse?.type).toBe(ServerErrorResponseType.Unavailable);
    expect(limited.errorResponse?.retryInfo?.retryAfterNanoseconds).toBeGreaterThanOrEqual(1e9);
    expect((await calm.exchange(hello(calm.uid, 1, caps))).errorResponse).toBeUndefined();
    expect(server.stats().rateLimited).toBe(1);
    await Promise.all([noisy.close(), calm.close()]);
  });

  it('refuses upgrades beyond maxConnections with 503 and Retry-After', async () => {
    const { server, wsUrl } = await fixture.start({ maxConnections: 1, retryAfterSeconds: 7 });
    const agent = await connectWsAgent(wsUrl);
    const refused = await upgradeStatus(wsUrl);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('7');
    expect(server.stats().rejectedCapacity).toBe(1);
    await agent.close();
    await waitFor(() => server.stats().websocketConnectionsOpen === 0, 'the slot to free');
    expect((await upgradeStatus(wsUrl)).status).toBe(101);
  });

  it('cuts off an agent that stops reading while replies pile up, and keeps serving others', async () => {
    const { server, wsUrl } = await fixture.start({ maxBufferedBytes: 64 * 1024 });
    const sleeper = await connectWsAgent(wsUrl);
    const reader = await connectWsAgent(wsUrl);
    await sleeper.exchange(hello(sleeper.uid, 1, A.ReportsStatus | A.AcceptsPackages));
    await reader.exchange(hello(reader.uid, 1, A.ReportsStatus));
    (sleeper.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // Each new set is pushed at once: ~100 KiB per offer, until the kernel buffers are full.
    const uid = uuidToString(sleeper.uid);
    const packages = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`pkg-${i}`, { type: 'Addon' as const, version: '1.0.0', hash: 'ab'.repeat(16), file: { url: `https://store.example/${'x'.repeat(40)}/${i}`, sha256: 'cd'.repeat(32) } }]));
    for (let round = 0; round < 400 && server.stats().closedSlowConsumers === 0; round += 1) {
      server.setOffers([{ uid, allPackagesHash: round.toString(16).padStart(4, '0'), packages }]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(server.stats().closedSlowConsumers).toBe(1);
    await waitFor(() => server.agents().find((agent) => agent.uid === uid)?.online === false, 'the sleeper offline');
    expect((await reader.exchange(hello(reader.uid, 2, A.ReportsStatus))).errorResponse).toBeUndefined();
    sleeper.ws.terminate();
    await reader.close();
  });

  it('survives a garbage storm from one agent while 100 others keep working', async () => {
    const { server, wsUrl } = await fixture.start({ maxBadMessages: 50, messagesPerSecond: 1000, burst: 1000 });
    const fleet: WsAgent[] = [];
    for (let i = 0; i < 100; i += 1) fleet.push(await connectWsAgent(wsUrl));
    await Promise.all(fleet.map((agent) => agent.exchange(hello(agent.uid, 1, caps))));
    const attacker = await connectWsAgent(wsUrl);
    const garbage = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 256);
    garbage[0] = 0x00;
    garbage[1] = 0xff; // a tag that is never valid, whatever follows
    const storm = (async () => {
      for (let i = 0; i < 200 && attacker.ws.readyState === attacker.ws.OPEN; i += 1) {
        attacker.sendRaw(garbage);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let round = 2; round <= 4; round += 1) {
      const replies = await Promise.all(fleet.map((agent) => agent.exchange(hello(agent.uid, round, caps))));
      for (const [i, reply] of replies.entries()) {
        expect(reply.instanceUid).toEqual(fleet[i]!.uid);
        expect(reply.errorResponse).toBeUndefined();
        expect(reply.flags).toBeUndefined();
      }
    }
    await storm;
    const closed = await waitFor(() => attacker.closed, 'the attacker to be cut off');
    expect(closed.code).toBe(1008);
    expect(server.agents().filter((agent) => agent.online)).toHaveLength(100);
    expect(server.stats().decodeErrors).toBeGreaterThanOrEqual(50);
    await Promise.all(fleet.map((agent) => agent.close()));
  });
});
