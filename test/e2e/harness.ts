/**
 * End-to-end harness: a real bare fleet repository and a human's clone, real signed
 * packages in a real artifact store, the real server (`startServer`), and simulated agents
 * that speak real OpAMP over WebSocket and really download and verify.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { simpleGit, type SimpleGit } from 'simple-git';
import { stringify } from 'yaml';
import type { Agent } from '../../src/agent/agent.ts';
import { createSimulatedAgent } from '../../src/agent/simulated-agent.ts';
import { generateKeyPair, signPackage } from '../../src/artifacts/signing.ts';
import { createArtifactStore } from '../../src/artifacts/store.ts';
import type { PolicyStatus, RolloutPolicySpec } from '../../src/manifests/types.ts';
import type { ServeConfig } from '../../src/serve/config.ts';
import { startServer, type RunningServer } from '../../src/serve/server.ts';

export const WEBHOOK_SECRET = 'e2e-webhook-secret';
export const PKG = 'otelcol-custom';

export interface Fleet {
  root: string;
  bare: string;
  clone: string;
  git: SimpleGit;
  publicKeyPem: string;
  server?: RunningServer;
  agents: Agent[];
  /** Writes files in the human's clone, commits and pushes (rebasing over status commits). */
  commit(files: Record<string, string>, message: string): Promise<string>;
  /** Starts the server (on `port` when given: agents reconnect to the same address). */
  start(port?: number): Promise<RunningServer>;
  stopServer(): Promise<void>;
  addAgents(specs: AgentSpec[]): Promise<Agent[]>;
  notifyPush(after: string, secret?: string): Promise<Response>;
  status(policy: string): PolicyStatus | undefined;
  remoteLog(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export interface AgentSpec {
  name: string;
  labels?: Record<string, string>;
  failVersions?: string[];
  /** Simulated install time. Default 50 ms. */
  installMs?: number;
}

/** A fleet repo holding releases 1.0.0 and 2.0.0 (linux/amd64, signed) and no policy yet. */
export async function createFleet(): Promise<Fleet> {
  const root = await mkdtemp(join(tmpdir(), 'rm-e2e-'));
  const bare = join(root, 'fleet.git');
  const clone = join(root, 'clone');
  const keys = generateKeyPair();
  const store = createArtifactStore({ root: join(root, 'packages') });
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  await mkdir(clone);
  const git = simpleGit(clone);
  await git.init(['--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', 'Human').addConfig('user.email', 'human@example.com').addConfig('commit.gpgsign', 'false');
  await git.addRemote('origin', bare);
  const releases: Record<string, string> = {};
  for (const version of ['1.0.0', '2.0.0']) releases[`releases/${PKG}-${version}.yaml`] = await releaseYaml(store, keys.privateKeyPem, version);
  const fleet: Fleet = {
    root, bare, clone, git, publicKeyPem: keys.publicKeyPem, agents: [],
    async commit(files, message) {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(join(clone, path, '..'), { recursive: true });
        await writeFile(join(clone, path), text);
      }
      await git.add('.').commit(message);
      for (let attempt = 1; ; attempt++) {
        try {
          await git.push('origin', 'main');
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await git.pull('origin', 'main', ['--rebase', '--quiet']);
        }
      }
      return (await git.revparse(['HEAD'])).trim();
    },
    async start(port = 0) {
      const cfg = config(root, bare);
      fleet.server = await startServer({ ...cfg, listen: { ...cfg.listen, port } }, {
        logger: pino({ level: 'silent' }),
        controller: { debounceMs: 20, minIntervalMs: 50, resyncMs: 5_000, inventoryIntervalMs: 2_000 },
      });
      await waitFor(() => fleet.server?.controller.state.good !== undefined || fleet.server?.controller.state.invalid !== undefined, 'first reconcile');
      return fleet.server;
    },
    async stopServer() {
      await fleet.server?.close();
      delete fleet.server;
    },
    async addAgents(specs) {
      const server = fleet.server;
      if (!server) throw new Error('start the server first');
      const agents = specs.map((s) => createSimulatedAgent({
        endpoint: `${server.url.replace(/^http/, 'ws')}/v1/opamp`, stateRoot: join(root, 'agents'), name: s.name,
        serviceName: PKG, initialVersion: '0.9.0', labels: s.labels ?? {}, platform: { os: 'linux', arch: 'amd64' },
        trust: { publicKeyPems: [keys.publicKeyPem], requireSignature: true },
        install: { delayMs: s.installMs ?? 50, failVersions: s.failVersions ?? [] }, heartbeatMs: 30_000,
      }));
      await Promise.all(agents.map((a) => a.start()));
      fleet.agents.push(...agents);
      return agents;
    },
    async notifyPush(after, secret = WEBHOOK_SECRET) {
      const body = JSON.stringify({ ref: 'refs/heads/main', after });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      return fetch(`${fleet.server!.url}/hooks/git`, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': signature } });
    },
    status: (policy) => fleet.server?.controller.state.statuses[policy],
    async remoteLog() {
      return (await simpleGit(bare).raw(['log', '--format=%an|%s', 'main'])).trim().split('\n');
    },
    async cleanup() {
      await Promise.allSettled(fleet.agents.map((a) => a.stop()));
      await fleet.server?.close().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  await fleet.commit(releases, 'Releases 1.0.0 and 2.0.0');
  return fleet;
}

async function releaseYaml(store: ReturnType<typeof createArtifactStore>, privateKeyPem: string, version: string): Promise<string> {
  const content = Buffer.from(`fake collector ${version}\n`.repeat(512));
  const put = await store.put(Readable.from([content]), { package: PKG, version, os: 'linux', arch: 'amd64', fileName: PKG, type: 'TopLevel' });
  const signature = signPackage(privateKeyPem, { package: PKG, version, os: 'linux', arch: 'amd64', sha256: put.sha256 });
  return stringify({
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'PackageRelease', metadata: { name: releaseName(version) },
    spec: { package: PKG, type: 'TopLevel', version, artifacts: [{ os: 'linux', arch: 'amd64', url: put.path, sha256: put.sha256, signature, size: put.size }] },
  });
}

/** A policy file for the package; `spec` fields override short test defaults. */
export function policyYaml(name: string, spec: Partial<RolloutPolicySpec> & { release: string }): string {
  return stringify({
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'RolloutPolicy', metadata: { name },
    spec: {
      selector: { matchLabels: { 'service.name': PKG } },
      rings: [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '1s', maxFailures: 0 }, { name: 'everyone', requireApproval: true, maxFailures: 1 }],
      strategy: { maxConcurrent: '100%', installTimeout: '1m', healthyFor: '1s', progressDeadline: '10m', onFailure: 'pause' },
      ...spec,
    },
  });
}

export function releaseName(version: string): string {
  return `${PKG}-${version}`;
}

/** Polls `predicate` until true; fails with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a file from the remote's main branch. */
export async function remoteFile(fleet: Fleet, path: string): Promise<string> {
  return simpleGit(fleet.bare).raw(['show', `main:${path}`]);
}

export function config(root: string, bare: string): ServeConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 }, dataDir: join(root, 'data'), packagesDir: join(root, 'packages'),
    git: { url: bare, branch: 'main', path: '', intervalMs: 60_000, statusIntervalMs: 300, author: { name: 'Ringmaster', email: 'ringmaster@localhost' } },
    webhook: { githubSecret: WEBHOOK_SECRET }, agentTokens: [], adminTokens: [], downloadTokens: [], apiTokens: [], logLevel: 'silent',
    warmupMs: 1_500,
  };
}
