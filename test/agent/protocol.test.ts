import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_CAPABILITIES, createAgent, type Agent } from '../../src/agent/agent.ts';
import { createSimulatedInstaller } from '../../src/agent/simulated-installer.ts';
import { createHash } from 'node:crypto';
import { PackageStatusEnum, PackageType, ServerErrorResponseType, ServerToAgentFlags } from '../../src/opamp/messages.ts';
import { startFileServer } from './file-server.ts';
import { uuidToString, uuidv7 } from '../../src/opamp/uuid.ts';
import { startScriptedServer, type ScriptedServer } from './scripted-server.ts';
import { waitFor } from './world.ts';

/** The OpAMP client's manners, checked message by message against a scripted peer. */
describe('agent: OpAMP client protocol', () => {
  let server: ScriptedServer;
  let dir: string;
  let agent: Agent | undefined;
  beforeEach(async () => {
    server = await startScriptedServer();
    dir = await mkdtemp(join(tmpdir(), 'rm-proto-'));
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (heartbeatMs = 60_000, transport: 'ws' | 'http' = 'ws'): Promise<Agent> => {
    agent = createAgent({
      server: { endpoint: transport === 'ws' ? server.url : server.httpUrl, transport, heartbeatMs, reconnect: { initialMs: 20, maxMs: 100 }, maxMessageBytes: 1 << 20 },
      stateDir: join(dir, 'state'),
      serviceName: 'otelcol-custom',
      labels: { ring: 'canary' },
      initialVersion: '1.4.0',
      installer: createSimulatedInstaller(),
      trust: { publicKeyPems: [], requireSignature: false },
      limits: { maxBytes: 1 << 20, idleTimeoutMs: 5000, attempts: 1, retryDelayMs: 10 },
    });
    await agent.start();
    return agent;
  };

  it('sends the full state first, then only what changed, with rising sequence numbers and heartbeats', async () => {
    await start(200);
    await waitFor(() => server.received.length >= 3, 'two heartbeats');
    const [first, second] = server.received.map((r) => r.message);
    expect(first?.capabilities).toBe(AGENT_CAPABILITIES);
    expect(first?.agentDescription?.nonIdentifyingAttributes).toEqual(expect.arrayContaining([{ key: 'ring', value: { stringValue: 'canary' } }, { key: 'service.version', value: { stringValue: '1.4.0' } }]));
    expect(first?.health?.healthy).toBe(true);
    expect(first?.packageStatuses).toBeDefined();
    expect(second?.agentDescription).toBeUndefined();
    expect(second?.health).toBeUndefined();
    expect(second?.capabilities).toBe(AGENT_CAPABILITIES);
    const seq = server.received.map((r) => r.message.sequenceNum ?? 0);
    expect(seq).toEqual(seq.map((_, i) => (seq[0] ?? 0) + i));
  });

  it('answers ReportFullState with everything', async () => {
    server.reply = (m, _c, index) => ({ instanceUid: m.instanceUid ?? new Uint8Array(), ...(index === 1 ? { flags: ServerToAgentFlags.ReportFullState } : {}) });
    await start(150);
    await waitFor(() => server.received.length >= 3, 'the reply to ReportFullState');
    expect(server.received[1]?.message.agentDescription).toBeUndefined();
    expect(server.received[2]?.message.agentDescription).toBeDefined();
    expect(server.received[2]?.message.packageStatuses).toBeDefined();
  });

  it('adopts a new instance uid from agent_identification and persists it', async () => {
    const assigned = uuidv7();
    server.reply = (m, _c, index) => ({ instanceUid: m.instanceUid ?? new Uint8Array(), ...(index === 0 ? { agentIdentification: { newInstanceUid: assigned } } : {}) });
    const a = await start();
    await waitFor(() => server.received.length >= 2, 'a message with the new uid');
    expect(uuidToString(server.received[1]?.message.instanceUid ?? new Uint8Array(16))).toBe(uuidToString(assigned));
    expect(a.state().instanceUid).toBe(uuidToString(assigned));
    const persisted = JSON.parse(await readFile(join(dir, 'state', 'state.json'), 'utf8')) as { instanceUid: string };
    expect(persisted.instanceUid).toBe(uuidToString(assigned));
  });

  it('waits as long as Retry-After says when the upgrade is refused with 503', async () => {
    server.refuseUpgrades(1, 503, { 'Retry-After': '1' });
    await start();
    await waitFor(() => server.received.length >= 1, 'a connection after the refusal');
    expect(server.attempts).toHaveLength(2);
    // Backoff alone would retry after at most 100 ms.
    expect((server.attempts[1] ?? 0) - (server.attempts[0] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('over HTTP, waits as long as Retry-After says after a 503, then sends the full state', async () => {
    server.refuseUpgrades(1, 503, { 'Retry-After': '1' });
    await start(60_000, 'http');
    await waitFor(() => server.received.length >= 1, 'a request after the refusal');
    expect(server.attempts).toHaveLength(2);
    expect((server.attempts[1] ?? 0) - (server.attempts[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(server.received[0]?.message.agentDescription).toBeDefined();
  });

  it('reconnects after the retry_info of an Unavailable error response, not sooner', async () => {
    server.reply = (m, connection) =>
      connection === 1
        ? { instanceUid: m.instanceUid ?? new Uint8Array(), errorResponse: { type: ServerErrorResponseType.Unavailable, errorMessage: 'busy', retryInfo: { retryAfterNanoseconds: 1_200_000_000 } } }
        : { instanceUid: m.instanceUid ?? new Uint8Array() };
    await start();
    await waitFor(() => server.received.some((r) => r.connection === 2), 'the second connection');
    const first = server.received.find((r) => r.connection === 1);
    const second = server.received.find((r) => r.connection === 2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1150);
    expect(second?.message.agentDescription).toBeDefined();
  });

  it('reports Downloading with download_details, then Installed, echoing the offered hashes', async () => {
    const files = await startFileServer();
    try {
      const body = Buffer.alloc(300_000, 7);
      files.put('/addon', body);
      const offer = {
        allPackagesHash: new Uint8Array(32).fill(0xaa),
        packages: { extras: { type: PackageType.Addon, version: '0.1.0', hash: new Uint8Array(32).fill(0xbb), file: { downloadUrl: files.url('/addon'), contentHash: new Uint8Array(createHash('sha256').update(body).digest()) } } },
      };
      server.reply = (m, _c, index) => ({ instanceUid: m.instanceUid ?? new Uint8Array(), ...(index === 0 ? { packagesAvailable: offer } : {}) });
      await start();
      const statuses = () => server.received.map((r) => r.message.packageStatuses).filter((p) => p?.packages?.['extras']);
      // proto3: Installed is 0, the default, so it is absent on the wire.
      await waitFor(() => statuses().some((p) => (p?.packages?.['extras']?.status ?? 0) === PackageStatusEnum.Installed), 'Installed');
      const downloading = statuses().find((p) => p?.packages?.['extras']?.status === PackageStatusEnum.Downloading);
      expect(downloading?.packages?.['extras']?.downloadDetails).toBeDefined();
      const last = statuses().at(-1);
      expect(last?.packages?.['extras']).toMatchObject({ name: 'extras', agentHasVersion: '0.1.0', serverOfferedVersion: '0.1.0' });
      expect(last?.packages?.['extras']?.status ?? 0).toBe(PackageStatusEnum.Installed);
      expect(Buffer.from(last?.packages?.['extras']?.agentHasHash ?? []).toString('hex')).toBe('bb'.repeat(32));
      expect(Buffer.from(last?.serverProvidedAllPackagesHash ?? []).toString('hex')).toBe('aa'.repeat(32));
    } finally {
      await files.close();
    }
  });

  it('says agent_disconnect on stop', async () => {
    const a = await start();
    await waitFor(() => server.received.length >= 1, 'first message');
    await a.stop();
    agent = undefined;
    expect(server.received.at(-1)?.message.agentDisconnect).toBeDefined();
  });
});
