import { html, type SafeHtml } from './html.ts';
import { renderLegend } from './render-policy.ts';

/** The parts of one dashboard page, already rendered. */
export interface PageParts {
  title: string;
  /** Set on a single policy's page; the script then fetches fragments for that policy only. */
  scope?: string;
  policies: SafeHtml;
  events: SafeHtml;
  filters: SafeHtml;
  agents: SafeHtml;
}

/**
 * The whole page. Every region the script refreshes has an id (`policies`, `events`,
 * `agents`); the script swaps in the same server-rendered fragments, so there is one renderer.
 */
export function renderPage(parts: PageParts): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title} · Ringmaster</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body data-policy="${parts.scope ?? ''}">
<header class="top">
  <a class="brand" href="/">Ringmaster</a>
  ${parts.scope ? html`<span class="crumb">/ ${parts.scope}</span>` : ''}
  ${renderLegend()}
  <span id="live" class="live" data-state="static" title="live updates">static</span>
</header>
<main>
  <div id="policies" class="policies">${parts.policies}</div>
  <div class="lower">
    <section class="panel" id="agents-panel">
      <h3 id="agents">Agents</h3>
      ${parts.filters}
      <div id="agent-table">${parts.agents}</div>
    </section>
    <section class="panel">
      <h3>Recent events</h3>
      <div id="events">${parts.events}</div>
    </section>
  </div>
</main>
</body>
</html>`;
}

/** A small standalone page for errors and the login hint. */
export function renderMessagePage(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Ringmaster</title><link rel="stylesheet" href="/dashboard/app.css"></head>
<body><header class="top"><a class="brand" href="/">Ringmaster</a></header><main class="message-page"><h2>${title}</h2>${body}</main></body></html>`;
}
