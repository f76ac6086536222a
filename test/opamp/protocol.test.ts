import { describe, expect, it } from 'vitest';
import { createEmitter } from '../../src/opamp/events.ts';
import type { OpampServerEvents } from '../../src/opamp/events.ts';
import { AgentToServerFlags } from '../../src/opamp/messages.ts';
import type { AgentDescription } from '../../src/opamp/messages.ts';
import { exchange } from '../../src/opamp/protocol.ts';
import type { ProtocolState, Session } from '../../src/opamp/protocol.ts';
import { uuidToString, uuidv7 } from '../../src/opamp/uuid.ts';

function setup(maxAgents = 100): { state: ProtocolState; events: string[]; http: () => Session } {
  const events: string[] = [];
  const emitter = createEmitter((error) => {
    throw error;
  });
  const record = (name: keyof OpampServerEvents) => emitter.on(name, (payload) => events.push(`${name} ${JSON.stringify(payload)}`));
  (['agentConnected', 'agentUpdated', 'packageStatusChanged', 'agentDisconnected'] as const).forEach(record);
  let id = 0;
  const state: ProtocolState = { agents: new Map(), offers: new Map(), openSessions: new Set(), maxAgents, retryAfterSeconds: 5, emitter };
  return { state, events, http: () => ({ id: (id += 1), transport: 'http', capabilitiesSent: false }) };
}

const describe1 = (name: string): AgentDescription => ({ identifyingAttributes: [{ key: 'service.name', value: { stringValue: name } }] });

describe('exchange', () => {
  it('emits agentUpdated only when something reported actually changed', () => {
    const { state, events, http } = setup();
    const uid = uuidv7();
    const u = uuidToString(uid);
    exchange(state, http(), { instanceUid: uid, sequenceNum: 1, capabilities: 1, agentDescription: describe1('a') }, 1);
    exchange(state, http(), { instanceUid: uid, sequenceNum: 2, capabilities: 1, agentDescription: describe1('a') }, 2);
    exchange(state, http(), { instanceUid: uid, sequenceNum: 3, capabilities: 1, agentDescription: describe1('b') }, 3);
    exchange(state, http(), { instanceUid: uid, sequenceNum: 4, capabilities: 0x9 }, 4);
    expect(events).toEqual([
      `agentConnected {"uid":"${u}","transport":"http"}`,
      `agentUpdated {"uid":"${u}"}`,
      `agentUpdated {"uid":"${u}"}`,
    ]);
  });

  it('reports a package that vanished from the statuses, and maps an unknown status to a failure with a reason', () => {
    const { state, events, http } = setup();
    const uid = uuidv7();
    exchange(state, http(), { instanceUid: uid, sequenceNum: 1, capabilities: 1, packageStatuses: { packages: { a: { name: 'a', status: 0 }, b: { name: 'b', status: 9 } } } }, 1);
    const agent = state.agents.get(uuidToString(uid))!;
    expect(agent.packages.b).toEqual({ name: 'b', state: 'InstallFailed', error: 'unknown package status 9', since: 1 });
    events.length = 0;
    exchange(state, http(), { instanceUid: uid, sequenceNum: 2, capabilities: 1, packageStatuses: { packages: { a: { name: 'a', status: 0 } } } }, 2);
    expect(events).toEqual([`agentUpdated {"uid":"${uuidToString(uid)}"}`, `packageStatusChanged {"uid":"${uuidToString(uid)}","package":"b"}`]);
    expect(Object.keys(agent.packages)).toEqual(['a']);
  });

  it('keys a package status by the map key when the status has no name', () => {
    const { state, http } = setup();
    const uid = uuidv7();
    exchange(state, http(), { instanceUid: uid, sequenceNum: 1, capabilities: 1, packageStatuses: { packages: { '': { status: 0, agentHasVersion: '1.0.0' } } } }, 1);
    expect(state.agents.get(uuidToString(uid))?.packages['']).toEqual({ name: '', state: 'Installed', hasVersion: '1.0.0', since: 1 });
  });

  it('forgets the old uid of an HTTP agent that asks for a new one', () => {
    const { state, events, http } = setup();
    const uid = uuidv7();
    exchange(state, http(), { instanceUid: uid, sequenceNum: 1, capabilities: 1 }, 1);
    const { reply } = exchange(state, http(), { instanceUid: uid, sequenceNum: 2, capabilities: 1, flags: AgentToServerFlags.RequestInstanceUid }, 2);
    const fresh = uuidToString(reply.agentIdentification!.newInstanceUid!);
    expect([...state.agents.keys()]).toEqual([fresh]);
    expect(events).toContain(`agentDisconnected {"uid":"${uuidToString(uid)}","reason":"reassigned"}`);
    expect(events.at(-1)).toBe(`agentConnected {"uid":"${fresh}","transport":"http"}`);
  });

  it('refuses new agents beyond maxAgents with Unavailable, keeps serving known ones', () => {
    const { state, http } = setup(1);
    const known = uuidv7();
    exchange(state, http(), { instanceUid: known, sequenceNum: 1, capabilities: 1 }, 1);
    const refused = exchange(state, http(), { instanceUid: uuidv7(), sequenceNum: 1, capabilities: 1 }, 2);
    expect(refused.reply.errorResponse).toEqual({ type: 2, errorMessage: 'registry full (1 agents)', retryInfo: { retryAfterNanoseconds: 5e9 } });
    expect(refused.bad).toBe(false);
    expect(exchange(state, http(), { instanceUid: known, sequenceNum: 2, capabilities: 1 }, 3).reply.errorResponse).toBeUndefined();
    expect(state.agents.size).toBe(1);
  });
});
