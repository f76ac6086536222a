/**
 * kstatus conditions for a policy status. `Ready` and `Reconciling` are set here; `Stalled`
 * belongs to the controller (invalid revisions). `Halted` is Ringmaster's own: True while
 * no new offers are made for a reason a human must look at.
 */
import type { Condition, ConditionStatus, PolicyPhase } from '../manifests/types.ts';
import { formatTime } from './time.ts';

const HALTED: ReadonlySet<PolicyPhase> = new Set(['Paused', 'Failed', 'RolledBack', 'Aborted']);
const RECONCILING: ReadonlySet<PolicyPhase> = new Set(['Progressing', 'Baking']);

/**
 * The conditions for `phase` with `message`. A condition keeps its previous
 * `lastTransitionTime` unless its status, reason or message changed, so that an
 * unchanged rollout produces a byte-identical status.
 */
export function policyConditions(phase: PolicyPhase, reason: string, message: string, previous: readonly Condition[] | undefined, now: number, observedGeneration: number | undefined): Condition[] {
  const ready: ConditionStatus = phase === 'Succeeded' ? 'True' : 'False';
  const wanted: [string, ConditionStatus, string, string][] = [
    ['Ready', ready, reason, message],
    ['Reconciling', RECONCILING.has(phase) ? 'True' : 'False', reason, message],
    ['Halted', HALTED.has(phase) ? 'True' : 'False', reason, message],
  ];
  return wanted.map(([type, status, why, text]) => {
    const before = previous?.find((condition) => condition.type === type);
    const unchanged = before !== undefined && before.status === status && before.reason === why && before.message === text;
    const condition: Condition = { type, status, reason: why, message: text, lastTransitionTime: unchanged ? before.lastTransitionTime : formatTime(now) };
    if (observedGeneration !== undefined) condition.observedGeneration = observedGeneration;
    return condition;
  });
}
