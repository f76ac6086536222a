/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core loads the
 * page during a simulated rollout and must show the rings advancing without a reload.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/handler.ts';
import { createDashboardHandler } from '../../src/dashboard/handler.ts';
import { createPlannedFleet, type PlannedFleet } from '../api/planned-fleet.ts';
import { serveOnLoopback } from '../api/http-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const haveChromium = existsSync(CHROMIUM);
const POLL = { timeout: 20_000, interval: 100 };

describe('dashboard in headless Chromium', () => {
  let context: BrowserContext | undefined;
  let profile = '';
  let close: (() => Promise<void>) | undefined;
  let sim: PlannedFleet;
  let url = '';

  beforeAll(async () => {
    if (!haveChromium) return;
    sim = createPlannedFleet({ size: 60, failIn: { ring: 'early', count: 1 }, start: Date.now() });
    const srv = await serveOnLoopback([
      createApiHandler({ view: sim.view, events: { coalesceMs: 50 } }),
      createDashboardHandler({ view: sim.view, now: sim.now }),
    ]);
    close = srv.close;
    url = srv.url;
    profile = await mkdtemp(join(tmpdir(), 'ringmaster-chromium-'));
    // A fresh profile per run (playwright passes it as --user-data-dir) and --headless.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1440, height: 900 }, timeout: 60_000,
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await close?.();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('updates ring bars, counts and gates live over SSE without reloading', async (ctx) => {
    if (!haveChromium) {
      if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (.ci/run does this) — the dashboard browser test cannot run without it`);
      ctx.skip(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium); skipped outside CI`);
      return;
    }
    const page = await context!.newPage();
    const failures: string[] = [];
    page.on('pageerror', (err) => failures.push(err.message));
    page.on('console', (msg) => { if (msg.type() === 'error') failures.push(msg.text()); });
    page.on('response', (res) => { if (res.status() >= 400) failures.push(`${res.status()} ${res.url()}`); });
    await page.goto(`${url}/`);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 20_000 });
    await page.evaluate(() => Object.assign(globalThis, { __sameDocument: true }));
    expect(await count(page, 'canary', 'installed')).toBe('0');
    const widthBefore = await page.locator('[data-ring="canary"] rect.seg-installed').count();
    expect(widthBefore).toBe(0);

    for (let i = 0; i < 3; i++) sim.tick();
    await expect.poll(() => count(page, 'canary', 'installed'), POLL).toBe('4');
    expect(await page.locator('[data-ring="canary"] rect.seg-installed').getAttribute('width')).toBe('80.000');
    expect(await page.locator('[data-ring="canary"] rect.seg-waiting').getAttribute('width')).toBe('20.000');

    // Run the rollout to the approval gate; the page follows by itself.
    sim.runUntil(() => sim.status()?.phase === 'WaitingApproval');
    await page.waitForSelector('[data-ring="everyone"] .gate.approval', { timeout: 20_000 });
    expect(await page.locator('[data-ring="everyone"] .gate.approval').innerText()).toContain('spec.approvals: [everyone]');
    expect(await page.locator('[data-ring="early"] .failing summary').innerText()).toBe('1 failing');
    await expect.poll(() => page.locator('#events').textContent(), POLL).toMatch(/RingSucceeded/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-approval.png') });

    // The filter narrows the agent table in place.
    await page.fill('input[name="q"]', 'config invalid');
    await expect.poll(() => page.locator('table.agents tbody tr[data-uid]').count(), POLL).toBe(1);
    await page.fill('input[name="q"]', '');
    await expect.poll(() => page.locator('table.agents tbody tr[data-uid]').count(), POLL).toBe(60);

    // Open the last ring and let it progress a little, for a screenshot mid-rollout.
    sim.approve('everyone');
    for (let i = 0; i < 3; i++) sim.tick();
    await expect.poll(() => page.locator('[data-ring="everyone"]').getAttribute('data-phase'), POLL).toBe('Progressing');
    expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(failures).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: false });
  }, 90_000);
});

function count(page: Page, ring: string, segment: string): Promise<string | null> {
  return page.locator(`[data-ring="${ring}"] [data-count="${segment}"]`).first().textContent();
}
