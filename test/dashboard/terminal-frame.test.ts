import { describe, expect, it } from 'vitest';
import { summarizePolicy, type PolicySummary } from '../../src/api/policy-summary.ts';
import { composeWatchOutput, countRows } from '../../src/cli/status.ts';
import { allocateCells, renderStatusFrame } from '../../src/dashboard/terminal-frame.ts';
import { createPlannedFleet } from '../api/planned-fleet.ts';

const summaries = (fleet: ReturnType<typeof createPlannedFleet>): PolicySummary[] => fleet.view.policies().map((p) => summarizePolicy(p));
const ringLine = (frame: string, ring: string): string => frame.split('\n').find((l) => l.startsWith(`  ${ring} `)) ?? '';
const count = (text: string, glyph: string): number => [...text].filter((c) => c === glyph).length;

describe('renderStatusFrame', () => {
  it('draws one bar per ring, the approval commands and the failing agents', () => {
    const fleet = createPlannedFleet({ size: 60, failIn: { ring: 'early', count: 1 } });
    fleet.runUntil(() => fleet.status()?.phase === 'WaitingApproval');
    const frame = renderStatusFrame(summaries(fleet), { width: 100, now: fleet.now(), color: false });
    expect(frame).toBe([
      'otelcol-custom  WaitingApproval  otelcol-custom-1.5.0',
      '  ring everyone needs approval: add "everyone" to spec.approvals',
      `  canary    Succeeded        ${'█'.repeat(38)}    5/5`,
      `  early     Succeeded        ${'█'.repeat(33)}▒▒▒··  13/15  1 failed, 1 incompatible`,
      `  everyone  WaitingApproval  ${'░'.repeat(36)}··   0/40  2 incompatible`,
      '  ⏸ everyone needs approval:',
      '      git:     in policies/otelcol-custom.yaml set spec.approvals: [everyone]',
      `      kubectl: kubectl patch rolloutpolicy otelcol-custom --type merge -p '{"spec":{"approvals":["everyone"]}}'`,
      '  ✗ early: 1 failing',
      `      ${fleet.failing[0]}  failed  install failed: exit status 1: config invalid`,
      '',
      '█ installed  ▓ in flight  ▒ failed  ░ waiting  · incompatible  - offline',
      '',
    ].join('\n'));
  });

  it('heads a policy "stable → target" while they differ, and the release alone once they are the same', () => {
    const fleet = createPlannedFleet({ size: 40 });
    const [summary] = summaries(fleet);
    const head = (p: PolicySummary): string => renderStatusFrame([p], { width: 100, now: fleet.now(), color: false }).split('\n')[0]!;
    expect(head({ ...summary!, stableRelease: 'otelcol-custom-1.4.0' })).toMatch(/ otelcol-custom-1\.4\.0 → otelcol-custom-1\.5\.0$/);
    expect(head({ ...summary!, stableRelease: 'otelcol-custom-1.5.0' })).toMatch(/[^>] otelcol-custom-1\.5\.0$/);
    expect(head({ ...summary!, stableRelease: 'otelcol-custom-1.5.0' })).not.toContain('→');
  });

  it('shows rings filling frame by frame during a rollout, and the bake countdown', () => {
    const fleet = createPlannedFleet({ size: 40 });
    const frames: string[] = [];
    for (let i = 0; i < 12; i++) {
      frames.push(renderStatusFrame(summaries(fleet), { width: 100, now: fleet.now(), color: false }));
      fleet.tick();
    }
    const installed = frames.map((f) => count(ringLine(f, 'canary'), '█'));
    expect(installed[0]).toBe(0);
    expect(installed.at(-1)).toBe(38);
    expect(installed).toEqual([...installed].sort((a, b) => a - b));
    expect(frames.some((f) => /◷ canary baking, \d+s left/.test(f))).toBe(true);
    expect(ringLine(frames[0]!, 'canary')).toContain('▓');
  });

  it('fits the bar to the terminal width (10 to 60 cells) and colours only when asked', () => {
    const fleet = createPlannedFleet({ size: 40 });
    const cells = (width: number) => {
      const line = ringLine(renderStatusFrame(summaries(fleet), { width, now: fleet.now(), color: false }), 'canary');
      return [...line].filter((c) => '█▓▒░·-'.includes(c)).length;
    };
    expect(cells(40)).toBe(10);
    expect(cells(100)).toBe(38);
    expect(cells(300)).toBe(60);
    const colored = renderStatusFrame(summaries(fleet), { width: 100, now: fleet.now(), color: true });
    expect(colored).toContain('\x1b[34m▓▓▓▓');
    expect(renderStatusFrame([], { width: 80, now: 0, color: false })).toBe('No rollout policies yet.\n');
  });
});

describe('allocateCells', () => {
  const bar = (b: Partial<Record<string, number>>) => {
    const full = { installed: 0, inFlight: 0, failed: 0, waiting: 0, incompatible: 0, offline: 0, ...b };
    return { ...full, total: Object.values(full).reduce((a, v) => a + v, 0) };
  };
  it.each([
    ['all installed', bar({ installed: 5 }), 10, { installed: 10 }],
    ['an empty ring is all waiting', bar({}), 8, { waiting: 8 }],
    ['a single failure among many still shows', bar({ installed: 999, failed: 1 }), 20, { installed: 19, failed: 1 }],
    ['largest remainder', bar({ installed: 1, inFlight: 1, waiting: 1 }), 10, { installed: 4, inFlight: 3, waiting: 3 }],
    ['more segments than cells never overflow', bar({ installed: 1, inFlight: 1, failed: 1, waiting: 1, incompatible: 1, offline: 1 }), 4, null],
  ])('%s', (_name, b, width, want) => {
    const cells = allocateCells(b, width);
    expect(Object.values(cells).reduce((a, v) => a + v, 0)).toBe(width);
    if (want) expect(cells).toMatchObject(want);
  });
});

describe('composeWatchOutput', () => {
  it('redraws in place on a TTY and separates frames with a blank line otherwise', () => {
    expect(composeWatchOutput('a\nb\n', 0, true, true)).toBe('\x1b[0Ja\nb\n');
    expect(composeWatchOutput('a\nb\n', 2, true, false)).toBe('\x1b[2F\x1b[0Ja\nb\n');
    expect(composeWatchOutput('a\n', 1, false, true)).toBe('a\n');
    expect(composeWatchOutput('a\n', 1, false, false)).toBe('\na\n');
    expect(composeWatchOutput('{"policies":[]}\n', 1, false, false)).toBe('{"policies":[]}\n');
  });

  it('counts the rows a frame takes, wrapped lines included and colour codes excluded', () => {
    expect(countRows('a\nb\n', 80)).toBe(2);
    expect(countRows('\n\n', 80)).toBe(2);
    expect(countRows(`${'x'.repeat(81)}\n`, 80)).toBe(2);
    expect(countRows(`\x1b[32m${'█'.repeat(80)}\x1b[0m\n`, 80)).toBe(1);
  });
});
