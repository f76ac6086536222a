/**
 * Human one-liners for status changes (Git commit messages, events) and the equality the
 * controller uses to write status only when it changed.
 */
import type { PolicyStatus, RingStatus } from '../manifests/types.ts';
import { describeCounts } from './policy-phase.ts';

/**
 * One line saying what changed from `previous` to `next`, most important change first:
 * a new rollout, then the first ring whose phase changed, then the policy phase, then the
 * current ring's counts. Prefixed with `policy: ` when a name is given, e.g.
 * `otelcol-custom: ring canary succeeded (5/5 healthy), baking until 2026-11-21T12:40:00Z`.
 */
export function summarizeTransition(previous: PolicyStatus | undefined, next: PolicyStatus, policy?: string): string {
  const prefix = policy === undefined ? '' : `${policy}: `;
  return prefix + describeChange(previous, next);
}

function describeChange(previous: PolicyStatus | undefined, next: PolicyStatus): string {
  if (previous === undefined || previous.release !== next.release) {
    const from = previous === undefined ? '' : ` (was ${previous.release})`;
    return `rollout of ${next.release} started${from}, ${next.phase.toLowerCase()}`;
  }
  const before = new Map(previous.rings.map((ring) => [ring.name, ring]));
  const changed = next.rings.find((ring) => before.get(ring.name)?.phase !== ring.phase);
  if (changed !== undefined) return describeRing(changed);
  if (previous.phase !== next.phase) return `${previous.phase.toLowerCase()} → ${next.phase.toLowerCase()}: ${next.message ?? ''}`.trimEnd();
  const current = next.rings.find((ring) => ring.name === next.currentRing);
  if (current !== undefined) return `ring ${current.name}: ${describeCounts(current.counts)}`;
  return `${next.phase.toLowerCase()}, no ring changed`;
}

function describeRing(ring: RingStatus): string {
  const counts = describeCounts(ring.counts);
  switch (ring.phase) {
    case 'Baking':
      return `ring ${ring.name} succeeded (${counts}), baking until ${ring.bakeUntil ?? '?'}`;
    case 'Succeeded':
      return `ring ${ring.name} succeeded (${counts})`;
    case 'Progressing':
      return `ring ${ring.name} progressing (${counts})`;
    default:
      return `ring ${ring.name} ${ring.phase.toLowerCase()}${ring.message === undefined ? '' : `: ${ring.message}`}`;
  }
}

/**
 * Deep equality of two statuses: every field, every array element in order, every
 * timestamp. Keys whose value is `undefined` count as absent (as in YAML and JSON).
 */
export function statusEquals(a: PolicyStatus, b: PolicyStatus): boolean {
  return deepEqual(a, b);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, index) => deepEqual(item, (b as unknown[])[index]));
  const left = definedKeys(a as Record<string, unknown>);
  const right = definedKeys(b as Record<string, unknown>);
  if (left.length !== right.length) return false;
  return left.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function definedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).filter((key) => record[key] !== undefined);
}
