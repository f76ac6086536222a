/**
 * The terminal view of the rollout (`ringmaster status`, and the demo): one table per
 * policy with a Unicode progress bar per ring, its gates and its failing agents. Pure:
 * summaries and `now` in, one frame of text out, so frames are tested as strings.
 */
import type { PolicySummary, RingOverview } from '../api/policy-summary.ts';
import { BAR_SEGMENTS, type BarSegment, type RingBar } from '../api/ring-bar.ts';
import { formatRemaining } from './format.ts';

export interface FrameOptions {
  /** Terminal columns; the bars use what the other columns leave (10–60 cells). */
  width: number;
  /** Epoch ms, for bake countdowns. */
  now: number;
  /** ANSI colours (on a TTY). */
  color: boolean;
  /** How many failing agents to list per ring. Default 3. */
  failingShown?: number;
}

/** The longest phase name (`WaitingApproval`). */
const PHASE_WIDTH = 15;
const GLYPH: Record<BarSegment, string> = { installed: '█', inFlight: '▓', failed: '▒', waiting: '░', incompatible: '·', offline: '-' };
const COLOR: Record<BarSegment, string> = { installed: '32', inFlight: '34', failed: '31', waiting: '90', incompatible: '35', offline: '33' };
const LABEL: Record<BarSegment, string> = { installed: 'installed', inFlight: 'in flight', failed: 'failed', waiting: 'waiting', incompatible: 'incompatible', offline: 'offline' };

/** Renders every policy, separated by blank lines; ends with a newline. */
export function renderStatusFrame(policies: readonly PolicySummary[], options: FrameOptions): string {
  const paint = (code: string, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  if (policies.length === 0) return 'No rollout policies yet.\n';
  const legend = BAR_SEGMENTS.map((s) => `${paint(COLOR[s], GLYPH[s])} ${LABEL[s]}`).join('  ');
  return `${policies.map((p) => renderPolicy(p, options, paint)).join('\n')}\n${legend}\n`;
}

type Paint = (code: string, text: string) => string;

function renderPolicy(p: PolicySummary, o: FrameOptions, paint: Paint): string {
  // Column widths depend only on names and ring sizes, never on phases or progress, so
  // bars keep their length from one --watch frame to the next.
  const nameWidth = Math.max(4, ...p.rings.map((r) => r.name.length));
  const phaseWidth = PHASE_WIDTH;
  const countWidth = Math.max(...p.rings.map((r) => `${r.bar.total}/${r.bar.total}`.length));
  const barWidth = Math.max(10, Math.min(60, o.width - (2 + nameWidth + 2 + phaseWidth + 2 + 2 + countWidth + 2 + 24)));
  // "stable → target" while a rollout moves; once they are the same, the release alone.
  const from = p.stableRelease && p.stableRelease !== p.release ? `${p.stableRelease} → ` : '';
  const lines = [`${paint('1', p.name)}  ${paint(phaseColor(p.phase), p.phase)}  ${from}${p.release}`];
  if (p.message) lines.push(`  ${p.message}`);
  for (const r of p.rings) {
    const counts = `${r.bar.installed}/${r.bar.total}`.padStart(countWidth);
    lines.push(`  ${r.name.padEnd(nameWidth)}  ${paint(phaseColor(r.phase), r.phase.padEnd(phaseWidth))}  ${renderBar(r.bar, barWidth, paint)}  ${counts}  ${extras(r.bar)}`.trimEnd());
  }
  lines.push(...gates(p, o), ...failing(p, o.failingShown ?? 3));
  return `${lines.join('\n')}\n`;
}

/** Splits `width` cells by largest remainder; every non-empty segment gets at least one cell. */
export function allocateCells(bar: RingBar, width: number): Record<BarSegment, number> {
  const cells = { installed: 0, inFlight: 0, failed: 0, waiting: 0, incompatible: 0, offline: 0 };
  if (bar.total === 0) return { ...cells, waiting: width };
  const present = BAR_SEGMENTS.filter((s) => bar[s] > 0);
  let left = width;
  for (const s of present) {
    cells[s] = Math.max(1, Math.floor((bar[s] / bar.total) * width));
    left -= cells[s];
  }
  const byRemainder = [...present].sort((a, b) => ((bar[b] / bar.total) * width % 1) - ((bar[a] / bar.total) * width % 1));
  for (let i = 0; left > 0; i++) {
    const s = byRemainder[i % byRemainder.length] as BarSegment;
    cells[s] += 1;
    left -= 1;
  }
  for (let i = 0; left < 0; i++) {
    const biggest = [...present].sort((a, b) => cells[b] - cells[a])[0] as BarSegment;
    cells[biggest] -= 1;
    left += 1;
  }
  return cells;
}

function renderBar(bar: RingBar, width: number, paint: Paint): string {
  const cells = allocateCells(bar, width);
  return BAR_SEGMENTS.filter((s) => cells[s] > 0).map((s) => paint(COLOR[s], GLYPH[s].repeat(cells[s]))).join('');
}

function extras(bar: RingBar): string {
  return BAR_SEGMENTS.filter((s) => s !== 'installed' && s !== 'waiting' && bar[s] > 0).map((s) => `${bar[s]} ${LABEL[s]}`).join(', ');
}

function gates(p: PolicySummary, o: FrameOptions): string[] {
  const out: string[] = [];
  for (const r of p.rings) {
    if (r.approval) {
      out.push(`  ⏸ ${r.name} needs approval:`);
      out.push(`      git:     in ${r.approval.file ?? 'the policy manifest'} set ${r.approval.gitEdit}`);
      out.push(`      kubectl: ${r.approval.kubectl}`);
    } else if (r.phase === 'Baking' && r.bakeUntil) {
      out.push(`  ◷ ${r.name} baking, ${formatRemaining(Date.parse(r.bakeUntil) - o.now)} left`);
    }
  }
  return out;
}

function failing(p: PolicySummary, shown: number): string[] {
  const out: string[] = [];
  for (const r of p.rings.filter((x: RingOverview) => x.failingTotal > 0)) {
    out.push(`  ✗ ${r.name}: ${r.failingTotal} failing`);
    for (const f of r.failing.slice(0, shown)) out.push(`      ${f.uid}  ${f.state}${f.reason ? `  ${f.reason}` : ''}`);
    if (r.failingTotal > Math.min(shown, r.failing.length)) out.push(`      … and ${r.failingTotal - Math.min(shown, r.failing.length)} more`);
  }
  return out;
}

function phaseColor(phase: string): string {
  if (phase === 'Succeeded') return '32';
  if (phase === 'Failed' || phase === 'RolledBack' || phase === 'Aborted') return '31';
  if (phase === 'WaitingApproval') return '35';
  if (phase === 'Baking' || phase === 'Paused') return '33';
  return '36';
}
