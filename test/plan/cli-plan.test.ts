/**
 * `ringmaster plan` as a user runs it: a real child process against real Git repositories,
 * a real inventory file and a real HTTP server standing in for `--server`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanReport } from '../../src/plan/types.ts';
import { createFixtureRepo, FIXTURES, type FixtureRepo } from './fixture-repo.ts';
import { ringmaster } from './run-cli.ts';

const NOW = '2026-11-21T10:00:00Z';
let repo: FixtureRepo;
let base: string[];

beforeAll(async () => {
  repo = await createFixtureRepo('release-bump');
  base = ['plan', '--repo', repo.dir, '--base', 'main', '--head', 'change', '--path', 'fleet', '--now', NOW];
});

afterAll(async () => {
  await repo.cleanup();
});

describe('exit codes', () => {
  it('--exit-code: 1 when releases or policies change, with the plan still printed', async () => {
    const r = await ringmaster([...base, '--exit-code', '--format', 'text']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Policy otelcol-custom (changed): otelcol-custom-1.4.0 (1.4.0) → otelcol-custom-1.5.0 (1.5.0)');
    expect(r.stderr).toBe('');
  });

  it('--exit-code: 0 when nothing changes', async () => {
    const r = await ringmaster(['plan', '--repo', repo.dir, '--base', 'main', '--head', 'main', '--path', 'fleet', '--exit-code', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as PlanReport;
    expect(report.changed).toBe(false);
    expect(report.policies).toEqual([]);
  });

  it('0 for changes without --exit-code', async () => {
    expect((await ringmaster([...base, '--format', 'json'])).code).toBe(0);
  });

  it('2 for an unknown revision, naming it', async () => {
    const r = await ringmaster([...base.slice(0, 4), 'no-such-branch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_GIT_REVISION');
    expect(r.stderr).toContain('no-such-branch');
    expect(r.stdout).toBe('');
  });
});

describe('usage errors (exit 2, nothing on stdout)', () => {
  const cases: { name: string; args: string[]; want: string }[] = [
    { name: 'unknown format', args: ['--format', 'html'], want: '--format must be one of markdown, text, json, got "html"' },
    { name: 'both fleet sources', args: ['--inventory', 'x.json', '--server', 'http://127.0.0.1:1'], want: '--inventory and --server are alternatives' },
    { name: 'bad --now', args: ['--now', 'tomorrow'], want: '--now must be an RFC 3339 time' },
    { name: 'bad --max-agents', args: ['--max-agents', '0'], want: '--max-agents must be a whole number >= 1' },
    { name: 'missing inventory file', args: ['--inventory', '/nonexistent/inventory.json'], want: 'E_PLAN_INVENTORY cannot read --inventory /nonexistent/inventory.json: ENOENT' },
  ];
  it.each(cases)('$name', async ({ args, want }) => {
    const r = await ringmaster([...base, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(want);
    expect(r.stdout).toBe('');
  });
});

describe('fleet sources', () => {
  it('--inventory reads a file on disk instead of the committed one', async () => {
    const inventory = JSON.parse(await readFile(join(FIXTURES, 'inventory.json'), 'utf8')) as { agents: { attributes: Record<string, string> }[] };
    // Only the canaries: every agent the everyone ring could take is in canary already.
    inventory.agents = inventory.agents.filter((a) => a.attributes['canary'] === 'true');
    const file = join(repo.dir, 'canaries.json');
    await writeFile(file, JSON.stringify(inventory));
    const r = await ringmaster([...base, '--format', 'json', '--inventory', file]);
    const report = JSON.parse(r.stdout) as PlanReport;
    expect(report.inventory).toEqual({ source: file, agents: 4, online: 4, generatedAt: '2026-11-21T09:50:00Z' });
    expect(report.policies[0]?.rings.map((ring) => ring.agents)).toEqual([4, 0]);
    expect(report.warnings.map((w) => `${w.code}:${w.ring}`)).toEqual(['ring-shadowed:everyone']);
  });

  it('--server reads every page of /api/v1/agents and plans the same rings as the committed inventory', async () => {
    const inventory = JSON.parse(await readFile(join(FIXTURES, 'inventory.json'), 'utf8')) as { agents: { uid: string }[] };
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      const url = new URL(req.url ?? '/', 'http://x');
      const after = url.searchParams.get('cursor');
      const start = after === null ? 0 : inventory.agents.findIndex((a) => a.uid === after) + 1;
      const items = inventory.agents.slice(start, start + 25);
      const more = start + 25 < inventory.agents.length;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items, total: inventory.agents.length, ...(more ? { nextCursor: items[items.length - 1]?.uid } : {}) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const live = await ringmaster([...base, '--format', 'json', '--server', url], { RINGMASTER_TOKEN: 'read-token' });
      const committed = await ringmaster([...base, '--format', 'json']);
      expect(live.code).toBe(0);
      const a = JSON.parse(live.stdout) as PlanReport;
      const b = JSON.parse(committed.stdout) as PlanReport;
      expect(a.inventory.source).toBe(url);
      expect(a.inventory.agents).toBe(41);
      expect(a.policies).toEqual(b.policies);
      expect(seen).toHaveLength(2);
      expect(seen.every((s) => s.endsWith('Bearer read-token'))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('--server that is down: exit 2 with E_PLAN_SERVER', async () => {
    const r = await ringmaster([...base, '--server', 'http://127.0.0.1:9', '--server-timeout', '5000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_PLAN_SERVER GET http://127.0.0.1:9/api/v1/agents?limit=500 failed');
  });

  it('a corrupt committed inventory: exit 2 naming the file at base', async () => {
    const broken = await createFixtureRepo('release-bump');
    try {
      const { git } = await import('./fixture-repo.ts');
      await git(broken.dir, 'checkout', '-q', 'main');
      await writeFile(join(broken.dir, 'fleet', 'status', 'inventory.json'), '{"agents": [{"uid": 7}]}');
      await git(broken.dir, 'commit', '-q', '-am', 'corrupt inventory');
      const r = await ringmaster(['plan', '--repo', broken.dir, '--base', 'main', '--head', 'change', '--path', 'fleet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('E_PLAN_INVENTORY fleet/status/inventory.json@main: agents[0].uid must be a non-empty string');
    } finally {
      await broken.cleanup();
    }
  });
});
