import { describe, expect, it } from 'vitest';
import type { LabelSelector } from '../../src/manifests/types.ts';
import { matchesSelector } from '../../src/rollout/selector.ts';

const attrs = { 'service.name': 'otelcol', env: 'prod', canary: 'true', empty: '' };

describe('matchesSelector', () => {
  const cases: { name: string; selector: LabelSelector | undefined; want: boolean }[] = [
    { name: 'undefined selector matches all', selector: undefined, want: true },
    { name: 'empty selector matches all', selector: {}, want: true },
    { name: 'matchLabels all equal', selector: { matchLabels: { env: 'prod', canary: 'true' } }, want: true },
    { name: 'matchLabels one differs', selector: { matchLabels: { env: 'prod', canary: 'false' } }, want: false },
    { name: 'matchLabels missing key', selector: { matchLabels: { region: 'eu' } }, want: false },
    { name: 'matchLabels empty value matches present empty', selector: { matchLabels: { empty: '' } }, want: true },
    { name: 'matchLabels does not match inherited keys', selector: { matchLabels: { toString: 'x' } }, want: false },
    { name: 'In hit', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, want: true },
    { name: 'In miss', selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, want: false },
    { name: 'In absent key', selector: { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }] }, want: false },
    { name: 'In without values', selector: { matchExpressions: [{ key: 'env', operator: 'In' }] }, want: false },
    { name: 'NotIn hit', selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, want: false },
    { name: 'NotIn miss', selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }, want: true },
    { name: 'NotIn absent key holds (Kubernetes)', selector: { matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['eu'] }] }, want: true },
    { name: 'NotIn without values', selector: { matchExpressions: [{ key: 'env', operator: 'NotIn' }] }, want: true },
    { name: 'Exists', selector: { matchExpressions: [{ key: 'canary', operator: 'Exists' }] }, want: true },
    { name: 'Exists absent', selector: { matchExpressions: [{ key: 'region', operator: 'Exists' }] }, want: false },
    { name: 'DoesNotExist', selector: { matchExpressions: [{ key: 'region', operator: 'DoesNotExist' }] }, want: true },
    { name: 'DoesNotExist present', selector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, want: false },
    {
      name: 'labels AND expressions',
      selector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'canary', operator: 'Exists' }, { key: 'env', operator: 'In', values: ['dev'] }] },
      want: false,
    },
  ];
  it.each(cases)('$name', ({ selector, want }) => {
    expect(matchesSelector(selector, attrs)).toBe(want);
  });
});
