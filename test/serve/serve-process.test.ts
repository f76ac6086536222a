import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../e2e/harness.ts';

const bin = fileURLToPath(new URL('../../bin/ringmaster.js', import.meta.url));
const AGENT_TOKEN = 'agent-secret-7f3a';
const API_TOKEN = 'api-secret-91bc';
let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

interface Served {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string> = {}): Served {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => out, exited };
}

async function emptyFleetRepo(): Promise<{ root: string; bare: string }> {
  const root = await mkdtemp(join(tmpdir(), 'rm-serve-proc-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const bare = join(root, 'fleet.git');
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  const work = join(root, 'work');
  await simpleGit().raw(['init', '--quiet', '--initial-branch=main', work]);
  const git = simpleGit(work);
  await git.addConfig('user.name', 'T').addConfig('user.email', 't@example.com');
  await git.raw(['commit', '--quiet', '--allow-empty', '-m', 'empty fleet']);
  await git.raw(['push', '--quiet', bare, 'main']);
  return { root, bare };
}

async function listeningUrl(s: Served): Promise<string> {
  let url = '';
  await waitFor(() => {
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(s.output());
    if (m) url = m[1]!;
    return url !== '';
  }, 'serve to log its URL', 30_000);
  return url;
}

describe('ringmaster serve as a process', { timeout: 90_000 }, () => {
  it('guards every surface with its token, never logs a secret, and on SIGTERM closes agents with 1001 even with the repository gone', async () => {
    const { root, bare } = await emptyFleetRepo();
    const s = serve(['--git', bare, '--listen', '127.0.0.1:0', '--data-dir', join(root, 'data'), '--log-level', 'debug', '--warmup', '0s'], {
      RINGMASTER_AGENT_TOKENS: AGENT_TOKEN, RINGMASTER_API_TOKENS: API_TOKEN,
    });
    const url = await listeningUrl(s);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'ready');

    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/opamp`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    for (const path of ['/api/v1/policies', '/metrics', '/api/v1/agents']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status, path).toBe(200);
    }

    const agent = new WebSocket(`${url.replace('http', 'ws')}/v1/opamp`, { headers: { authorization: `Bearer ${AGENT_TOKEN}` } });
    await new Promise<void>((resolve, reject) => agent.on('open', () => resolve()).on('error', reject));
    const closeCode = new Promise<number>((resolve) => agent.on('close', (code) => resolve(code)));

    await rename(bare, `${bare}.gone`); // the remote disappears before shutdown
    s.child.kill('SIGTERM');
    expect(await closeCode).toBe(1001);
    expect(await Promise.race([s.exited, new Promise((r) => setTimeout(() => r('hung'), 45_000))])).not.toBe('hung');
    expect(s.output()).not.toContain(AGENT_TOKEN);
    expect(s.output()).not.toContain(API_TOKEN);
  });

  it('--kube with an unusable kubeconfig exits 1 at once with the reason, instead of serving forever', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rm-serve-kube-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const s = serve(['--kube', '--kubeconfig', join(root, 'missing-kubeconfig'), '--listen', '127.0.0.1:0', '--data-dir', join(root, 'data')], { POD_NAME: 'ringmaster-0' });
    const code = await Promise.race([s.exited, new Promise<string>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(code).toBe(1);
    expect(s.output()).toMatch(/ringmaster serve: .*kubeconfig/i);
  });

  it('exits 2 with the setting named for a bad flag value', async () => {
    const s = serve(['--git', '/nowhere', '--interval', 'soon']);
    expect(await s.exited).toBe(2);
    expect(s.output()).toContain('git interval (--interval) "soon" is not a positive duration');
  });
});
