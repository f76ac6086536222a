/**
 * The plan as a pull-request comment (GitHub and GitLab flavoured markdown): a summary
 * line, the warnings, a table of rings per policy with each ring's details collapsed, and
 * the field-level changes collapsed at the end. Pure; the same report gives the same bytes.
 */
import { formatDiagnostic } from '../../manifests/diagnostic.ts';
import type { ObjectChange, PlanReport, PolicyPlan, RingPlan } from '../types.ts';
import {
  describeIncompatible, describePlatforms, describeTransition, formatValue, isInvalid, plural, shortRevision as short, summaryLine,
} from './summary.ts';

/** First line of every comment: CI finds its own comment by it to update it in place. */
export const MARKDOWN_MARKER = '<!-- ringmaster-plan -->';

/** Renders the report as markdown ending in a newline. */
export function renderMarkdown(report: PlanReport): string {
  const lines = [
    MARKDOWN_MARKER,
    `### Ringmaster plan: ${code(short(report.base.revision))} → ${code(short(report.head.revision))}`,
    '',
    `**${escapeText(summaryLine(report))}**`,
  ];
  if (isInvalid(report)) {
    lines.push('', '#### ❌ Errors at head', '', ...report.diagnostics.map((d) => `- ${code(formatDiagnostic(d))}`));
    return `${lines.join('\n')}\n`;
  }
  if (report.warnings.length > 0) {
    lines.push('', '#### ⚠️ Warnings', '');
    for (const w of report.warnings) lines.push(`- ${w.policy ? `${code(w.policy)}: ` : ''}${escapeText(w.message)} (${code(w.code)})`);
  }
  const notes = report.diagnostics.filter((d) => d.severity === 'warning');
  if (notes.length > 0) {
    lines.push('', `<details><summary>Manifest warnings at head: ${notes.length}</summary>`, '', ...notes.map((d) => `- ${code(formatDiagnostic(d))}`), '', '</details>');
  }
  for (const policy of report.policies) lines.push('', ...renderPolicy(policy));
  if (report.changes.length > 0) lines.push('', '#### Changes', '', ...report.changes.flatMap(renderChange));
  return `${lines.join('\n')}\n`;
}

function renderPolicy(plan: PolicyPlan): string[] {
  const lines = [`#### Policy ${code(plan.policy)} (${plan.change}): ${escapeText(describeTransition(plan))}`];
  if (!plan.to) return [...lines, '', 'The policy is removed: its agents keep what they run and are no longer managed.'];
  const facts = [
    `selects ${plural(plan.selected, 'agent')}`,
    `phase after merge: ${plan.phase ?? 'unknown'}`,
    `at least ${plan.minDuration.text} (sum of bakes)`,
  ];
  if (plan.pendingApprovals.length > 0) facts.push(`needs approval: ${plan.pendingApprovals.map(code).join(', ')}`);
  lines.push('', facts.join(' · '), '');
  lines.push('| # | Ring | Agents | On target | First batch | Platforms | Bake | Approval | Max failures | Max concurrent |');
  lines.push('|--:|---|--:|--:|--:|---|---|---|---|---|');
  plan.rings.forEach((ring, i) => lines.push(ringRow(ring, i + 1)));
  for (const ring of plan.rings) lines.push('', ...ringDetails(ring));
  if (plan.unassigned.agents > 0) {
    lines.push('', `**Unassigned** (selected by the policy, by no ring; never upgraded): ${plural(plan.unassigned.agents, 'agent')}, e.g. ${plan.unassigned.exampleHosts.map(code).join(', ')}`);
  }
  if (plan.incompatible.length > 0) {
    lines.push('', `**Incompatible** (never offered the target, never block a gate): ${plural(plan.incompatible.length, 'agent')}`, '');
    for (const a of plan.incompatible) lines.push(`- ${code(a.host ?? a.uid)} ${code(a.platform)}: ${describeIncompatible(a.reason)}`);
  }
  return lines;
}

function ringRow(ring: RingPlan, index: number): string {
  const g = ring.gates;
  const approval = !g.requireApproval ? '–' : g.approved ? 'approved' : 'required';
  const cells = [
    String(index), code(ring.name), String(ring.agents), String(ring.onTarget), String(ring.offeredNow), escapeText(describePlatforms(ring.platforms)),
    g.bake, approval, `${g.maxFailures} (${g.maxFailuresAgents})`, `${g.maxConcurrent} (${g.maxConcurrentAgents})`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function ringDetails(ring: RingPlan): string[] {
  const hosts = ring.exampleHosts.length > 0 ? ring.exampleHosts.map(code).join(', ') : 'none';
  return [
    `<details><summary>Ring <code>${escapeHtml(ring.name)}</code>: ${plural(ring.agents, 'agent')}, phase ${ring.phase}</summary>`,
    '',
    `- example hosts: ${hosts}${ring.agents > ring.exampleHosts.length ? ', …' : ''}`,
    `- offline: ${ring.offline} · incompatible: ${ring.incompatible} · already on the target: ${ring.onTarget} · offered it on the first reconcile: ${ring.offeredNow}`,
    `- gates: bake ${ring.gates.bake}, approval ${ring.gates.requireApproval ? (ring.gates.approved ? 'given' : 'required') : 'not required'}, at most ${ring.gates.maxFailuresAgents} failure(s), ${ring.gates.maxConcurrentAgents} in flight at once`,
    '',
    '</details>',
  ];
}

function renderChange(change: ObjectChange): string[] {
  const title = `${change.kind} <code>${escapeHtml(change.name)}</code> ${change.change}`;
  if (change.fields.length === 0) return [`- ${title}`, ''];
  const rows = change.fields.map((f) => `| ${code(f.path)} | ${code(formatValue(f.before))} | ${code(formatValue(f.after))} |`);
  return [`<details><summary>${title}: ${plural(change.fields.length, 'field')}</summary>`, '', '| Field | Before | After |', '|---|---|---|', ...rows, '', '</details>', ''];
}

/** Inline code that survives tables: backticks widened, pipes escaped, one line. */
function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const fence = flat.includes('`') ? '`` ' : '`';
  return `${fence}${flat}${fence.split('').reverse().join('')}`;
}

function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
