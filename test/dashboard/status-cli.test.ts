/** `ringmaster status` as a real child process against the real API server on loopback. */
import { execFile, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/handler.ts';
import { createPlannedFleet, POLICY } from '../api/planned-fleet.ts';
import { serveOnLoopback } from '../api/http-harness.ts';

const bin = new URL('../../bin/ringmaster.js', import.meta.url).pathname;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function ringmaster(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, RINGMASTER_TOKEN: '', RINGMASTER_SERVER: '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function serve(tokens?: string[]) {
  const fleet = createPlannedFleet({ size: 40, failIn: { ring: 'early', count: 1 } });
  const srv = await serveOnLoopback([createApiHandler({ view: fleet.view, ...(tokens ? { tokens } : {}) })]);
  cleanups.push(srv.close);
  return { fleet, url: srv.url };
}

describe('ringmaster status (child process)', () => {
  it('prints one progress bar per ring, and JSON with --format json', async () => {
    const { fleet, url } = await serve();
    fleet.runUntil(() => fleet.status()?.phase === 'WaitingApproval');
    const text = await ringmaster(['status', '--server', url]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('otelcol-custom  WaitingApproval  otelcol-custom-1.5.0');
    expect(text.stdout).toMatch(/^ {2}canary {4}Succeeded {8}█+ +5\/5$/m);
    expect(text.stdout).toContain(`kubectl: kubectl patch rolloutpolicy ${POLICY} --type merge -p '{"spec":{"approvals":["everyone"]}}'`);
    expect(text.stdout).not.toContain('\x1b['); // not a TTY: no colours
    const json = await ringmaster(['status', '--server', url, '--format', 'json', '--policy', POLICY]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { policies: Array<{ name: string; phase: string }> };
    expect(body.policies.map((p) => [p.name, p.phase])).toEqual([[POLICY, 'WaitingApproval']]);
  });

  it('exits 1 for an unknown policy and 2 for setup problems, saying what to fix', async () => {
    const { url } = await serve(['read-token']);
    const closed = await serveOnLoopback([]);
    await closed.close(); // a port nobody listens on any more
    // Independent child processes: run them side by side.
    const [unauthorized, missing, down, badInterval, badFormat] = await Promise.all([
      ringmaster(['status', '--server', url]),
      ringmaster(['status', '--server', url, '--policy', 'nope'], { RINGMASTER_TOKEN: 'read-token' }),
      ringmaster(['status', '--server', closed.url]),
      ringmaster(['status', '--watch', '--interval', 'soon']),
      ringmaster(['status', '--format', 'yaml', '--server', url]),
    ]);
    expect(unauthorized.code).toBe(2);
    expect(unauthorized.stderr).toContain('needs a read token: pass --token or set RINGMASTER_TOKEN');
    expect(unauthorized.stderr).toContain('[E_API_UNAUTHORIZED]');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ringmaster status: no policy named "nope" [E_API_NOT_FOUND]\n');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach Ringmaster at ${closed.url} (ECONNREFUSED); check --server or RINGMASTER_SERVER [E_API_UNREACHABLE]`);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toContain('--interval must be a duration of at least 200ms such as 2s, got "soon"');
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be text or json, got "yaml"');
    const badServer = await ringmaster(['status', '--server', 'ftp://x']);
    expect(badServer.stderr).toContain('--server must be an http(s) URL');
  });

  it('--watch redraws as the rollout advances and stops cleanly on SIGINT', async () => {
    const { fleet, url } = await serve();
    const child = spawn(process.execPath, [bin, 'status', '--server', url, '--watch', '--interval', '200ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const canaryInstalled = (frame: string): number => /^ {2}canary .*?(\d+)\/5/m.exec(frame)?.[1] === undefined ? -1 : Number(/^ {2}canary .*?(\d+)\/5/m.exec(frame)?.[1]);
    const frames = (): string[] => out.split(/\n(?=ringmaster status · )/);
    await expect.poll(() => out.includes('█ installed'), { timeout: 20_000, interval: 50 }).toBe(true);
    expect(canaryInstalled(frames()[0]!)).toBe(0);
    fleet.runUntil(() => fleet.status()?.rings[0]?.phase === 'Baking');
    await expect.poll(() => canaryInstalled(frames().at(-1)!), { timeout: 20_000, interval: 50 }).toBe(5).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- output ---\n${out.slice(-3000)}`);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).not.toContain('\x1b['); // piped: plain frames separated by blank lines
    expect(out).toMatch(/ offline\n\nringmaster status · /);
    expect(out).toMatch(/◷ canary baking, \d+s left/);
    expect(frames().every((f) => f.startsWith('ringmaster status · '))).toBe(true);
  });
});
