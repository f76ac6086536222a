import type { AgentPage, AgentQuery } from '../api/agent-query.ts';
import { AGENT_STATES } from '../api/agent-query.ts';
import type { AgentSummary } from '../api/agent-summary.ts';
import { formatAgo } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** The filter form of the agent table; a plain GET form, so it works without the script too. */
export function renderAgentFilters(policies: readonly string[], query: Partial<AgentQuery>, scoped: boolean): SafeHtml {
  const option = (value: string, label: string, selected: boolean) => html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" id="agent-filters" method="get" action="#agents">
    ${scoped ? html`<input type="hidden" name="policy" value="${query.policy ?? ''}">` : html`<select name="policy" aria-label="policy">${option('', 'all policies', !query.policy)}${policies.map((p) => option(p, p, p === query.policy))}</select>`}
    <input name="ring" placeholder="ring" value="${query.ring ?? ''}" aria-label="ring" size="10">
    <select name="state" aria-label="state">${option('', 'any state', !query.state)}${AGENT_STATES.map((s) => option(s, s, s === query.state))}</select>
    <input name="q" type="search" placeholder="search uid, attribute=value, error" value="${query.q ?? ''}" aria-label="search" size="32">
    <button type="submit">Filter</button>
  </form>`;
}

/** The agent table for one page of agents. `policy` picks which placement the ring/state columns show. */
export function renderAgentTable(page: AgentPage, now: number, policy: string | undefined): SafeHtml {
  const rows = page.items.map((a) => renderRow(a, now, policy));
  const shown = page.items.length;
  return html`<p class="muted table-note" data-agent-total="${page.total}">${shown < page.total ? `showing ${shown} of ${page.total} agents (refine the filter to see others)` : `${page.total} agents`}</p>
  <table class="agents"><thead><tr><th>agent</th><th>host</th><th>ring</th><th>state</th><th>version</th><th>seen</th><th>last error</th></tr></thead>
  <tbody>${rows.length > 0 ? rows : html`<tr><td colspan="7" class="muted">no agents match</td></tr>`}</tbody></table>`;
}

function renderRow(a: AgentSummary, now: number, policy: string | undefined): SafeHtml {
  const placements = Object.entries(a.policies);
  const chosen = policy !== undefined ? a.policies[policy] : placements[0]?.[1];
  const version = Object.entries(a.packages).map(([name, p]) => `${name || '(top level)'} ${p.version ?? '?'}`).join(', ');
  const seen = Date.parse(a.lastSeen);
  return html`<tr data-uid="${a.uid}" data-state="${chosen?.state ?? ''}">
    <td class="uid" title="${a.uid}">${a.uid.slice(-12)}</td>
    <td>${a.attributes['host.name'] ?? ''}</td>
    <td>${chosen ? (chosen.ring ?? '—') : ''}</td>
    <td><span class="state state-${chosen?.state ?? 'none'}">${chosen?.state ?? '—'}</span></td>
    <td>${version}</td>
    <td class="${a.online ? '' : 'offline'}">${a.online ? 'online' : `offline, ${formatAgo(seen, now)}`}</td>
    <td class="error">${a.lastError ?? ''}</td>
  </tr>`;
}
