import { describe, expect, it } from 'vitest';
import type { PolicyStatus } from '../../src/manifests/types.ts';
import { clearStalled, markStalled, STALLED_MESSAGE_ERRORS, upsertCondition } from '../../src/controller/stalled.ts';

const base: PolicyStatus = {
  specHash: 'abc', phase: 'Progressing', release: 'otelcol-1.5.0', observedRevision: '3f2c9e1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  rings: [], conditions: [{ type: 'Ready', status: 'False', reason: 'Progressing', message: 'ring canary', lastTransitionTime: '2026-11-21T09:00:00Z' }],
};
const error = { code: 'E_SCHEMA', message: 'spec.rings[0].percent must be <= 100', file: 'policies/otelcol.yaml', line: 12, column: 16 };

describe('markStalled', () => {
  it('adds a Stalled condition naming every error with file:line:col and the revision still running', () => {
    const s = markStalled(base, 'bad0000bad0000bad0000bad0000bad0000bad00', [error], '2026-11-21T10:00:00Z');
    const stalled = s.conditions.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'InvalidRevision', lastTransitionTime: '2026-11-21T10:00:00Z' });
    expect(stalled?.message).toContain('revision bad0000 is invalid (1 error); still running 3f2c9e1');
    expect(stalled?.message).toContain('policies/otelcol.yaml:12:16: E_SCHEMA spec.rings[0].percent must be <= 100');
    expect(s.conditions.find((c) => c.type === 'Ready')).toEqual(base.conditions[0]);
    expect(s.phase).toBe('Progressing');
  });

  it('keeps lastTransitionTime when marked again with the same errors (no write churn)', () => {
    const once = markStalled(base, 'r2', [error], '2026-11-21T10:00:00Z');
    const twice = markStalled(once, 'r2', [error], '2026-11-21T11:00:00Z');
    expect(twice).toEqual(once);
  });

  it('lists at most a bounded number of errors and counts the rest', () => {
    const many = Array.from({ length: STALLED_MESSAGE_ERRORS + 5 }, (_, i) => ({ ...error, line: i + 1 }));
    const msg = markStalled(base, 'r3', many, 'now').conditions.find((c) => c.type === 'Stalled')!.message;
    expect(msg).toContain(`(${many.length} errors)`);
    expect(msg).toContain('… and 5 more');
  });

  it('is removed by clearStalled once a valid revision arrives', () => {
    const s = clearStalled(markStalled(base, 'r4', [error], 'now'));
    expect(s.conditions).toEqual(base.conditions);
    expect(clearStalled(base)).toBe(base);
  });
});

describe('upsertCondition', () => {
  it('moves lastTransitionTime only when status, reason or message changes', () => {
    const same = upsertCondition(base.conditions, { type: 'Ready', status: 'False', reason: 'Progressing', message: 'ring canary' }, 'later');
    expect(same[0]!.lastTransitionTime).toBe('2026-11-21T09:00:00Z');
    const changed = upsertCondition(base.conditions, { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'done' }, 'later');
    expect(changed[0]!.lastTransitionTime).toBe('later');
  });
});
