import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { createSimulatedAgent } from '../../src/agent/simulated-agent.ts';
import { COLLECTOR, startWorld, waitFor, type World } from './world.ts';

/** Many simulated agents in one process: real OpAMP, real downloads and checks, nothing shared. */
describe('createSimulatedAgent', () => {
  let world: World;
  const agents: Agent[] = [];
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await world.close();
  });

  it('runs 12 agents in one process, each with its own uid, state and outcome', async () => {
    const trust = { publicKeyPems: [world.keys.publicKeyPem], requireSignature: true };
    for (let i = 0; i < 12; i++) {
      agents.push(createSimulatedAgent({
        endpoint: i % 2 === 0 ? world.wsUrl : world.httpUrl,
        transport: i % 2 === 0 ? 'ws' : 'http',
        heartbeatMs: 300,
        stateRoot: join(world.dir, 'fleet'),
        name: `edge-${i}`,
        serviceName: COLLECTOR,
        labels: { canary: String(i < 4) },
        initialVersion: '1.4.0',
        platform: world.platform,
        trust,
        install: { delayMs: 50, ...(i < 4 ? { failVersions: ['1.5.0'] } : {}), seed: i },
      }));
    }
    await Promise.all(agents.map((a) => a.start()));
    const uids = agents.map((a) => a.state().instanceUid);
    expect(new Set(uids).size).toBe(12);
    await waitFor(() => uids.every((uid) => world.agent(uid)?.online), 'all 12 online');
    expect(world.agent(uids[5] ?? '')?.attributes).toMatchObject({ 'host.name': 'edge-5', canary: 'false', 'service.version': '1.4.0' });

    const { offered } = await world.publish({ version: '1.5.0' });
    for (const uid of uids) world.offer(uid, { [COLLECTOR]: offered });
    await waitFor(() => uids.every((uid) => ['Installed', 'InstallFailed'].includes(world.agent(uid)?.packages[COLLECTOR]?.state ?? '')), 'every agent settled', 30_000);

    const states = uids.map((uid) => world.agent(uid)?.packages[COLLECTOR]?.state);
    expect(states).toEqual([...Array<string>(4).fill('InstallFailed'), ...Array<string>(8).fill('Installed')]);
    expect(world.agent(uids[0] ?? '')?.packages[COLLECTOR]?.error).toBe(`E_HEALTH: simulated failure installing ${COLLECTOR} 1.5.0; the previous version was restored`);
    await waitFor(() => world.agent(uids[11] ?? '')?.attributes['service.version'] === '1.5.0', 'service.version reported');
    expect(world.agent(uids[0] ?? '')?.attributes['service.version']).toBe('1.4.0');
    for (const uid of uids) {
      expect(world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending').slice(0, 2)).toEqual(['Downloading', 'Installing']);
    }
  });
});
