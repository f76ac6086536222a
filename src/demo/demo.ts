import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { simpleGit } from 'simple-git';
import type { Agent } from '../agent/agent.ts';
import { summarizePolicy, type PolicySummary } from '../api/policy-summary.ts';
import { generateKeyPair } from '../artifacts/signing.ts';
import { createArtifactStore } from '../artifacts/store.ts';
import type { PolicyPhase } from '../manifests/types.ts';
import type { ServeConfig } from '../serve/config.ts';
import { startServer, type RunningServer } from '../serve/server.ts';
import { createDemoDisplay, type DemoDisplay } from './display.ts';
import { startDemoFleet } from './fleet.ts';
import { approveRing, bumpRelease, demoTimings } from './edits.ts';
import { commitEdit, createDemoRepo, type DemoRepo } from './workspace.ts';

export interface DemoOptions {
  agents: number;
  /** Approve the gated ring without asking (always so when not interactive). */
  yes: boolean;
  /** A person is at the terminal: pause at the approval gate. */
  interactive: boolean;
  tty: boolean;
  width: number;
  write: (text: string) => void;
  /** Waits for the person to press Enter (interactive mode). */
  ask: (prompt: string) => Promise<void>;
  examplesDir: string;
  /** Where the workspace goes (default: a new temp dir). */
  root?: string;
  /** Longest the whole demo may take before it gives up. Default 5 min. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface DemoResult {
  root: string;
  repo: DemoRepo;
  policies: PolicySummary[];
  statusCommits: string[];
}

const POLICY = 'otelcol-custom';
const ADDON_POLICY = 'parsers-config';
const WEBHOOK_SECRET = 'ringmaster-demo-webhook-secret';

/**
 * `ringmaster demo` (`npm start`): a fleet repository, a real server and a fleet of
 * simulated agents on this machine; a release bump rolled out ring by ring.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const root = o.root ?? (await mkdtemp(join(tmpdir(), 'ringmaster-demo-')));
  const logger = o.logger ?? pino({ level: 'silent' });
  const say = createDemoDisplay({ tty: o.tty, width: o.width, write: o.write });
  const deadline = Date.now() + (o.timeoutMs ?? 5 * 60_000);
  const keys = generateKeyPair();
  const store = createArtifactStore({ root: join(root, 'packages'), logger });
  say.line(`▸ Workspace ${root}`);
  const repo = await createDemoRepo(root, o.examplesDir, store, keys.privateKeyPem);
  say.line(`▸ Fleet repository ${repo.bare} (your clone: ${repo.clone}), packages signed and stored`);
  await commitEdit(repo, `policies/${POLICY}.yaml`, demoTimings(POLICY, 'otelcol-custom-1.4.0'), 'Demo: short bake times; establish 1.4.0 as the stable release');
  await commitEdit(repo, `policies/${ADDON_POLICY}.yaml`, demoTimings(ADDON_POLICY), 'Demo: short bake times for the parsers addon, no maintenance window');

  const server = await startServer(demoConfig(root, repo), {
    logger,
    controller: { debounceMs: 50, minIntervalMs: 150, resyncMs: 10_000, inventoryIntervalMs: 5_000 },
  });
  let agents: Agent[] = [];
  eventsShown.set(server, 0);
  try {
    say.line(`▸ Ringmaster serving on ${server.url} (dashboard ${server.url}/)`);
    agents = await startDemoFleet({
      endpoint: `${server.url.replace(/^http/, 'ws')}/v1/opamp`, stateRoot: join(root, 'agents'), size: o.agents,
      publicKeyPem: keys.publicKeyPem, canaries: Math.min(5, Math.max(1, Math.floor(o.agents / 10))),
      failing: failingAgents(o.agents), logger,
    });
    say.line(`▸ ${agents.length} agents connected; rolling out otelcol-custom 1.4.0 as the stable release`);
    await waitForPhase(server, say, POLICY, ['Succeeded'], deadline, 'otelcol-custom-1.4.0');

    const bump = await commitEdit(repo, `policies/${POLICY}.yaml`, bumpRelease('otelcol-custom-1.5.0'), 'Upgrade otelcol-custom to 1.5.0');
    await notifyPush(server, bump);
    say.line(`▸ Committed the release bump ${bump.slice(0, 7)} "Upgrade otelcol-custom to 1.5.0" and sent the push webhook`);
    const gated = await waitForPhase(server, say, POLICY, ['WaitingApproval', 'Succeeded', 'Failed', 'RolledBack'], deadline, 'otelcol-custom-1.5.0');
    if (gated === 'WaitingApproval') await approve(o, server, repo, say);
    const final = await waitForPhase(server, say, POLICY, ['Succeeded', 'Failed', 'RolledBack'], deadline, 'otelcol-custom-1.5.0');
    if (final === 'Succeeded') await waitForPhase(server, say, ADDON_POLICY, ['Succeeded', 'Failed', 'Paused'], deadline);
    await server.controller.reconcileNow();
    const policies = summaries(server);
    say.frame(policies, Date.now());
    say.end();
    await shutDown(agents, server); // flushes the last status commit before we list them
    return { root, repo, policies, statusCommits: await statusCommits(repo) };
  } finally {
    await shutDown(agents, server);
  }
}

async function approve(o: DemoOptions, server: RunningServer, repo: DemoRepo, say: DemoDisplay): Promise<void> {
  const command = `git -C ${repo.clone} pull --rebase --quiet && $EDITOR ${repo.clone}/policies/${POLICY}.yaml   # set approvals: [everyone]\n    git -C ${repo.clone} commit -am "Approve ring everyone" && git -C ${repo.clone} push`;
  say.line(`\n⏸ Ring "everyone" needs approval. A reviewer approves it in Git:\n    ${command}`);
  if (o.interactive && !o.yes) {
    await o.ask('  Press Enter and the demo makes that commit for you (or make it yourself) … ');
    const now = summaries(server).find((p) => p.name === POLICY);
    if (now?.spec.approvals?.includes('everyone')) return;
  }
  const sha = await commitEdit(repo, `policies/${POLICY}.yaml`, approveRing('everyone'), 'Approve ring everyone for otelcol-custom 1.5.0');
  await notifyPush(server, sha);
  say.line(`▸ Approved in commit ${sha.slice(0, 7)}`);
}

/** Re-renders until the policy (at `release`, when given) reaches one of `phases`. */
async function waitForPhase(server: RunningServer, say: DemoDisplay, policy: string, phases: readonly PolicyPhase[], deadline: number, release?: string): Promise<PolicyPhase> {
  for (;;) {
    const all = summaries(server);
    if (all.length > 0) say.frame(all, Date.now()); // nothing to draw before the first reconcile
    for (const e of server.view.recentEvents(200).filter((ev) => ev.id > eventsShown.get(server)! && ev.kind === 'rollout')) {
      eventsShown.set(server, e.id);
      say.line(`  ${e.type === 'Warning' ? '⚠' : '•'} ${e.policy}: ${e.message}`);
    }
    const p = all.find((s) => s.name === policy);
    if (p && (!release || p.status?.release === release) && phases.includes(p.phase)) return p.phase;
    if (Date.now() > deadline) throw new Error(`demo timed out waiting for ${policy} to reach ${phases.join(' or ')} (now ${p?.phase ?? 'unknown'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const closed = new WeakSet<RunningServer>();

/** Stops the agents, then the server (which writes its pending status commit). Idempotent. */
async function shutDown(agents: readonly Agent[], server: RunningServer): Promise<void> {
  if (closed.has(server)) return;
  closed.add(server);
  await Promise.allSettled(agents.map((a) => a.stop()));
  await server.close();
}

/** The newest rollout event already narrated, per server. */
const eventsShown = new WeakMap<RunningServer, number>();

function summaries(server: RunningServer): PolicySummary[] {
  return server.view.policies().map((p) => summarizePolicy(p));
}

/** Two agents outside the canaries get a broken 1.5.0, as a real fleet always has a few. */
function failingAgents(size: number): Map<number, readonly string[]> {
  const failing = new Map<number, readonly string[]>();
  for (const i of [Math.floor(size * 0.45), Math.floor(size * 0.85)]) if (i >= 5 && i < size) failing.set(i, ['1.5.0']);
  return failing;
}

async function notifyPush(server: RunningServer, after: string): Promise<void> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after });
  const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
  const res = await fetch(`${server.url}/hooks/git`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
  });
  if (!res.ok) throw new Error(`push webhook refused: HTTP ${res.status}`);
}

async function statusCommits(repo: DemoRepo): Promise<string[]> {
  const log = await simpleGit(repo.bare).raw(['log', '--format=%h %an: %s', '-n', '40', 'main']);
  return log.trim().split('\n').filter((l) => l.includes('Ringmaster'));
}

function demoConfig(root: string, repo: DemoRepo): ServeConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 }, dataDir: join(root, 'data'), packagesDir: join(root, 'packages'),
    git: { url: repo.bare, branch: 'main', path: '', intervalMs: 5_000, statusIntervalMs: 1_000, author: { name: 'Ringmaster', email: 'ringmaster@localhost' } },
    webhook: { githubSecret: WEBHOOK_SECRET }, agentTokens: [], adminTokens: [], downloadTokens: [], apiTokens: [], logLevel: 'silent',
    warmupMs: 1_000, // the demo's agents connect within a second of the start
  };
}
