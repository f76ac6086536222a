import type { AgentRolloutState, PolicyMembership } from '../rollout/types.ts';
import type { NewOperatorEvent } from './event-log.ts';

const WARNING_STATES: ReadonlySet<string> = new Set<AgentRolloutState>(['failed', 'timedOut', 'rolledBack']);

/**
 * Turns two consecutive plans' memberships into one agent event per agent whose ring or
 * state changed (reason: the new state, or `removed` when the policy no longer selects
 * it). The controller appends these to its event log after each reconcile; the API
 * coalesces them for browsers. Pure: same inputs, same events, in policy then uid order.
 */
export function describeAgentChanges(
  previous: readonly PolicyMembership[],
  next: readonly PolicyMembership[],
  at: number,
): NewOperatorEvent[] {
  const before = new Map(previous.map((m) => [m.policy, m.agents]));
  const events: NewOperatorEvent[] = [];
  for (const membership of [...next].sort((a, b) => a.policy.localeCompare(b.policy))) {
    const old = before.get(membership.policy) ?? {};
    before.delete(membership.policy);
    for (const uid of Object.keys(membership.agents).sort()) {
      const now = membership.agents[uid];
      const was = old[uid];
      if (!now || (was && was.state === now.state && was.ring === now.ring)) continue;
      const ring = now.ring ?? undefined;
      const why = now.reason ? `: ${now.reason}` : '';
      events.push({
        at, kind: 'agent', policy: membership.policy, agent: uid, reason: now.state,
        type: WARNING_STATES.has(now.state) ? 'Warning' : 'Normal',
        message: `agent ${uid} ${was ? was.state : 'new'} → ${now.state}${why}`,
        ...(ring !== undefined ? { ring } : {}),
      });
    }
    for (const uid of Object.keys(old).sort()) {
      if (!(uid in membership.agents)) events.push(removed(membership.policy, uid, at));
    }
  }
  for (const [policy, agents] of [...before].sort(([a], [b]) => a.localeCompare(b))) {
    for (const uid of Object.keys(agents).sort()) events.push(removed(policy, uid, at));
  }
  return events;
}

function removed(policy: string, uid: string, at: number): NewOperatorEvent {
  return { at, kind: 'agent', policy, agent: uid, reason: 'removed', type: 'Normal', message: `agent ${uid} no longer selected by ${policy}` };
}
