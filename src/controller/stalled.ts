import type { Condition, PolicyStatus } from '../manifests/types.ts';

/** A diagnostic as the controller needs it to explain a refused revision. */
export interface RevisionError {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

/** How many errors a Stalled message lists in full; the rest are counted. */
export const STALLED_MESSAGE_ERRORS = 20;

/**
 * Marks a policy's status Stalled because revision `revision` is invalid: the last valid
 * revision keeps running (DESIGN: "Bad declarations never hurt the fleet"), and the status
 * says why, with every error's code, file and line.
 */
export function markStalled(status: PolicyStatus, revision: string, errors: readonly RevisionError[], nowIso: string): PolicyStatus {
  const listed = errors.slice(0, STALLED_MESSAGE_ERRORS).map((e) => `${e.file}:${e.line}:${e.column}: ${e.code} ${e.message}`);
  const more = errors.length > listed.length ? [`… and ${errors.length - listed.length} more`] : [];
  const message = [
    `revision ${shortRevision(revision)} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}); still running ${shortRevision(status.observedRevision ?? 'the last valid revision')}`,
    ...listed,
    ...more,
  ].join('\n');
  return {
    ...status,
    conditions: upsertCondition(status.conditions, { type: 'Stalled', status: 'True', reason: 'InvalidRevision', message }, nowIso),
  };
}

/** Clears a Stalled condition left by an earlier invalid revision. */
export function clearStalled(status: PolicyStatus): PolicyStatus {
  if (!status.conditions.some((c) => c.type === 'Stalled')) return status;
  return { ...status, conditions: status.conditions.filter((c) => c.type !== 'Stalled') };
}

/**
 * Sets a condition, keeping `lastTransitionTime` unless status, reason or message changed
 * (metav1.Condition semantics; rewriting it every pass would make every reconcile a write).
 */
export function upsertCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, nowIso: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const same = old !== undefined && old.status === next.status && old.reason === next.reason && old.message === next.message;
  const merged: Condition = { ...next, lastTransitionTime: same ? old.lastTransitionTime : nowIso };
  return old ? conditions.map((c) => (c.type === next.type ? merged : c)) : [...conditions, merged];
}

function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}
