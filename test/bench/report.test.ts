/**
 * What the simulated agents put on the wire: heartbeats are 25 bytes, full reports come
 * close to the configured size, and both decode as the server would decode them.
 */
import { describe, expect, it } from 'vitest';
import { decodeAgentToServer, encodeAgentToServer } from '../../src/opamp/codec.ts';
import { simulatedIdentity, simulatedUid } from '../../bench/fleet/identity.ts';
import { SimAgent } from '../../bench/fleet/sim-agent.ts';
import type { AgentHost } from '../../bench/fleet/sim-agent.ts';

const host: AgentHost = { send: () => undefined, download: async () => undefined, installDelayMs: 0, failureRate: 0, random: () => 0.5, milestone: () => undefined };

describe('simulated agent messages', () => {
  it('sends 25-byte heartbeats with the capabilities (the server takes them from every message)', () => {
    const agent = new SimAgent(7, simulatedIdentity(1, 7, 400, {}), host);
    agent.sequenceNum = 20_000;
    const bytes = encodeAgentToServer(agent.heartbeat());
    expect(bytes.byteLength).toBe(25);
    expect(decodeAgentToServer(bytes)).toMatchObject({ sequenceNum: 20_001, capabilities: 0x2819 });
  });

  it.each([400, 5 * 1024, 16 * 1024])('pads the full report to %i bytes, give or take a few', (statusBytes) => {
    const agent = new SimAgent(3, simulatedIdentity(1, 3, statusBytes, { ring: 'early' }), host);
    const size = encodeAgentToServer(agent.fullReport()).byteLength;
    expect(Math.abs(size - statusBytes)).toBeLessThanOrEqual(24);
  });

  it('does not pad a report asked to be smaller than its content', () => {
    const agent = new SimAgent(3, simulatedIdentity(1, 3, 10, {}), host);
    const report = agent.fullReport();
    expect(report.agentDescription?.nonIdentifyingAttributes?.some((kv) => kv.key?.startsWith('sim.pad.'))).toBe(false);
  });

  it('derives the same uid from the same seed and index, and different ones otherwise', () => {
    expect(simulatedUid(1, 5)).toEqual(simulatedUid(1, 5));
    expect(simulatedUid(1, 5)).not.toEqual(simulatedUid(1, 6));
    expect(simulatedUid(2, 5)).not.toEqual(simulatedUid(1, 5));
    expect((simulatedUid(1, 5)[6] ?? 0) >> 4).toBe(4);
  });
});
