/**
 * One ring's state machine (DESIGN.md "Rollout semantics"):
 * `Pending → [WaitingApproval →] Progressing ⇄ Paused → [Baking →] Succeeded`, or
 * `Failed` / `RolledBack` when failures cross `maxFailures` or `progressDeadline` passes,
 * or `Aborted`. Terminal phases stay until a new release starts a new rollout. Each call
 * advances as far as the inputs allow, so replanning its own output at the same `now` is a
 * no-op (no hot loop) and keeps every original timestamp.
 */
import { resolveCountOrPercent } from '../manifests/duration.ts';
import type { FailurePolicy, Ring, RingCounts, RingStatus } from '../manifests/types.ts';
import type { ResolvedRingGates } from './strategy.ts';
import { formatTime, parseTime } from './time.ts';
import type { RolloutEvent, RolloutEventReason } from './types.ts';

/** What the gates look at, counted before this plan's new offers. */
export interface RingTally {
  /** Agents of the ring that must finish: online and compatible (including those held by `requires`). */
  eligible: number;
  /** Eligible agents that finished: healthy, failed or timed out. */
  finished: number;
  /** Failed (including unhealthy) plus timed-out agents. */
  failures: number;
}

/** Policy-wide inputs of the machine; `events` and `wakeAt` are written to. */
export interface RingMachineContext {
  policy: string;
  now: number;
  paused: boolean;
  abort: boolean;
  approvals: readonly string[];
  progressDeadlineMs: number;
  onFailure: FailurePolicy;
  /** False when there is no stable release to return to: rollback then halts like pause. */
  canRollBack: boolean;
  events: RolloutEvent[];
  wakeAt: number;
}

/**
 * The ring's next status. `gateOpen` is true when every earlier ring is `Succeeded`;
 * otherwise the ring is (back to) `Pending`. `counts` is attached as is (the caller fills
 * in this plan's offers afterwards).
 */
export function advanceRing(ring: Ring, gates: ResolvedRingGates, previous: RingStatus | undefined, gateOpen: boolean, tally: RingTally, counts: RingCounts, ctx: RingMachineContext): RingStatus {
  const status: RingStatus = previous === undefined || !gateOpen ? { name: ring.name, phase: 'Pending', counts } : { ...previous, counts };
  switch (status.phase) {
    case 'Succeeded':
    case 'Failed':
    case 'RolledBack':
    case 'Aborted':
      return status;
    case 'Pending':
    case 'WaitingApproval':
      if (!gateOpen) return status;
      return openRing(ring, gates, status, tally, ctx);
    case 'Baking':
      return bake(ring, gates, status, tally, ctx);
    default:
      return progress(ring, gates, status, tally, ctx);
  }
}

function openRing(ring: Ring, gates: ResolvedRingGates, status: RingStatus, tally: RingTally, ctx: RingMachineContext): RingStatus {
  if (ctx.abort) return status.phase === 'Pending' ? status : toAborted(status, ctx);
  if (ctx.paused) return status;
  if (gates.requireApproval && !ctx.approvals.includes(ring.name)) {
    if (status.phase !== 'WaitingApproval') emit(ctx, ring, 'WaitingApproval', 'Normal', `ring ${ring.name} needs approval: add it to spec.approvals`);
    return { ...status, phase: 'WaitingApproval', message: `needs approval: add "${ring.name}" to spec.approvals` };
  }
  const started: RingStatus = { name: status.name, phase: 'Progressing', startedAt: formatTime(ctx.now), counts: status.counts };
  if (gates.requireApproval) {
    started.approvedAt = started.startedAt as string;
    emit(ctx, ring, 'Approved', 'Normal', `ring ${ring.name} approved`);
  }
  emit(ctx, ring, 'RingStarted', 'Normal', `ring ${ring.name} started (${status.counts.targeted} agents)`);
  return progress(ring, gates, started, tally, ctx);
}

function progress(ring: Ring, gates: ResolvedRingGates, status: RingStatus, tally: RingTally, ctx: RingMachineContext): RingStatus {
  if (ctx.abort) return toAborted(status, ctx);
  const failed = checkFailures(ring, gates, status, tally, ctx);
  if (failed !== undefined) return failed;
  const startedAt = parseTime(status.startedAt) ?? ctx.now;
  const deadline = startedAt + ctx.progressDeadlineMs;
  if (tally.finished < tally.eligible && ctx.now > deadline) {
    return toFailed(ring, status, ctx, 'ProgressDeadlineExceeded', `progressDeadline passed with ${tally.finished}/${tally.eligible} agents finished`);
  }
  if (tally.finished >= tally.eligible) return succeed(ring, gates, status, tally, ctx);
  ctx.wakeAt = Math.min(ctx.wakeAt, deadline + 1);
  // Paused/Resumed events are the policy's (a pause can start between rings).
  return { ...status, phase: ctx.paused ? 'Paused' : 'Progressing' };
}

function succeed(ring: Ring, gates: ResolvedRingGates, status: RingStatus, tally: RingTally, ctx: RingMachineContext): RingStatus {
  const succeededAt = formatTime(ctx.now);
  // Agents held by a failed dependency do not block success, but the event still names them.
  const held = status.counts.waiting > 0 ? `, ${status.counts.waiting} waiting on requires` : '';
  const done = `${tally.finished - tally.failures}/${tally.eligible} healthy${held}`;
  if (gates.bakeMs === 0) {
    emit(ctx, ring, 'RingSucceeded', 'Normal', `ring ${ring.name} succeeded (${done})`);
    return { ...status, phase: 'Succeeded', succeededAt };
  }
  const bakeUntil = formatTime(ctx.now + gates.bakeMs);
  emit(ctx, ring, 'RingBaking', 'Normal', `ring ${ring.name} succeeded (${done}), baking until ${bakeUntil}`);
  ctx.wakeAt = Math.min(ctx.wakeAt, ctx.now + gates.bakeMs);
  return { ...status, phase: 'Baking', succeededAt, bakeUntil, message: `baking until ${bakeUntil}` };
}

function bake(ring: Ring, gates: ResolvedRingGates, status: RingStatus, tally: RingTally, ctx: RingMachineContext): RingStatus {
  if (ctx.abort) return toAborted(status, ctx);
  const failed = checkFailures(ring, gates, status, tally, ctx);
  if (failed !== undefined) return failed;
  const bakeUntil = parseTime(status.bakeUntil) ?? ctx.now;
  if (ctx.now >= bakeUntil) {
    emit(ctx, ring, 'RingSucceeded', 'Normal', `ring ${ring.name} baked until ${formatTime(bakeUntil)}: succeeded`);
    const { message: _baking, ...rest } = status;
    return { ...rest, phase: 'Succeeded' };
  }
  ctx.wakeAt = Math.min(ctx.wakeAt, bakeUntil);
  return status;
}

function checkFailures(ring: Ring, gates: ResolvedRingGates, status: RingStatus, tally: RingTally, ctx: RingMachineContext): RingStatus | undefined {
  const allowed = resolveCountOrPercent(gates.maxFailures, status.counts.targeted, 'down');
  if (tally.failures <= allowed) return undefined;
  return toFailed(ring, status, ctx, 'RingFailed', `${tally.failures} failed or timed out, maxFailures allows ${allowed}`);
}

function toFailed(ring: Ring, status: RingStatus, ctx: RingMachineContext, reason: RolloutEventReason, why: string): RingStatus {
  const rollBack = ctx.onFailure === 'rollback' && ctx.canRollBack;
  emit(ctx, ring, reason, 'Warning', `ring ${ring.name} failed: ${why}`);
  const outcome = rollBack ? 'rolling back to the stable release' : ctx.onFailure === 'rollback' ? 'no stable release to roll back to: halted' : 'halted';
  if (rollBack) emit(ctx, ring, 'RolledBack', 'Warning', `ring ${ring.name}: ${outcome}`);
  return { ...status, phase: rollBack ? 'RolledBack' : 'Failed', failedAt: formatTime(ctx.now), message: `${why}; ${outcome}` };
}

function toAborted(status: RingStatus, ctx: RingMachineContext): RingStatus {
  return { ...status, phase: 'Aborted', message: ctx.canRollBack ? 'aborted: returning agents to the stable release' : 'aborted: no stable release to return to, halted' };
}

function emit(ctx: RingMachineContext, ring: Ring, reason: RolloutEventReason, type: RolloutEvent['type'], message: string): void {
  ctx.events.push({ policy: ctx.policy, ring: ring.name, reason, type, message, at: ctx.now });
}
