import type { RingCounts } from '../manifests/types.ts';
import type { AgentPlacement, AgentRolloutState } from '../rollout/types.ts';

/**
 * A ring's agents split into the disjoint segments the dashboard and `ringmaster status`
 * draw, left to right. `total` is their sum.
 */
export interface RingBar {
  installed: number;
  inFlight: number;
  failed: number;
  waiting: number;
  incompatible: number;
  offline: number;
  total: number;
}

/** The segment names in drawing order. */
export const BAR_SEGMENTS = ['installed', 'inFlight', 'failed', 'waiting', 'incompatible', 'offline'] as const;
export type BarSegment = (typeof BAR_SEGMENTS)[number];

const SEGMENT_OF: Record<AgentRolloutState, BarSegment | null> = {
  healthy: 'installed', installed: 'installed',
  offered: 'inFlight', downloading: 'inFlight', installing: 'inFlight',
  failed: 'failed', timedOut: 'failed', rolledBack: 'failed',
  pending: 'waiting', waiting: 'waiting',
  incompatible: 'incompatible', offline: 'offline',
  unassigned: null,
};

/** Exact bar from the plan's per-agent placements (each agent is in exactly one state). */
export function barFromPlacements(ring: string, placements: Iterable<AgentPlacement>): RingBar {
  const bar = emptyBar();
  for (const p of placements) {
    if (p.ring !== ring) continue;
    const segment = SEGMENT_OF[p.state];
    if (segment) bar[segment] += 1;
  }
  bar.total = BAR_SEGMENTS.reduce((sum, s) => sum + bar[s], 0);
  return bar;
}

/**
 * Approximate bar from a persisted status's counts, used when no membership is at hand
 * (e.g. status read back from Git). Counts may overlap (`healthy` ⊆ `installed`), so each
 * segment is clamped to what the ring has left, and the rest of `targeted` is `waiting`.
 */
export function barFromCounts(c: RingCounts): RingBar {
  let left = c.targeted;
  const take = (n: number): number => {
    const v = Math.max(0, Math.min(n, left));
    left -= v;
    return v;
  };
  const installed = take(Math.max(c.installed, c.healthy));
  const failed = take(c.failed + c.timedOut);
  const incompatible = take(c.incompatible);
  const offline = take(c.offline);
  const inFlight = take(Math.max(c.offered, c.downloading + c.installing));
  const waiting = take(left);
  return { installed, inFlight, failed, waiting, incompatible, offline, total: c.targeted };
}

function emptyBar(): RingBar {
  return { installed: 0, inFlight: 0, failed: 0, waiting: 0, incompatible: 0, offline: 0, total: 0 };
}
