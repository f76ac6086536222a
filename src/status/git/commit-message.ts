/**
 * Commit messages of status commits: the subject says what happened (git log --oneline is
 * the rollout's history), the body lists every summary since the previous commit.
 */

/** What one policy did since the last status commit, oldest summary first. */
export interface PolicyChange {
  policy: string;
  summaries: string[];
}

export const SUBJECT_MAX = 72;

/** One line, no control characters, collapsed spaces; a fallback when empty. */
export function cleanSummary(summary: string): string {
  const line = summary.replace(/\p{Cc}+/gu, ' ').replace(/\s+/g, ' ').trim();
  return line === '' ? 'status updated' : line;
}

function truncate(line: string, max: number): string {
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * Builds the message. Subjects (≤ 72 characters):
 * - one policy: `otelcol-custom: ring canary succeeded (5/5), baking until 12:40Z` (latest summary);
 * - several: `otelcol-custom: ring canary succeeded (5/5); otelcol-contrib: …`, cut with `…`;
 * - inventory only: `status: inventory (1042 agents)`.
 */
export function formatStatusCommitMessage(changes: readonly PolicyChange[], inventoryAgents?: number): string {
  const sorted = [...changes].sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
  const latest = sorted.map((change) => `${change.policy}: ${cleanSummary(change.summaries.at(-1) ?? '')}`);
  const subject = latest.length === 0 ? `status: inventory (${inventoryAgents ?? 0} agents)` : truncate(latest.join('; '), SUBJECT_MAX);
  const body: string[] = [];
  for (const change of sorted) {
    for (const summary of change.summaries) body.push(`- ${change.policy}: ${cleanSummary(summary)}`);
  }
  if (inventoryAgents !== undefined && latest.length > 0) body.push(`- inventory: ${inventoryAgents} agents`);
  const needsBody = body.length > 1 || (body.length === 1 && subject !== latest[0]);
  return needsBody ? `${subject}\n\n${body.join('\n')}\n` : `${subject}\n`;
}
