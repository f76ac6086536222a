import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/opamp/uuid.ts';
import { connectWsAgent, hello, postMessage, serverFixture, upgradeStatus, waitFor } from './agent-peer.ts';

const fixture = serverFixture();
afterEach(() => fixture.stopAll());

function capturedLogger(): { logger: pino.Logger; lines: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => chunks.join('') };
}

describe('liveness and logging', () => {
  it('terminates a WebSocket that stops answering pings, marking only that agent offline', async () => {
    const { server, wsUrl } = await fixture.start({ heartbeatIntervalSeconds: 1 });
    const deaf = await connectWsAgent(wsUrl, {}, false);
    const alive = await connectWsAgent(wsUrl);
    await deaf.exchange(hello(deaf.uid, 1, 1));
    await alive.exchange(hello(alive.uid, 1, 1));
    await waitFor(() => deaf.closed, 'the deaf connection to be terminated');
    await waitFor(() => server.agents().some((agent) => !agent.online), 'the deaf agent offline');
    expect(server.agents().filter((agent) => agent.online)).toHaveLength(1);
    expect(alive.closed).toBeUndefined();
    await alive.close();
  });

  it('warns loudly when no authentication is configured', async () => {
    const { logger, lines } = capturedLogger();
    await fixture.start({ logger });
    expect(lines()).toMatch(/"level":40.*NO agent authentication: ANY client can connect/);
  });

  it('never logs tokens, neither configured nor presented', async () => {
    const { logger, lines } = capturedLogger();
    const { url, wsUrl } = await fixture.start({ logger, tokens: ['configured-secret-1'] });
    await postMessage(url, hello(uuidv7(), 1, 1), { Authorization: 'Bearer presented-secret-2' });
    await upgradeStatus(wsUrl, { Authorization: 'Bearer presented-secret-3' });
    const agent = await connectWsAgent(wsUrl, { Authorization: 'Bearer configured-secret-1' });
    await agent.exchange(hello(agent.uid, 1, 1));
    await agent.close();
    const log = lines();
    expect(log).toMatch(/not authenticated/);
    expect(log).not.toMatch(/secret/);
    expect(log).not.toMatch(/NO agent authentication/);
  });
});
