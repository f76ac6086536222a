/**
 * A policy's strategy and ring gates with every default applied, as numbers. Inputs were
 * validated by the loader; anything unparsable still falls back to the documented default
 * instead of throwing, so one odd value can never stop planning for the whole fleet.
 */
import { parseCountOrPercent, parseDuration, type CountOrPercent } from '../manifests/duration.ts';
import type { FailurePolicy, Ring, RolloutStrategy } from '../manifests/types.ts';

/** Defaults, as documented on `RolloutStrategy` and `Ring` (docs/rollout.md). */
export const STRATEGY_DEFAULTS = {
  maxConcurrent: '25%',
  installTimeout: '15m',
  healthyFor: '60s',
  progressDeadline: '6h',
  onFailure: 'pause',
  bake: '0s',
  maxFailures: 0,
} as const;

export interface ResolvedStrategy {
  maxConcurrent: CountOrPercent;
  installTimeoutMs: number;
  healthyForMs: number;
  progressDeadlineMs: number;
  onFailure: FailurePolicy;
}

export interface ResolvedRingGates {
  bakeMs: number;
  maxFailures: CountOrPercent;
  requireApproval: boolean;
}

/** The strategy with defaults applied. */
export function resolveStrategy(strategy: RolloutStrategy | undefined): ResolvedStrategy {
  return {
    maxConcurrent: countOrPercent(strategy?.maxConcurrent, STRATEGY_DEFAULTS.maxConcurrent),
    installTimeoutMs: duration(strategy?.installTimeout, STRATEGY_DEFAULTS.installTimeout),
    healthyForMs: duration(strategy?.healthyFor, STRATEGY_DEFAULTS.healthyFor),
    progressDeadlineMs: duration(strategy?.progressDeadline, STRATEGY_DEFAULTS.progressDeadline),
    onFailure: strategy?.onFailure === 'rollback' ? 'rollback' : 'pause',
  };
}

/** One ring's gates with defaults applied. */
export function resolveRingGates(ring: Ring): ResolvedRingGates {
  return {
    bakeMs: duration(ring.bake, STRATEGY_DEFAULTS.bake),
    maxFailures: countOrPercent(ring.maxFailures, STRATEGY_DEFAULTS.maxFailures),
    requireApproval: ring.requireApproval === true,
  };
}

function duration(text: string | undefined, fallback: string): number {
  return (text === undefined ? undefined : parseDuration(text)) ?? (parseDuration(fallback) as number);
}

function countOrPercent(value: number | string | undefined, fallback: number | string): CountOrPercent {
  return (value === undefined ? undefined : parseCountOrPercent(value)) ?? (parseCountOrPercent(fallback) as CountOrPercent);
}
