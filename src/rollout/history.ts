/**
 * `status.history`: a short record of past rollouts of a policy, newest first.
 */
import type { HistoryEntry, PolicyStatus } from '../manifests/types.ts';
import { formatTime } from './time.ts';

/** How many past rollouts a status keeps. */
export const HISTORY_LIMIT = 10;

/**
 * The history to write: unchanged within a rollout; when a new release starts, the
 * previous rollout is prepended (its phase, start, and when it finished — the last ring's
 * success or bake end for a completed rollout, otherwise the moment it was replaced).
 */
export function rolloutHistory(previous: PolicyStatus | undefined, newRollout: boolean, now: number): HistoryEntry[] | undefined {
  if (previous === undefined) return undefined;
  if (!newRollout) return previous.history;
  const entry: HistoryEntry = { release: previous.release, phase: previous.phase, finishedAt: finishedAt(previous) ?? formatTime(now) };
  if (previous.startedAt !== undefined) entry.startedAt = previous.startedAt;
  if (previous.message !== undefined) entry.message = previous.message;
  return [entry, ...(previous.history ?? [])].slice(0, HISTORY_LIMIT);
}

function finishedAt(previous: PolicyStatus): string | undefined {
  if (previous.phase !== 'Succeeded') return undefined;
  const last = previous.rings.at(-1);
  return last?.bakeUntil ?? last?.succeededAt;
}
