/**
 * Policy-level events (rollout started, paused, resumed, aborted, completed), merged with
 * the rings' own events in the order a human would tell the story.
 */
import type { PolicyStatus } from '../manifests/types.ts';
import type { RolloutEvent, RolloutEventReason } from './types.ts';

export interface PolicyEventsInput {
  policy: string;
  previous: PolicyStatus | undefined;
  next: PolicyStatus;
  newRollout: boolean;
  ringEvents: readonly RolloutEvent[];
  now: number;
}

/** Events for the transition `previous → next`; none when nothing changed. */
export function policyEvents(input: PolicyEventsInput): RolloutEvent[] {
  const { policy, previous, next, now } = input;
  const events: RolloutEvent[] = [];
  const push = (reason: RolloutEventReason, type: RolloutEvent['type'], message: string): void => {
    events.push({ policy, reason, type, message, at: now });
  };
  if (input.newRollout) {
    const from = previous === undefined ? '' : ` (replacing ${previous.release}, ${previous.phase})`;
    push('RolloutStarted', 'Normal', `rollout of ${next.release} started${from}`);
  }
  const before = input.newRollout ? undefined : previous?.phase;
  if (before === 'Paused' && next.phase !== 'Paused') push('Resumed', 'Normal', 'resumed: new offers allowed again');
  events.push(...input.ringEvents);
  if (next.phase !== before) {
    if (next.phase === 'Paused') push('Paused', 'Normal', next.message as string);
    else if (next.phase === 'Aborted') push('Aborted', 'Warning', next.message as string);
    else if (next.phase === 'Succeeded') push('Completed', 'Normal', `${next.release} is now the stable release`);
  }
  return events;
}
