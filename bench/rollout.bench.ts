/**
 * Benchmark 3 — rollout latency. The full server (`startServer`, Git mode, production
 * controller timings) runs in its own process against a real bare fleet repository in a
 * temp dir; N simulated WebSocket agents connect from worker processes. Then a commit adds
 * a policy (rings 1% / 10% of the rest / everyone, no bake, every agent of a ring at once,
 * a 64 KiB artifact) and the push webhook (`POST /hooks/git`, GitHub HMAC signature)
 * tells the server. Measured from the moment the push has landed: when every ring-0 agent
 * holds its offer (target ≤ 1 s), when every agent has installed (target ≤ 20 s), and the
 * spread of install times (p50 / p99 / p100; the last 1% should take ≤ 20% of the total).
 * Agents download the artifact for real (SHA-256 checked) and install instantly. The
 * server runs with its defaults except a 5 s post-start warm-up (the commit waits for its
 * end); `RINGMASTER_OPAMP_*` / `RINGMASTER_ARTIFACTS_*` / `RINGMASTER_WARMUP` set in the
 * environment are passed on (e.g. `RINGMASTER_ARTIFACTS_MAX_CONCURRENT_DOWNLOADS`).
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidToString } from '../src/opamp/uuid.ts';
import { positioner } from '../src/rollout/bucket.ts';
import { startFleet } from './fleet/fleet.ts';
import { simulatedUid } from './fleet/identity.ts';
import type { Milestone } from './fleet/fleet.ts';
import { forkChild } from './lib/child.ts';
import { median, verdict } from './lib/fit.ts';
import { pollUntil, sleep } from './lib/poll.ts';
import { benchSize, bySize, serverNodeArgs } from './lib/size.ts';
import { createWorld, benchPolicy } from './rollout/world.ts';
import type { FromServe, ServeReading, ToServe } from './rollout/serve-protocol.ts';
import { summarize, type BenchMetric, type BenchResult } from './run.ts';

const secret = 'bench-webhook-secret';
const seed = 1;
const serveEntry = fileURLToPath(new URL('./rollout/serve-process.ts', import.meta.url));
const now = (): number => performance.timeOrigin + performance.now();

interface RingTimes {
  ring: number;
  agents: number;
  firstOfferMs: number;
  lastOfferMs: number;
  lastInstallMs: number;
}

interface Reading {
  agents: number;
  rings: RingTimes[];
  ring0Agents: number;
  /** Push landed → the last ring-0 agent received its offer, ms. */
  ring0OfferedMs: number;
  installP50Ms: number;
  installP99Ms: number;
  /** Push landed → the last agent installed, ms. */
  completeMs: number;
  /** (p100 − p99) / p100. */
  lastPercentShare: number;
  /** Push landed → the policy status says Succeeded (includes the status commit), ms. */
  succeededMs: number;
}

/** Each agent's ring: 1%, then 10% of the rest, then everyone (as `assignRing` rescales). */
function ringsOf(agents: number): number[] {
  const position = positioner(benchPolicy);
  return Array.from({ length: agents }, (_, i) => {
    const u = position(uuidToString(simulatedUid(seed, i)));
    if (u < 0.01) return 0;
    return (u - 0.01) / 0.99 < 0.1 ? 1 : 2;
  });
}

/** Per ring: agents, first and last offer, last install (ms after the push). */
function timeline(milestones: readonly Milestone[], rings: readonly number[], pushed: number): RingTimes[] {
  const out: RingTimes[] = [0, 1, 2].map((ring) => ({ ring, agents: rings.filter((r) => r === ring).length, firstOfferMs: Infinity, lastOfferMs: 0, lastInstallMs: 0 }));
  for (const [index, kind, , at] of milestones) {
    const times = out[rings[index] ?? 0]!;
    const ms = Math.round(at - pushed);
    if (kind === 'offered') {
      times.firstOfferMs = Math.min(times.firstOfferMs, ms);
      times.lastOfferMs = Math.max(times.lastOfferMs, ms);
    } else if (kind === 'installed') times.lastInstallMs = Math.max(times.lastInstallMs, ms);
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

async function notifyPush(url: string, after: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const response = await fetch(`${url}/hooks/git`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature } });
  if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

/** `RINGMASTER_OPAMP_*`, `RINGMASTER_ARTIFACTS_*` and `RINGMASTER_WARMUP` of this environment, passed on to the server. */
function serverSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => /^RINGMASTER_(OPAMP_|ARTIFACTS_|WARMUP$)/.test(entry[0]) && entry[1] !== undefined));
}

/**
 * The controller's post-start warm-up (default 60 s) protects a restart mid-rollout; this
 * fleet is fresh, so a short one keeps the run short. The commit waits until it is over.
 */
const warmup = '5s';

/** One fresh world, server and fleet; one rollout. */
export async function measureRollout(agents: number): Promise<Reading> {
  const world = await createWorld(64 * 1024);
  const serve = forkChild<ToServe, FromServe>(serveEntry, ['--max-old-space-size=4096', ...serverNodeArgs()]);
  serve.on('failed', (message) => console.error(`server process failed: ${message.message}`));
  const read = async (): Promise<ServeReading> => {
    const reply = serve.next('read', 30_000);
    serve.send({ type: 'read' });
    return (await reply).reading;
  };
  try {
    const ready = serve.next('ready', 60_000);
    serve.send({ type: 'start', flags: { git: world.bare, listen: '127.0.0.1:0', dataDir: join(world.root, 'data'), packagesDir: world.packagesDir }, env: { RINGMASTER_WARMUP: warmup, ...serverSettings(), RINGMASTER_WEBHOOK_SECRET: secret } });
    const { url } = await ready;
    await pollUntil('first reconcile', read, (r) => r.ready, 60_000);
    const fleet = await startFleet({ agents, endpoint: `${url.replace(/^http/, 'ws')}/v1/opamp`, agentsPerProcess: 5000, connectBatch: 200, seed });
    try {
      await pollUntil(`${agents} agents online`, read, (r) => r.agentsOnline >= agents, 300_000);
      // After a start the controller only follows for its warm-up; the rollout starts after it.
      await pollUntil('controller warm-up over', read, (r) => !r.warmingUp, 300_000);
      await sleep(1000);
      const commit = await world.commitPolicy();
      const pushed = now();
      await notifyPush(url, commit);
      const installedAt = (): number[] => fleet.milestones.filter(([, kind]) => kind === 'installed').map(([, , , at]) => at - pushed);
      await pollUntil('every agent installed', async () => installedAt().length, (n) => n >= agents, 300_000, 100);
      await pollUntil('policy Succeeded', read, (r) => r.phase === 'Succeeded', 120_000, 100);
      const succeededMs = now() - pushed;
      const rings = timeline(fleet.milestones, ringsOf(agents), pushed);
      const installs = installedAt().sort((a, b) => a - b);
      const completeMs = installs.at(-1)!;
      return {
        agents, rings, ring0Agents: rings[0]!.agents, ring0OfferedMs: rings[0]!.lastOfferMs, completeMs, succeededMs,
        installP50Ms: percentile(installs, 0.5), installP99Ms: percentile(installs, 0.99), lastPercentShare: (completeMs - percentile(installs, 0.99)) / completeMs,
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    const closed = serve.next('closed', 60_000).catch(() => undefined);
    serve.send({ type: 'close' });
    await closed;
    await serve.exited(10_000);
    await world.cleanup();
  }
}

export async function run(): Promise<BenchResult> {
  const size = benchSize();
  const agents = bySize({ quick: 1000, default: 10_000, full: 10_000 }, size);
  const runs = bySize({ quick: 1, default: 2, full: 3 }, size);
  const readings: Reading[] = [];
  for (let i = 0; i < runs; i += 1) readings.push(await measureRollout(agents));
  const pick = (f: (r: Reading) => number): number[] => readings.map(f);
  const metrics: BenchMetric[] = [
    summarize('push → every ring-0 agent holds its offer', 'ms', pick((r) => r.ring0OfferedMs)),
    summarize('push → install p50', 'ms', pick((r) => r.installP50Ms)),
    summarize('push → install p99', 'ms', pick((r) => r.installP99Ms)),
    summarize('push → fleet complete (p100)', 'ms', pick((r) => r.completeMs)),
    summarize('push → policy status Succeeded', 'ms', pick((r) => r.succeededMs)),
    summarize('last 1% of agents / total (p100 − p99) / p100', 'ratio', pick((r) => r.lastPercentShare)),
  ];
  const notes = [
    verdict('push → every ring-0 agent holds its offer', median(pick((r) => r.ring0OfferedMs)), 1000, ' ms'),
    verdict('push → fleet complete', median(pick((r) => r.completeMs)), 20_000, ' ms'),
    verdict('last 1% share of the total', median(pick((r) => r.lastPercentShare)), 0.2, ''),
    ...readings.map((r, i) => `run ${i + 1} per ring (agents: first offer → last offer → last install, ms after the push): ${r.rings.map((t) => `ring ${t.ring} (${t.agents}): ${t.firstOfferMs} → ${t.lastOfferMs} → ${t.lastInstallMs}`).join('; ')}`),
    `${agents} WebSocket agents (${readings[0]?.ring0Agents ?? 0} in ring 0), 64 KiB artifact downloaded for real, instant installs; production controller timings; the server alone in its process; settings passed: ${JSON.stringify(serverSettings())}`,
  ];
  const result: BenchResult & { size: string; readings: Reading[] } = { name: 'rollout', runs, metrics, notes, size, readings };
  return result;
}
