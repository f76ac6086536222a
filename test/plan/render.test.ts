/** Renderers on hand-made reports: escaping and the edges the fixtures do not reach. */
import { describe, expect, it } from 'vitest';
import { MARKDOWN_MARKER, renderMarkdown } from '../../src/plan/render/markdown.ts';
import { renderText } from '../../src/plan/render/text.ts';
import { describeChanges, plural } from '../../src/plan/render/summary.ts';
import type { PlanReport } from '../../src/plan/types.ts';
import { formatDuration } from '../../src/plan/policy-plan.ts';

function report(overrides: Partial<PlanReport> = {}): PlanReport {
  return {
    base: { revision: 'a'.repeat(40) },
    head: { revision: 'feature/x' },
    changed: true,
    changes: [{ kind: 'RolloutPolicy', name: 'p', change: 'changed', fields: [{ path: 'metadata.annotations.note', before: 'a|b', after: 'x`y' }] }],
    policies: [],
    warnings: [{ code: 'downgrade', policy: 'p', message: 'downgrade <script>alert(1)</script> *bold*' }],
    diagnostics: [],
    inventory: { source: 'status/inventory.json@main', agents: 0, online: 0 },
    ...overrides,
  };
}

describe('markdown', () => {
  it('starts with the marker CI looks for, and shortens commit ids only', () => {
    const md = renderMarkdown(report());
    expect(md.startsWith(`${MARKDOWN_MARKER}\n### Ringmaster plan: \`aaaaaaaaaaaa\` → \`feature/x\`\n`)).toBe(true);
  });

  it('escapes table pipes, backticks and HTML so a manifest cannot break or inject into the comment', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('| `metadata.annotations.note` | `a\\|b` | `` x`y `` |');
    expect(md).toContain('downgrade \\<script\\>alert(1)\\</script\\> \\*bold\\*');
    expect(md).not.toContain('<script>');
  });

  it('a removed policy says what happens to its agents', () => {
    const md = renderMarkdown(report({
      policies: [{ policy: 'p', change: 'removed', from: { name: 'r-1' }, selected: 0, rings: [], unassigned: { agents: 0, exampleHosts: [] }, incompatible: [], minDuration: { ms: 0, text: '0s' }, pendingApprovals: [] }],
    }));
    expect(md).toContain('#### Policy `p` (removed): r-1 → removed');
    expect(md).toContain('no longer managed');
  });
});

describe('text and phrases', () => {
  it('no changes reads as such', () => {
    expect(renderText(report({ changed: false, changes: [], warnings: [] }))).toBe(
      'Ringmaster plan aaaaaaaaaaaa -> feature/x\nno changes · 0 rollouts · 0 warnings · 0 agents (0 online) from status/inventory.json@main\n',
    );
    expect(describeChanges([])).toBe('no changes');
  });

  it.each([
    [0, '0s'], [999, '1s'], [90_000, '1m30s'], [5_400_000, '1h30m'], [90_000_000, '1d1h'],
  ])('formatDuration(%i) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('plural', () => {
    expect([plural(1, 'policy'), plural(2, 'policy'), plural(1, 'agent'), plural(0, 'agent')]).toEqual(['1 policy', '2 policies', '1 agent', '0 agents']);
  });
});
