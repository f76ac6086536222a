import type { OperatorEvent } from '../api/view.ts';
import { formatClock } from './format.ts';
import { isNotable } from './notable-events.ts';
import { html, type SafeHtml } from './html.ts';

/**
 * The recent events list, newest first: rollout transitions and agent warnings (the many
 * normal agent steps are left to the ring bars). `policy` narrows it to one policy.
 */
export function renderEvents(events: readonly OperatorEvent[], policy: string | undefined, limit = 30): SafeHtml {
  const shown = events
    .filter((e) => isNotable(e) && (policy === undefined || e.policy === policy))
    .slice(-limit)
    .reverse();
  if (shown.length === 0) return html`<p class="muted">no events yet</p>`;
  return html`<ol class="events">${shown.map((e) => html`<li class="event event-${e.type}" data-event-id="${e.id}">
    <time datetime="${new Date(e.at).toISOString()}">${formatClock(e.at)}</time>
    <span class="event-where">${e.policy ?? ''}${e.ring ? html`/<b>${e.ring}</b>` : ''}</span>
    <span class="event-reason">${e.reason}</span>
    <span class="event-message">${e.message}</span>
  </li>`)}</ol>`;
}
