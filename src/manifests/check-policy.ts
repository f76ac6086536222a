/**
 * Rules for one schema-valid RolloutPolicy that a JSON Schema cannot express: unique ring
 * names, value ranges of durations and percents, selector consistency, time zones, rings
 * that can never get an agent, approvals of rings that do not exist.
 */
import { parseCountOrPercent, parseDuration } from './duration.ts';
import { fieldPath, type ObjectIssue } from './issue.ts';
import { checkSelector, isEmptySelector } from './check-selector.ts';
import type { Ring, RolloutPolicy } from './types.ts';

/** Semantic checks of one policy that already passed its schema. */
export function checkPolicy(policy: RolloutPolicy): ObjectIssue[] {
  const { spec } = policy;
  const issues: ObjectIssue[] = [];
  if (spec.selector) issues.push(...checkSelector(spec.selector, '/spec/selector'));
  spec.rings.forEach((ring, i) => issues.push(...checkRing(ring, `/spec/rings/${i}`)));
  issues.push(...duplicateRings(spec.rings), ...unreachableRings(spec.rings), ...unknownApprovals(policy));
  const strategy = spec.strategy ?? {};
  if (strategy.maxConcurrent !== undefined) issues.push(...checkCountOrPercent(strategy.maxConcurrent, '/spec/strategy/maxConcurrent'));
  for (const field of ['installTimeout', 'healthyFor', 'progressDeadline'] as const) {
    const value = strategy[field];
    if (value !== undefined) issues.push(...checkDuration(value, `/spec/strategy/${field}`));
  }
  spec.windows?.forEach((window, i) => {
    if (window.timeZone !== undefined && !isTimeZone(window.timeZone)) {
      issues.push({
        code: 'E_TIME_ZONE',
        message: `spec.windows[${i}].timeZone: "${window.timeZone}" is not an IANA time zone; write one such as UTC, Europe/Berlin or America/New_York`,
        pointer: `/spec/windows/${i}/timeZone`,
      });
    }
  });
  return issues;
}

function checkRing(ring: Ring, pointer: string): ObjectIssue[] {
  const issues: ObjectIssue[] = [];
  if (ring.selector) issues.push(...checkSelector(ring.selector, `${pointer}/selector`));
  if (ring.bake !== undefined) issues.push(...checkDuration(ring.bake, `${pointer}/bake`));
  if (ring.maxFailures !== undefined) issues.push(...checkCountOrPercent(ring.maxFailures, `${pointer}/maxFailures`));
  return issues;
}

function checkDuration(text: string, pointer: string): ObjectIssue[] {
  if (parseDuration(text) !== undefined) return [];
  return [{ code: 'E_DURATION', message: `${fieldPath(pointer)}: "${text}" is not a duration of at most 365d; write it like 30s, 10m, 1h30m or 2d`, pointer }];
}

function checkCountOrPercent(value: number | string, pointer: string): ObjectIssue[] {
  if (parseCountOrPercent(value) !== undefined) return [];
  return [{ code: 'E_PERCENT', message: `${fieldPath(pointer)}: ${JSON.stringify(value)} is out of range; write a whole number such as 2, or a percent from "0%" to "100%"`, pointer }];
}

function duplicateRings(rings: readonly Ring[]): ObjectIssue[] {
  const seen = new Map<string, number>();
  const issues: ObjectIssue[] = [];
  rings.forEach((ring, i) => {
    const first = seen.get(ring.name);
    if (first === undefined) seen.set(ring.name, i);
    else {
      issues.push({
        code: 'E_DUPLICATE_RING',
        message: `spec.rings[${i}].name: ring "${ring.name}" is already declared at spec.rings[${first}]; ring names must be unique within a policy`,
        pointer: `/spec/rings/${i}/name`,
      });
    }
  });
  return issues;
}

/** A ring with no selector and 100% takes every agent left, so later rings get none. */
function unreachableRings(rings: readonly Ring[]): ObjectIssue[] {
  const catchAll = rings.findIndex((r) => isEmptySelector(r.selector) && (r.percent ?? 100) >= 100);
  if (catchAll < 0) return [];
  const takenBy = rings[catchAll]?.name ?? '';
  return rings.slice(catchAll + 1).map((ring, offset) => ({
    code: 'W_UNREACHABLE_RING' as const,
    message: `ring "${ring.name}" can never get an agent: ring "${takenBy}" before it takes every remaining agent (no selector, 100%); move it earlier or give "${takenBy}" a selector or a percent`,
    pointer: `/spec/rings/${catchAll + 1 + offset}`,
  }));
}

function unknownApprovals(policy: RolloutPolicy): ObjectIssue[] {
  const names = new Set(policy.spec.rings.map((r) => r.name));
  return (policy.spec.approvals ?? []).flatMap((approval, i) =>
    names.has(approval)
      ? []
      : [
          {
            code: 'W_UNKNOWN_APPROVAL' as const,
            message: `spec.approvals[${i}]: "${approval}" is not a ring of this policy (rings: ${[...names].join(', ')}); it approves nothing`,
            pointer: `/spec/approvals/${i}`,
          },
        ],
  );
}

// Constructing a DateTimeFormat is slow; the answer for a zone name never changes.
const knownZones = new Map<string, boolean>();

function isTimeZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (knownZones.size < 1000) knownZones.set(zone, known);
  }
  return known;
}

