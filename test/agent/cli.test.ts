import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ringmaster, RINGMASTER_BIN as bin } from '../cli/run-cli.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHost, readIfExists } from './host.ts';
import { COLLECTOR, startWorld, waitFor, type World } from './world.ts';



/** Process groups of agents started by a test; whatever is left is killed after each test. */
const groups = new Set<number>();

/** Runs `ringmaster agent` in its own process group, so a test can crash it with its collector. */
function spawnAgent(configFile: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [bin, 'agent', '--config', configFile, '--log-level', 'warn'], { detached: true, stdio: 'ignore' });
  if (child.pid !== undefined) groups.add(child.pid);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited };
}

function killLeftovers(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  groups.clear();
}

async function uidOf(stateDir: string): Promise<string> {
  return waitFor(async () => {
    const text = await readFile(join(stateDir, 'state.json'), 'utf8').catch(() => '');
    return text ? (JSON.parse(text) as { instanceUid: string }).instanceUid : undefined;
  }, 'the agent to persist its instance uid');
}

describe('ringmaster agent', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterEach(killLeftovers);
  afterAll(async () => world.close());

  it('--check accepts a valid config; an invalid one exits 2 naming file, line and key', async () => {
    const host = await createHost(world);
    const ok = await ringmaster(['agent', '--config', host.configFile, '--check']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toContain(`${host.configFile}: valid`);

    const bad = join(host.dir, 'bad.yaml');
    await writeFile(bad, 'server:\n  endpoint: ws://127.0.0.1:1/v1/opamp\n  heartbeat: soon\nstateDir: ./s\ncollector:\n  binary: ./c\n  healthWindow: 60\n');
    const r = await ringmaster(['agent', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3:14: server.heartbeat: "soon" is not a duration`);
    expect(r.stderr).toContain(`${bad}:7:17: collector.healthWindow: must be a duration such as "30s" or "1m30s", got 60`);
  });

  it('--help documents the config file', async () => {
    const r = await ringmaster(['agent', '--help']);
    expect(r.code).toBe(0);
    for (const key of ['server:', 'stateDir:', 'labels:', 'collector:', 'addons:', 'sidecars:', 'trust:', 'limits:', 'docs/agent.md']) expect(r.stdout).toContain(key);
  });

  it('refuses to start on a corrupt state file, saying what to do, before running anything', async () => {
    const host = await createHost(world);
    await mkdir(join(host.dir, 'state'), { recursive: true });
    await writeFile(join(host.dir, 'state', 'state.json'), '{"instanceUid": ');
    const r = await ringmaster(['agent', '--config', host.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ringmaster agent: cannot start (E_AGENT_STATE): ${join(host.dir, 'state', 'state.json')} is not valid JSON`);
    expect(r.stderr).toContain('move it away to start with a fresh state');
    expect(await host.running()).toBeUndefined();
  });

  it('stops on SIGTERM: agent_disconnect reaches the server and the collector is stopped', async () => {
    const host = await createHost(world);
    const { child, exited } = spawnAgent(host.configFile);
    const uid = await uidOf(join(host.dir, 'state'));
    await waitFor(() => world.agent(uid)?.online && world.agent(uid)?.health?.healthy, 'agent online and healthy');
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    await waitFor(() => world.agent(uid)?.online === false, 'offline on the server');
    expect(await host.running()).toBeUndefined();
  });

  it('repairs a swap that a crash interrupted: the next start restores the backup', async () => {
    const host = await createHost(world, { healthWindow: '60s' });
    const { child, exited } = spawnAgent(host.configFile);
    const uid = await uidOf(join(host.dir, 'state'));
    await waitFor(() => world.agent(uid)?.online, 'agent online');
    const { offered, bytes } = await world.publish({ version: '2.1.0' });
    world.offer(uid, { [COLLECTOR]: offered });
    // Crash while the new binary is swapped in and still proving itself.
    await waitFor(async () => world.history(uid, COLLECTOR).at(-1) === 'Installing' && (await host.running())?.version === '2.1.0', 'new binary in its health window');
    expect((await readIfExists(host.binary))?.equals(bytes)).toBe(true);
    process.kill(-(child.pid ?? 0), 'SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(await readIfExists(join(host.dir, 'state', 'swap-journal.json'))).toBeDefined();

    const { agent } = await host.startAgent();
    try {
      expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
      expect(await readIfExists(`${host.binary}.bak`)).toBeUndefined();
      expect(await readIfExists(join(host.dir, 'state', 'swap-journal.json'))).toBeUndefined();
      expect((await waitFor(() => host.running(), 'old collector running')).version).toBe('1.4.0');
      await waitFor(() => world.agent(uid)?.online && world.agent(uid)?.attributes['service.version'] === '1.4.0', 'service.version 1.4.0 reported');
      expect(agent.state().packages[COLLECTOR]).toBeUndefined();
      // The undone install is reported as failed — and not retried, though still offered.
      const seen = await waitFor(() => world.agent(uid)?.packages[COLLECTOR]?.state === 'InstallFailed' && world.agent(uid)?.packages[COLLECTOR], 'InstallFailed after the repair');
      expect(seen).toMatchObject({ offeredVersion: '2.1.0', offeredHash: offered.hash, error: 'E_HEALTH: the agent stopped while 2.1.0 was in its health window; the previous binary was restored at the next start' });
      await agent.idle();
      expect(world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'InstallFailed']);
      expect((await host.running())?.version).toBe('1.4.0');
    } finally {
      await agent.stop();
    }
  });
});
