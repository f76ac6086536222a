import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAgentToServer } from '../../src/opamp/codec.ts';
import { AgentCapabilities as A, ServerCapabilities as S, ServerErrorResponseType, ServerToAgentFlags } from '../../src/opamp/messages.ts';
import { uuidToString, uuidv7 } from '../../src/opamp/uuid.ts';
import { hello, post, postMessage, serverFixture, waitFor } from './agent-peer.ts';

const fixture = serverFixture();
afterEach(() => fixture.stopAll());

const caps = A.ReportsStatus | A.AcceptsPackages;
const serverCaps = S.AcceptsStatus | S.OffersPackages | S.AcceptsPackagesStatus;

describe('OpAMP over plain HTTP', () => {
  it('replies with exactly application/x-protobuf, the capabilities on every reply, the uid echoed', async () => {
    const { url } = await fixture.start();
    const uid = uuidv7();
    const first = await postMessage(url, hello(uid, 1, caps));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/x-protobuf');
    expect(first.message).toEqual({ instanceUid: uid, capabilities: serverCaps, flags: ServerToAgentFlags.ReportFullState });
    const second = await postMessage(url, hello(uid, 2, caps));
    expect(second.message).toEqual({ instanceUid: uid, capabilities: serverCaps });
  });

  it('accepts a gzip request body and gzips the reply when the client accepts it', async () => {
    const { server, url } = await fixture.start();
    const uid = uuidv7();
    const body = gzipSync(encodeAgentToServer(hello(uid, 1, caps, { agentDescription: { identifyingAttributes: [{ key: 'service.name', value: { stringValue: 'gz' } }] } })));
    const reply = await post(url, body, { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip, deflate' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.message?.instanceUid).toEqual(uid);
    expect(server.agents()[0]?.attributes).toEqual({ 'service.name': 'gz' });
    const plain = await postMessage(url, hello(uid, 2, caps), { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('refuses a missing or wrong bearer token with 401 and never registers the agent', async () => {
    const { server, url } = await fixture.start({ tokens: ['t0ken'] });
    const uid = uuidv7();
    expect((await postMessage(url, hello(uid, 1, caps))).status).toBe(401);
    const wrong = await postMessage(url, hello(uid, 1, caps), { Authorization: 'Bearer t0ke' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    expect(server.agents()).toEqual([]);
    // Checked before anything else: a wrong content type without a token is still 401.
    expect((await post(url, new Uint8Array(0), { 'Content-Type': 'text/plain' })).status).toBe(401);
    expect((await postMessage(url, hello(uid, 1, caps), { Authorization: 'Bearer t0ken' })).status).toBe(200);
  });

  it('answers 413 for a body over maxMessageBytes, declared, streamed or after gunzip', async () => {
    const { server, url } = await fixture.start({ maxMessageBytes: 1024 });
    expect((await post(url, new Uint8Array(2048))).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(new Uint8Array(4096));
    });
    expect(streamed).toBe(413);
    const bomb = gzipSync(new Uint8Array(64 * 1024)); // small on the wire, 64 KiB inflated
    expect(bomb.byteLength).toBeLessThan(1024);
    expect((await post(url, bomb, { 'Content-Encoding': 'gzip' })).status).toBe(413);
    expect(server.stats().oversized).toBe(3);
    expect((await postMessage(url, hello(uuidv7(), 1, caps))).status).toBe(200);
  });

  it('answers malformed protobuf with 400 and BadRequest, then closes a connection that keeps sending garbage', async () => {
    const { server, url } = await fixture.start({ maxBadMessages: 2 });
    const bad = await post(url, new Uint8Array([0x0a, 0x10, 0x01]));
    expect(bad.status).toBe(400);
    expect(bad.message?.errorResponse?.type).toBe(ServerErrorResponseType.BadRequest);
    expect(bad.headers.connection).toBe('keep-alive');
    const again = await post(url, new Uint8Array([0x0a, 0x10, 0x01]));
    expect(again.headers.connection).toBe('close');
    expect(server.stats().closedForBadMessages).toBe(1);
    const noUid = await postMessage(url, { sequenceNum: 1, capabilities: 1 });
    expect(noUid.message?.errorResponse?.errorMessage).toBe('instance_uid must be 16 bytes, got 0');
    expect(server.agents()).toEqual([]);
  });

  it('refuses other methods, content types and encodings with a clear status', async () => {
    const { url } = await fixture.start();
    const body = encodeAgentToServer(hello(uuidv7(), 1, caps));
    expect((await post(url, body, { 'Content-Type': 'application/json' })).status).toBe(415);
    expect((await post(url, body, { 'Content-Encoding': 'br' })).status).toBe(415);
    const bad = await post(url, body, { 'Content-Encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(bad.body.toString()).toMatch(/not valid gzip/);
    const get = await new Promise<{ status: number; allow: string | undefined }>((resolve) => {
      request(url, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow });
      }).end();
    });
    expect(get).toEqual({ status: 405, allow: 'POST' });
  });

  it('rate-limits an agent with 429 and Retry-After', async () => {
    const { url } = await fixture.start({ messagesPerSecond: 0.001, burst: 1 });
    const uid = uuidv7();
    expect((await postMessage(url, hello(uid, 1, caps))).status).toBe(200);
    const limited = await postMessage(url, hello(uid, 2, caps));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.message?.errorResponse?.type).toBe(ServerErrorResponseType.Unavailable);
    expect(limited.message?.instanceUid).toEqual(uid);
    expect((await postMessage(url, hello(uuidv7(), 1, caps))).status).toBe(200);
  });

  it('answers 503 with Retry-After when the registry is full', async () => {
    const { url } = await fixture.start({ maxAgents: 1, retryAfterSeconds: 9 });
    expect((await postMessage(url, hello(uuidv7(), 1, caps))).status).toBe(200);
    const full = await postMessage(url, hello(uuidv7(), 1, caps));
    expect(full.status).toBe(503);
    expect(full.headers['retry-after']).toBe('9');
    expect(full.message?.errorResponse?.retryInfo?.retryAfterNanoseconds).toBe(9e9);
  });

  it('delivers a changed offer on the next poll, and only to agents that accept packages', async () => {
    const { server, url } = await fixture.start();
    const yes = uuidv7();
    const no = uuidv7();
    await postMessage(url, hello(yes, 1, caps));
    await postMessage(url, hello(no, 1, A.ReportsStatus));
    const offer = (uid: Uint8Array) => ({ uid: uuidToString(uid), allPackagesHash: 'c0', packages: { '': { type: 'TopLevel' as const, version: '2.0.0', hash: 'c001', file: { url: 'pkgs/otelcol.tgz', sha256: '00'.repeat(32), signature: 'AQID' } } } });
    expect(() => server.setOffers([offer(yes)])).toThrow(/relative and no publicBaseUrl/);
    const { server: based, url: basedUrl } = await fixture.start({ publicBaseUrl: 'https://cdn.example/store', downloadHeaders: { Authorization: 'Bearer dl' } });
    await postMessage(basedUrl, hello(yes, 1, caps));
    await postMessage(basedUrl, hello(no, 1, A.ReportsStatus));
    based.setOffers([offer(yes), offer(no)]);
    const got = await postMessage(basedUrl, hello(yes, 2, caps));
    expect(got.message?.packagesAvailable?.packages?.['']?.file).toEqual({
      downloadUrl: 'https://cdn.example/store/pkgs/otelcol.tgz',
      contentHash: new Uint8Array(32),
      signature: new Uint8Array([1, 2, 3]),
      headers: { headers: [{ key: 'Authorization', value: 'Bearer dl' }] },
    });
    expect((await postMessage(basedUrl, hello(yes, 3, caps))).message?.packagesAvailable).toBeUndefined();
    expect((await postMessage(basedUrl, hello(no, 2, A.ReportsStatus))).message?.packagesAvailable).toBeUndefined();
    expect(server.stats().offersSent).toBe(0);
  });

  it('marks an HTTP agent offline after 3 missed heartbeats and forgets it after the retention', async () => {
    let now = 0;
    const { server, url } = await fixture.start({ clock: { now: () => now }, heartbeatIntervalSeconds: 10, offlineRetentionMs: 60_000, sweepIntervalMs: 20 });
    const reasons: string[] = [];
    server.on('agentDisconnected', ({ reason }) => reasons.push(reason));
    await postMessage(url, hello(uuidv7(), 1, caps));
    now = 29_000;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.agents()[0]?.online).toBe(true);
    now = 31_000;
    await waitFor(() => server.agents()[0]?.online === false, 'offline after 3 missed polls');
    now = 92_000;
    await waitFor(() => server.agents().length === 0, 'the agent to be forgotten');
    expect(reasons).toEqual(['heartbeatMissed', 'forgotten']);
  });
});
