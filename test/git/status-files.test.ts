/**
 * Canonical status files and commit messages (pure functions of the Git status writer).
 */
import { describe, expect, it } from 'vitest';
import { formatStatusCommitMessage } from '../../src/status/git/commit-message.ts';
import { parsePolicyStatus, renderInventory, renderInventoryAgents, renderPolicyStatus, validatePolicyName } from '../../src/status/git/status-files.ts';
import { sampleInventory, sampleStatus } from '../contract/status-writer.contract.ts';

function shuffledKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(shuffledKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, shuffledKeys(item)])) as T;
}

describe('status files', () => {
  it('render identical bytes for equal statuses, whatever the key order, and parse back', () => {
    const text = renderPolicyStatus(sampleStatus());
    expect(renderPolicyStatus(shuffledKeys(sampleStatus()))).toBe(text);
    expect(renderPolicyStatus({ ...sampleStatus(), message: undefined } as never)).toBe(text);
    expect(parsePolicyStatus(text)).toEqual(sampleStatus());
    expect(text).toContain('status: "False"'); // strings that look like booleans stay strings
  });

  it('refuse documents that are not statuses', () => {
    expect(parsePolicyStatus('- a list\n')).toBeUndefined();
    expect(parsePolicyStatus('phase: [unclosed\n')).toBeUndefined();
    expect(parsePolicyStatus('phase: Baking\n')).toBeUndefined();
    expect(parsePolicyStatus('a: &x [1]\nb: *x\nphase: P\nrings: []\nconditions: []\n')).toBeUndefined(); // no aliases
  });

  it('render the inventory one agent per line, sorted by uid, with stable keys', () => {
    const inventory = sampleInventory(3);
    const agents = renderInventoryAgents({ ...inventory, agents: shuffledKeys([...inventory.agents].reverse()) });
    const text = renderInventory(inventory.generatedAt, agents);
    expect(JSON.parse(text)).toEqual(inventory);
    expect(agents).toBe(renderInventoryAgents(inventory));
    expect(renderInventory('t', renderInventoryAgents({ generatedAt: 't', agents: [] }))).toBe('{\n  "generatedAt": "t",\n  "agents": []\n}\n');
  });

  it.each(['../x', 'a/b', 'UPPER', '', '-lead', 'trail-', 'a..b'])('refuse the policy name %j as a file name', (name) => {
    expect(() => validatePolicyName(name)).toThrow(expect.objectContaining({ code: 'E_STATUS_POLICY_NAME' }));
  });
});

describe('status commit messages', () => {
  it('one policy, one summary: the subject alone', () => {
    expect(formatStatusCommitMessage([{ policy: 'otelcol-custom', summaries: ['ring canary succeeded (5/5), baking until 12:40Z'] }]))
      .toBe('otelcol-custom: ring canary succeeded (5/5), baking until 12:40Z\n');
  });

  it('several summaries: the latest as subject, all in the body, one line each', () => {
    expect(formatStatusCommitMessage([{ policy: 'p', summaries: ['ring canary started', 'ring canary\nsucceeded\t(5/5)'] }], 12))
      .toBe('p: ring canary succeeded (5/5)\n\n- p: ring canary started\n- p: ring canary succeeded (5/5)\n- inventory: 12 agents\n');
  });

  it('several policies: sorted, joined, cut at 72 characters', () => {
    const message = formatStatusCommitMessage([
      { policy: 'zeta', summaries: ['ring everyone waits for approval'] },
      { policy: 'alpha', summaries: ['ring canary failed (2 of 5 agents failed), paused'] },
    ]);
    const [subject] = message.split('\n');
    expect([...(subject ?? '')]).toHaveLength(72);
    expect(subject).toMatch(/^alpha: ring canary failed \(2 of 5 agents failed\), paused; zeta: .*…$/);
    expect(message).toContain('- zeta: ring everyone waits for approval');
  });

  it('inventory only; an empty summary still says something', () => {
    expect(formatStatusCommitMessage([], 1042)).toBe('status: inventory (1042 agents)\n');
    expect(formatStatusCommitMessage([{ policy: 'p', summaries: ['  '] }])).toBe('p: status updated\n');
  });
});
