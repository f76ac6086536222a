/**
 * Where one agent stands with one target package hash, judged only from what it reports
 * and what the server delivered (DESIGN.md: "Gates count only this release" — status left
 * over from an earlier rollout carries another hash and is ignored).
 */
import type { AgentObservation } from './types.ts';

/** Progress towards the target, as small integers so a 100,000-agent plan stays cheap. */
export const Progress = {
  /** Not offered the target yet. */
  pending: 0,
  /** Delivered (or about to be) with no report yet. */
  offered: 1,
  downloading: 2,
  installing: 3,
  /** Target hash installed, not yet healthy for `healthyFor`. */
  installed: 4,
  healthy: 5,
  /** Install failed, or unhealthy for `healthyFor` after install. */
  failed: 6,
  timedOut: 7,
} as const;
export type ProgressCode = (typeof Progress)[keyof typeof Progress];

/** Time parameters of the judgement, plus the earliest future time it could change. */
export interface ProgressClock {
  now: number;
  installTimeoutMs: number;
  healthyForMs: number;
  /** Lowered to the next instant (epoch ms) at which a judgement would change by itself. */
  wakeAt: number;
}

/** True for agents that hold an unfinished target offer (they use `maxConcurrent` slots). */
export function isInFlight(code: ProgressCode): boolean {
  return code >= Progress.offered && code <= Progress.installed;
}

/**
 * Judges `agent` against `target` (a package hash) for package `name`. An agent that
 * reports the hash installed is `installed` until it has been healthy for `healthyFor`
 * (agents that report no health are judged by install time alone), and `failed` once it
 * has been unhealthy that long. An offer still unfinished `installTimeout` after it was
 * delivered (or first reported in progress, when the server lost its delivery record) is
 * `timedOut`. `InstallFailed` for the target is `failed`.
 */
export function judgeProgress(agent: AgentObservation, name: string, target: string, clock: ProgressClock): ProgressCode {
  const observed = agent.packages[name];
  if (observed?.hasHash === target) return judgeInstalled(agent, observed.since, clock);
  const delivered = agent.delivered?.[name];
  const deliveredAt = delivered?.hash === target ? delivered.at : undefined;
  let code: ProgressCode;
  let since: number;
  if (observed?.offeredHash === target) {
    if (observed.state === 'InstallFailed') return Progress.failed;
    code = observed.state === 'Downloading' ? Progress.downloading : Progress.installing;
    since = deliveredAt ?? observed.since;
  } else if (deliveredAt !== undefined) {
    code = Progress.offered;
    since = deliveredAt;
  } else {
    return Progress.pending;
  }
  const deadline = since + clock.installTimeoutMs;
  if (clock.now > deadline) return Progress.timedOut;
  clock.wakeAt = Math.min(clock.wakeAt, deadline + 1);
  return code;
}

function judgeInstalled(agent: AgentObservation, installedSince: number, clock: ProgressClock): ProgressCode {
  const health = agent.health;
  const since = Math.max(installedSince, health?.since ?? installedSince);
  const until = since + clock.healthyForMs;
  if (clock.now >= until) return health === undefined || health.healthy ? Progress.healthy : Progress.failed;
  clock.wakeAt = Math.min(clock.wakeAt, until);
  return Progress.installed;
}

/** The reason shown for a failed or timed-out agent. */
export function failureReason(agent: AgentObservation, name: string, target: string, code: ProgressCode, installTimeoutMs: number): string {
  if (code === Progress.timedOut) return `not installed within installTimeout (${installTimeoutMs / 1000}s)`;
  const observed = agent.packages[name];
  if (observed?.hasHash !== target) return `install failed: ${observed?.error ?? 'no error reported'}`;
  return `unhealthy after install: ${agent.health?.lastError ?? 'no error reported'}`;
}
