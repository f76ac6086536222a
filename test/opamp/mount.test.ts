import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpampServer } from '../../src/opamp/server.ts';
import { uuidv7 } from '../../src/opamp/uuid.ts';
import { connectWsAgent, hello, postMessage, upgradeStatus, waitFor } from './agent-peer.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('mounted on a shared HTTP server', () => {
  it('takes /v1/opamp requests and upgrades, leaves other paths to the host, and close() spares the host', async () => {
    const opamp = createOpampServer({});
    const host = createServer((req, res) => {
      if (!opamp.handleRequest(req, res)) res.end('host page');
    });
    const upgradesSeen: string[] = [];
    host.on('upgrade', (req, socket, head) => {
      if (opamp.handleUpgrade(req, socket, head)) return;
      upgradesSeen.push(req.url ?? '');
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => host.close(() => resolve())));
    const base = `127.0.0.1:${(host.address() as AddressInfo).port}`;

    const uid = uuidv7();
    expect((await postMessage(`http://${base}/v1/opamp`, hello(uid, 1, 1))).message?.instanceUid).toEqual(uid);
    expect((await postMessage(`http://${base}/v1/opamp?x=1`, hello(uid, 2, 1))).status).toBe(200);
    const page = await new Promise<string>((resolve) => {
      request(`http://${base}/healthz`, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      }).end();
    });
    expect(page).toBe('host page');
    expect((await upgradeStatus(`ws://${base}/elsewhere`)).status).toBe(404);
    expect(upgradesSeen).toEqual(['/elsewhere']);

    const agent = await connectWsAgent(`ws://${base}/v1/opamp`);
    await agent.exchange(hello(agent.uid, 1, 1));
    await opamp.close();
    expect(await waitFor(() => agent.closed, 'the 1001 close')).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(host.listening).toBe(true);
    expect((await postMessage(`http://${base}/v1/opamp`, hello(uid, 3, 1))).status).toBe(503);
  });
});
