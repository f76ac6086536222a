import type { OperatorEvent, OperatorView } from '../api/view.ts';

/** True for events the dashboard lists: rollout transitions and agent warnings. */
export function isNotable(e: OperatorEvent): boolean {
  return e.kind === 'rollout' || e.type === 'Warning';
}

/**
 * The dashboard's own short list of notable events. A large rollout produces thousands of
 * normal agent events that would push every rollout transition out of the view's recent
 * buffer; keeping the notable ones apart means the events panel never goes blank mid-rollout.
 * Seeded from the view's recent buffer, then fed by its listener.
 */
export function createNotableEvents(view: OperatorView, capacity: number): { recent(): OperatorEvent[] } {
  const kept: OperatorEvent[] = view.recentEvents(Number.MAX_SAFE_INTEGER).filter(isNotable).slice(-capacity);
  view.onEvent((e) => {
    if (!isNotable(e)) return;
    kept.push(e);
    if (kept.length > capacity) kept.splice(0, kept.length - capacity);
  });
  return { recent: () => kept.slice() };
}
