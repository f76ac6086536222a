import { describe, expect, it } from 'vitest';
import { describeAgentChanges } from '../../src/api/agent-events.ts';
import { createEventLog } from '../../src/api/event-log.ts';

describe('createEventLog', () => {
  it('numbers events from 1, keeps the newest `capacity`, and tells listeners in order', () => {
    const errors: unknown[] = [];
    const log = createEventLog({ capacity: 3, onListenerError: (e) => errors.push(e) });
    const seen: number[] = [];
    log.onEvent(() => {
      throw new Error('bad listener');
    });
    const off = log.onEvent((e) => seen.push(e.id));
    for (let i = 0; i < 5; i++) log.append({ at: i, kind: 'rollout', reason: 'RingStarted', message: `m${i}`, type: 'Normal' });
    off();
    log.append({ at: 9, kind: 'rollout', reason: 'Completed', message: 'done', type: 'Normal' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(errors).toHaveLength(6);
    expect(log.recentEvents(10).map((e) => e.id)).toEqual([4, 5, 6]);
    expect(log.recentEvents(2).map((e) => e.id)).toEqual([5, 6]);
    expect(log.recentEvents(0)).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createEventLog({ capacity: 0 })).toThrow('event log capacity must be a positive integer, got 0');
  });
});

describe('describeAgentChanges', () => {
  it('emits one event per agent whose ring or state changed, warnings for failures, removals last', () => {
    const prev = [{ policy: 'p', agents: { a: { ring: 'canary', state: 'installing' as const }, b: { ring: 'canary', state: 'healthy' as const }, gone: { ring: null, state: 'unassigned' as const } } },
      { policy: 'old', agents: { a: { ring: 'x', state: 'healthy' as const } } }];
    const next = [{ policy: 'p', agents: { a: { ring: 'canary', state: 'failed' as const, reason: 'exit 1' }, b: { ring: 'canary', state: 'healthy' as const }, c: { ring: 'early', state: 'pending' as const } } }];
    expect(describeAgentChanges(prev, next, 42)).toEqual([
      { at: 42, kind: 'agent', policy: 'p', ring: 'canary', agent: 'a', reason: 'failed', type: 'Warning', message: 'agent a installing → failed: exit 1' },
      { at: 42, kind: 'agent', policy: 'p', ring: 'early', agent: 'c', reason: 'pending', type: 'Normal', message: 'agent c new → pending' },
      { at: 42, kind: 'agent', policy: 'p', agent: 'gone', reason: 'removed', type: 'Normal', message: 'agent gone no longer selected by p' },
      { at: 42, kind: 'agent', policy: 'old', agent: 'a', reason: 'removed', type: 'Normal', message: 'agent a no longer selected by old' },
    ]);
    expect(describeAgentChanges(next, next, 43)).toEqual([]);
  });
});
