/* global document, window, EventSource, FormData, Element, URLSearchParams, history, location */
// Ringmaster dashboard: live updates without reloads. The server renders every region;
// this script listens to /api/v1/events (SSE) and swaps in fresh server-rendered
// fragments, at most a few times per second however many agents change at once.
'use strict';

const scope = document.body.dataset.policy || '';
const live = document.getElementById('live');
const form = document.getElementById('agent-filters');
const MIN_REFRESH_MS = 400;
let pending = new Set();
let timer = null;
let lastRefresh = 0;

function setLive(state, text) {
  if (!live) return;
  live.dataset.state = state;
  live.textContent = text;
}

function filterParams() {
  const params = new URLSearchParams();
  if (form) {
    for (const [key, value] of new FormData(form)) if (value) params.set(key, String(value));
  }
  if (scope) params.set('policy', scope);
  return params;
}

async function load(region) {
  const params = region === 'agents' ? filterParams() : new URLSearchParams(scope ? { policy: scope } : {});
  const res = await fetch(`/dashboard/fragments/${region}?${params}`, { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) return setLive('error', 'signed out');
  const target = document.getElementById(region === 'agents' ? 'agent-table' : region);
  if (target) target.innerHTML = await res.text();
}

function schedule(regions) {
  for (const r of regions) pending.add(r);
  if (timer) return;
  const wait = Math.max(0, lastRefresh + MIN_REFRESH_MS - Date.now());
  timer = window.setTimeout(async () => {
    const todo = pending;
    pending = new Set();
    timer = null;
    lastRefresh = Date.now();
    try {
      await Promise.all([...todo].map(load));
      tick();
    } catch {
      setLive('error', 'refresh failed');
    }
  }, wait);
}

function formatRemaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

// Bake countdowns tick locally between server updates.
function tick() {
  for (const el of document.querySelectorAll('time[data-until]')) {
    el.textContent = formatRemaining(Date.parse(el.dataset.until) - Date.now());
  }
}

function connect() {
  const events = new EventSource('/api/v1/events');
  events.addEventListener('open', () => setLive('live', 'live'));
  events.addEventListener('error', () => setLive('reconnecting', 'reconnecting…'));
  events.addEventListener('rollout', () => schedule(['policies', 'events', 'agents']));
  events.addEventListener('agents', () => schedule(['policies', 'agents', 'events']));
  // The server could not replay what we missed: reload every region.
  events.addEventListener('reset', () => schedule(['policies', 'events', 'agents']));
}

if (form) {
  let debounce = null;
  const apply = () => {
    const params = filterParams();
    if (scope) params.delete('policy');
    history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
    schedule(['agents']);
  };
  form.addEventListener('input', () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(apply, 250);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
}

// Clicking a failing agent filters the table to it.
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-agent]') : null;
  if (!link || !form) return;
  const q = form.querySelector('input[name="q"]');
  if (q) q.value = link.dataset.agent;
  schedule(['agents']);
});

window.setInterval(tick, 1000);
connect();
