import { describe, expect, it } from 'vitest';
import type { PolicyStatus, RingStatus } from '../../src/manifests/types.ts';
import { emptyCounts } from '../../src/rollout/fleet-tally.ts';
import { statusEquals, summarizeTransition } from '../../src/rollout/summary.ts';

const ring = (name: string, phase: RingStatus['phase'], extra: Partial<RingStatus> = {}): RingStatus => ({ name, phase, counts: { ...emptyCounts(), targeted: 5, healthy: 5 }, ...extra });
const status = (extra: Partial<PolicyStatus> = {}): PolicyStatus => ({
  specHash: 'h',
  phase: 'Progressing',
  release: 'r2',
  currentRing: 'canary',
  rings: [ring('canary', 'Progressing'), ring('everyone', 'Pending')],
  conditions: [],
  ...extra,
});

describe('summarizeTransition', () => {
  const cases: { name: string; previous: PolicyStatus | undefined; next: PolicyStatus; want: string }[] = [
    { name: 'first status', previous: undefined, next: status(), want: 'rollout of r2 started, progressing' },
    { name: 'new release', previous: status({ release: 'r1' }), next: status(), want: 'rollout of r2 started (was r1), progressing' },
    {
      name: 'ring baking',
      previous: status(),
      next: status({ phase: 'Baking', rings: [ring('canary', 'Baking', { bakeUntil: '2026-11-21T12:40:00Z' }), ring('everyone', 'Pending')] }),
      want: 'ring canary succeeded (5/5 healthy), baking until 2026-11-21T12:40:00Z',
    },
    { name: 'baking without time', previous: status(), next: status({ rings: [ring('canary', 'Baking'), ring('everyone', 'Pending')] }), want: 'ring canary succeeded (5/5 healthy), baking until ?' },
    { name: 'ring succeeded', previous: status(), next: status({ rings: [ring('canary', 'Succeeded'), ring('everyone', 'Pending')] }), want: 'ring canary succeeded (5/5 healthy)' },
    { name: 'ring started', previous: status({ rings: [ring('canary', 'Pending'), ring('everyone', 'Pending')] }), next: status(), want: 'ring canary progressing (5/5 healthy)' },
    { name: 'ring failed with message', previous: status(), next: status({ rings: [ring('canary', 'Failed', { message: 'boom' }), ring('everyone', 'Pending')] }), want: 'ring canary failed: boom' },
    { name: 'ring waiting, no message', previous: status(), next: status({ rings: [ring('canary', 'WaitingApproval'), ring('everyone', 'Pending')] }), want: 'ring canary waitingapproval' },
    { name: 'phase only', previous: status(), next: status({ phase: 'Paused', message: 'paused by spec.paused' }), want: 'progressing → paused: paused by spec.paused' },
    { name: 'phase only, no message', previous: status(), next: status({ phase: 'Paused' }), want: 'progressing → paused:' },
    { name: 'counts only', previous: status(), next: status(), want: 'ring canary: 5/5 healthy' },
    { name: 'nothing current', previous: status({ currentRing: undefined as never }), next: (() => { const s = status({ phase: 'Succeeded' }); delete s.currentRing; return s; })(), want: 'progressing → succeeded:' },
  ];
  it.each(cases)('$name', ({ previous, next, want }) => {
    expect(summarizeTransition(previous, next)).toBe(want);
  });

  it('prefixes the policy name when given', () => {
    expect(summarizeTransition(status(), status(), 'otelcol-custom')).toBe('otelcol-custom: ring canary: 5/5 healthy');
  });

  it('says so when nothing moved and no ring is current', () => {
    const done = status({ phase: 'Succeeded' });
    delete done.currentRing;
    expect(summarizeTransition(done, done)).toBe('succeeded, no ring changed');
  });
});

describe('statusEquals', () => {
  it('compares deeply, arrays in order, undefined members as absent', () => {
    expect(statusEquals(status(), status())).toBe(true);
    expect(statusEquals(status(), status({ message: undefined as never }))).toBe(true);
    expect(statusEquals(status(), status({ message: 'x' }))).toBe(false);
    expect(statusEquals(status(), status({ rings: [ring('everyone', 'Pending'), ring('canary', 'Progressing')] }))).toBe(false);
    expect(statusEquals(status(), status({ rings: [ring('canary', 'Progressing')] }))).toBe(false);
    expect(statusEquals(status(), status({ conditions: {} as never }))).toBe(false);
    expect(statusEquals(status(), status({ unassigned: 0 }))).toBe(false);
    expect(statusEquals(status({ history: null as never }), status({ history: [] }))).toBe(false);
  });
});
