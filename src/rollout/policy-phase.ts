/**
 * The policy's phase, current ring and message, derived from its rings (DESIGN.md status).
 */
import type { PolicyPhase, RingCounts, RingStatus } from '../manifests/types.ts';

export interface PhaseInput {
  rings: readonly RingStatus[];
  aborted: boolean;
  paused: boolean;
  windowOpen: boolean;
  release: string;
  stableRelease: string | undefined;
}

export interface PhaseSummary {
  phase: PolicyPhase;
  /** The first ring that has not succeeded, if any. */
  currentRing: RingStatus | undefined;
  message: string;
}

/**
 * Phase precedence: Aborted, RolledBack, Failed, Succeeded, Paused, then the current
 * ring's. (A ring still `Baking` after the machine ran always has `bakeUntil`: the machine
 * ends a bake without one at once.)
 */
export function summarizePhase(input: PhaseInput): PhaseSummary {
  const currentRing = input.rings.find((ring) => ring.phase !== 'Succeeded');
  const halted = input.rings.find((ring) => ring.phase === 'RolledBack' || ring.phase === 'Failed');
  if (input.aborted) {
    const message = input.stableRelease === undefined ? 'aborted: no stable release to return to, halted (agents keep what they have)' : `aborted: agents return to the stable release ${input.stableRelease}`;
    return { phase: 'Aborted', currentRing, message };
  }
  if (halted !== undefined) return { phase: halted.phase === 'RolledBack' ? 'RolledBack' : 'Failed', currentRing, message: `ring ${halted.name}: ${halted.message ?? 'failed'}` };
  if (currentRing === undefined) return { phase: 'Succeeded', currentRing, message: `${input.release} rolled out to every ring` };
  if (input.paused) return { phase: 'Paused', currentRing, message: 'paused by spec.paused: no new offers, in-flight agents finish' };
  const window = input.windowOpen ? '' : '; outside maintenance windows: no new offers';
  if (currentRing.phase === 'WaitingApproval') return { phase: 'WaitingApproval', currentRing, message: `ring ${currentRing.name} needs approval: add "${currentRing.name}" to spec.approvals` };
  if (currentRing.phase === 'Baking') return { phase: 'Baking', currentRing, message: `ring ${currentRing.name} baking until ${currentRing.bakeUntil as string}${window}` };
  return { phase: 'Progressing', currentRing, message: `ring ${currentRing.name}: ${describeCounts(currentRing.counts)}${window}` };
}

/** `3/5 healthy, 1 failed, 1 offline` — only the non-zero extras. */
export function describeCounts(counts: RingCounts): string {
  const movable = counts.targeted - counts.incompatible - counts.offline;
  const extras: [number, string][] = [
    [counts.failed, 'failed'],
    [counts.timedOut, 'timed out'],
    [counts.offline, 'offline'],
    [counts.incompatible, 'incompatible'],
    [counts.waiting, 'waiting on requires'],
  ];
  const parts = [`${counts.healthy}/${movable} healthy`];
  for (const [count, label] of extras) if (count > 0) parts.push(`${count} ${label}`);
  return parts.join(', ');
}
