/**
 * The plan for a terminal: plain text, no colour, aligned ring tables. Pure.
 */
import { formatDiagnostic } from '../../manifests/diagnostic.ts';
import type { ObjectChange, PlanReport, PolicyPlan } from '../types.ts';
import {
  describeIncompatible, describePlatforms, describeTransition, formatValue, isInvalid, plural, shortRevision, summaryLine,
} from './summary.ts';

/** Renders the report as text ending in a newline. */
export function renderText(report: PlanReport): string {
  const lines = [`Ringmaster plan ${shortRevision(report.base.revision)} -> ${shortRevision(report.head.revision)}`, summaryLine(report)];
  if (isInvalid(report)) {
    lines.push('', 'Errors at head:', ...report.diagnostics.map((d) => `  ${formatDiagnostic(d)}`));
    return `${lines.join('\n')}\n`;
  }
  if (report.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const w of report.warnings) lines.push(`  [${w.code}] ${w.policy ? `${w.policy}: ` : ''}${w.message}`);
  }
  const notes = report.diagnostics.filter((d) => d.severity === 'warning');
  if (notes.length > 0) lines.push('', 'Manifest warnings:', ...notes.map((d) => `  ${formatDiagnostic(d)}`));
  for (const policy of report.policies) lines.push('', ...renderPolicy(policy));
  if (report.changes.length > 0) lines.push('', 'Changes:', ...report.changes.flatMap(renderChange));
  return `${lines.join('\n')}\n`;
}

function renderPolicy(plan: PolicyPlan): string[] {
  const lines = [`Policy ${plan.policy} (${plan.change}): ${describeTransition(plan)}`];
  if (!plan.to) return lines;
  const approvals = plan.pendingApprovals.length > 0 ? `, needs approval: ${plan.pendingApprovals.join(', ')}` : '';
  lines.push(`  selects ${plural(plan.selected, 'agent')}, phase after merge ${plan.phase ?? 'unknown'}, at least ${plan.minDuration.text} (sum of bakes)${approvals}`);
  const header = ['RING', 'AGENTS', 'ON-TARGET', 'FIRST-BATCH', 'BAKE', 'APPROVAL', 'MAXFAIL', 'MAXCONC', 'PLATFORMS', 'EXAMPLES'];
  const rows = plan.rings.map((r) => [
    r.name,
    String(r.agents),
    String(r.onTarget),
    String(r.offeredNow),
    r.gates.bake,
    !r.gates.requireApproval ? '-' : r.gates.approved ? 'approved' : 'required',
    `${r.gates.maxFailures}(${r.gates.maxFailuresAgents})`,
    `${r.gates.maxConcurrent}(${r.gates.maxConcurrentAgents})`,
    describePlatforms(r.platforms),
    r.exampleHosts.join(','),
  ]);
  lines.push(...table([header, ...rows]).map((l) => `  ${l}`));
  if (plan.unassigned.agents > 0) lines.push(`  unassigned: ${plural(plan.unassigned.agents, 'agent')} (${plan.unassigned.exampleHosts.join(', ')})`);
  for (const a of plan.incompatible) lines.push(`  incompatible: ${a.host ?? a.uid} ${a.platform}: ${describeIncompatible(a.reason)}`);
  return lines;
}

function renderChange(change: ObjectChange): string[] {
  const lines = [`  ${change.kind} ${change.name} ${change.change}`];
  for (const f of change.fields) lines.push(`    ${f.path}: ${formatValue(f.before)} -> ${formatValue(f.after)}`);
  return lines;
}

// Left-aligned columns two spaces apart, like kubectl; the last column is not padded.
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}
