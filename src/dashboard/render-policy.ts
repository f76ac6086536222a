import type { PolicySummary, RingOverview } from '../api/policy-summary.ts';
import { BAR_SEGMENTS, type BarSegment, type RingBar } from '../api/ring-bar.ts';
import { formatRemaining } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** Labels of the bar segments, as the legend and the counts show them. */
export const SEGMENT_LABELS: Record<BarSegment, string> = {
  installed: 'installed', inFlight: 'in flight', failed: 'failed', waiting: 'waiting', incompatible: 'incompatible', offline: 'offline',
};

/** The legend of the ring bars (one swatch per segment). */
export function renderLegend(): SafeHtml {
  return html`<ul class="legend">${BAR_SEGMENTS.map((s) => html`<li><span class="swatch seg-${s}"></span>${SEGMENT_LABELS[s]}</li>`)}</ul>`;
}

/** One policy: its header, then its rings left to right. */
export function renderPolicy(p: PolicySummary, now: number): SafeHtml {
  const from = p.stableRelease ? html`<span class="from">${p.stableRelease}</span> → ` : '';
  return html`<section class="policy" data-policy="${p.name}" data-phase="${p.phase}">
  <header class="policy-head">
    <h2><a href="/policies/${encodeURIComponent(p.name)}">${p.name}</a></h2>
    <span class="phase phase-${p.phase}">${p.phase}</span>
    <span class="release">${from}<strong>${p.release}</strong></span>
    ${p.unassigned > 0 ? html`<span class="muted">${p.unassigned} unassigned</span>` : ''}
  </header>
  ${p.message ? html`<p class="message">${p.message}</p>` : ''}
  <ol class="rings">${p.rings.map((r) => renderRing(r, now))}</ol>
</section>`;
}

function renderRing(r: RingOverview, now: number): SafeHtml {
  const done = r.bar.installed;
  return html`<li class="ring" data-ring="${r.name}" data-phase="${r.phase}">
    <div class="ring-head"><span class="ring-name">${r.name}</span><span class="phase phase-${r.phase}">${r.phase}</span></div>
    ${renderBar(r.bar)}
    <div class="ring-total"><strong data-count="installed">${done}</strong> / <span data-count="total">${r.bar.total}</span> installed</div>
    <ul class="counts">${BAR_SEGMENTS.filter((s) => s !== 'installed' && r.bar[s] > 0).map((s) => html`<li><span class="swatch seg-${s}"></span><span data-count="${s}">${r.bar[s]}</span> ${SEGMENT_LABELS[s]}</li>`)}</ul>
    ${renderGate(r, now)}
    ${r.failingTotal > 0 ? renderFailing(r) : ''}
  </li>`;
}

/** The stacked bar as inline SVG: widths are attributes, so a strict CSP needs no inline styles. */
function renderBar(bar: RingBar): SafeHtml {
  const total = Math.max(bar.total, 1);
  let x = 0;
  const rects = BAR_SEGMENTS.filter((s) => bar[s] > 0).map((s) => {
    const w = (bar[s] / total) * 100;
    const rect = html`<rect class="seg-${s}" x="${x.toFixed(3)}" y="0" width="${w.toFixed(3)}" height="10"><title>${bar[s]} ${SEGMENT_LABELS[s]}</title></rect>`;
    x += w;
    return rect;
  });
  const label = BAR_SEGMENTS.map((s) => `${bar[s]} ${SEGMENT_LABELS[s]}`).join(', ');
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${label}"><rect class="bar-bg" x="0" y="0" width="100" height="10"></rect>${rects}</svg>`;
}

function renderGate(r: RingOverview, now: number): SafeHtml | string {
  if (r.approval) {
    const a = r.approval;
    return html`<div class="gate approval"><strong>Needs approval.</strong>
      <div>Git: in <code>${a.file ?? 'the policy manifest'}</code> set, then merge:</div><code class="copy">${a.gitEdit}</code>
      <div>Kubernetes:</div><code class="copy">${a.kubectl}</code></div>`;
  }
  if (r.phase === 'Baking' && r.bakeUntil) {
    const until = Date.parse(r.bakeUntil);
    return html`<div class="gate baking">Baking: <time data-until="${r.bakeUntil}" datetime="${r.bakeUntil}">${formatRemaining(until - now)}</time> left</div>`;
  }
  if (r.requireApproval && !r.approved && r.phase === 'Pending') return html`<div class="gate muted">requires approval</div>`;
  return r.message ? html`<div class="gate muted">${r.message}</div>` : '';
}

function renderFailing(r: RingOverview): SafeHtml {
  const more = r.failingTotal - r.failing.length;
  return html`<details class="failing" open><summary>${r.failingTotal} failing</summary><ul>${r.failing.map(
    (f) => html`<li><a href="#agents" data-agent="${f.uid}" class="uid">${f.uid.slice(-12)}</a> ${f.state}${f.reason ? html`: <span class="error">${f.reason}</span>` : ''}</li>`,
  )}${more > 0 ? html`<li class="muted">and ${more} more</li>` : ''}</ul></details>`;
}
