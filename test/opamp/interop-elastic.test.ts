/**
 * Interop with an OpAMP client nobody here wrote: @elastic/opamp-client-node (plain HTTP,
 * strict about the reply's content type and instance uid, sequence numbers from 1).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createOpAMPClient, DIAG_CH_SEND_FAIL, DIAG_CH_SEND_SUCCESS } from '@elastic/opamp-client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerCapabilities as S, ServerToAgentFlags } from '../../src/opamp/messages.ts';
import { uuidToString, uuidv7 } from '../../src/opamp/uuid.ts';
import { serverFixture, waitFor } from './agent-peer.ts';

const fixture = serverFixture();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await fixture.stopAll();
});

interface SendSuccess { a2s: { instanceUid: Uint8Array; sequenceNum: bigint }; s2a: { instanceUid: Uint8Array; capabilities: bigint; flags: bigint } }

describe('interop with @elastic/opamp-client-node', () => {
  it('connects over HTTP with a token, reports, honours ReportFullState and stays in the registry', async () => {
    const { server, url } = await fixture.start({ tokens: ['interop-token'] });
    const uid = uuidv7();
    const successes: SendSuccess[] = [];
    const failures: unknown[] = [];
    const onSuccess = (message: unknown): void => void successes.push(message as SendSuccess);
    const onFail = (message: unknown): void => void failures.push(message);
    subscribe(DIAG_CH_SEND_SUCCESS, onSuccess);
    subscribe(DIAG_CH_SEND_FAIL, onFail);
    cleanups.push(() => {
      unsubscribe(DIAG_CH_SEND_SUCCESS, onSuccess);
      unsubscribe(DIAG_CH_SEND_FAIL, onFail);
    });
    const client = createOpAMPClient({ endpoint: url, instanceUid: uid, headers: { Authorization: 'Bearer interop-token' }, heartbeatIntervalSeconds: 0.2, diagEnabled: true });
    cleanups.push(() => client.shutdown());
    client.setAgentDescription({
      identifyingAttributes: { 'service.name': 'elastic-interop' },
      nonIdentifyingAttributes: { 'os.type': 'linux', 'host.arch': 'amd64' },
    });
    client.start();

    await waitFor(() => successes.length >= 4, 'four successful exchanges');
    expect(failures).toEqual([]);
    const [first, second] = successes as [SendSuccess, SendSuccess];
    expect(first.a2s.sequenceNum).toBe(1n);
    expect(uuidToString(first.s2a.instanceUid)).toBe(uuidToString(uid));
    expect(Number(first.s2a.capabilities)).toBe(S.AcceptsStatus | S.OffersPackages | S.AcceptsPackagesStatus);
    expect(Number(first.s2a.flags)).toBe(ServerToAgentFlags.ReportFullState);
    expect(Number(second.s2a.flags)).toBe(0);

    const agent = server.agents().find((a) => a.uid === uuidToString(uid));
    expect(agent).toMatchObject({
      attributes: { 'service.name': 'elastic-interop', 'os.type': 'linux', 'host.arch': 'amd64' },
      platform: { os: 'linux', arch: 'amd64' },
      acceptsPackages: false,
      online: true,
    });
    const seenBefore = agent!.lastSeen;
    await waitFor(() => (server.agents()[0]?.lastSeen ?? 0) > seenBefore, 'a later heartbeat');
    expect(server.agents()).toHaveLength(1);
    expect(server.stats()).toMatchObject({ decodeErrors: 0, rejectedAuth: 0, offersSent: 0 });
  });

  it('gets 401 without the token and never enters the registry', async () => {
    const { server, url } = await fixture.start({ tokens: ['interop-token'] });
    const failures: unknown[] = [];
    const onFail = (message: unknown): void => void failures.push(message);
    subscribe(DIAG_CH_SEND_FAIL, onFail);
    cleanups.push(() => void unsubscribe(DIAG_CH_SEND_FAIL, onFail));
    const client = createOpAMPClient({ endpoint: url, heartbeatIntervalSeconds: 0.2, diagEnabled: true });
    cleanups.push(() => client.shutdown());
    client.setAgentDescription({ identifyingAttributes: { 'service.name': 'no-token' } });
    client.start();
    await waitFor(() => failures.length >= 1, 'the refused request');
    expect(String((failures[0] as { err: unknown }).err)).toMatch(/statusCode=401/);
    expect(server.agents()).toEqual([]);
    expect(server.stats().rejectedAuth).toBeGreaterThanOrEqual(1);
  });
});
