/**
 * `--server`: the agent list is read page by page from a real HTTP server on loopback that
 * serves the documented shape of `GET /api/v1/agents`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readServerInventory } from '../../src/plan/inputs/inventory-server.ts';
import { PlanInputError } from '../../src/plan/inputs/plan-error.ts';

function agent(n: number): Record<string, unknown> {
  return {
    uid: `0193a0c0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
    attributes: { 'host.name': `host-${n}` },
    platform: { os: 'linux', arch: 'amd64' },
    acceptsPackages: true,
    online: true,
    lastSeen: '2026-11-21T09:50:00.000Z',
    packages: { 'otelcol-custom': { version: '1.4.0', state: 'Installed' } },
    policies: {},
    healthy: true,
  };
}

let server: Server | undefined;
const requests: { url: string; auth: string | undefined }[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  requests.length = 0;
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// Pages of `size` over `all`, with the cursor being the last uid of the page.
function pager(all: Record<string, unknown>[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const after = url.searchParams.get('cursor');
    const start = after === null ? 0 : all.findIndex((a) => a['uid'] === after) + 1;
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ items, total: all.length, ...(more ? { nextCursor: items[items.length - 1]?.['uid'] } : {}) }));
  };
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('readServerInventory', () => {
  it('follows nextCursor through every page and sends the bearer token', async () => {
    const all = Array.from({ length: 7 }, (_, i) => agent(i + 1));
    const url = await serve(pager(all));
    const inventory = await readServerInventory({ url, pageSize: 3, token: 's3cret' });
    expect(inventory.agents.map((a) => a.attributes['host.name'])).toEqual(all.map((a) => (a['attributes'] as Record<string, string>)['host.name']));
    expect(inventory.agents[0]?.packages).toEqual({ 'otelcol-custom': { version: '1.4.0', state: 'Installed' } });
    expect(requests.map((r) => r.url)).toEqual([
      '/api/v1/agents?limit=3',
      `/api/v1/agents?limit=3&cursor=${all[2]?.['uid']}`,
      `/api/v1/agents?limit=3&cursor=${all[5]?.['uid']}`,
    ]);
    expect(requests.every((r) => r.auth === 'Bearer s3cret')).toBe(true);
  });

  it('says to set the token on 401', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 401;
      res.end('{"error":"unauthorized"}');
    });
    const err = await readServerInventory({ url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanInputError);
    expect((err as PlanInputError).code).toBe('E_PLAN_SERVER');
    expect((err as Error).message).toContain('answered 401');
    expect((err as Error).message).toContain('RINGMASTER_TOKEN');
  });

  it('names the bad field of a malformed agent', async () => {
    const bad = { ...agent(1), online: 'yes' };
    const url = await serve((_req, res) => res.end(JSON.stringify({ items: [bad] })));
    await expect(readServerInventory({ url })).rejects.toThrow(/items\[0\]\.online must be true or false/);
  });

  it('refuses a server whose cursor loops', async () => {
    const url = await serve((_req, res) => res.end(JSON.stringify({ items: [agent(1)], nextCursor: 'same' })));
    await expect(readServerInventory({ url })).rejects.toThrow(/cursor it returned before/);
  });

  it('stops at maxAgents', async () => {
    const url = await serve(pager(Array.from({ length: 5 }, (_, i) => agent(i + 1))));
    await expect(readServerInventory({ url, maxAgents: 4, pageSize: 2 })).rejects.toThrow(/more than 4 agents/);
  });

  it('fails clearly when nothing listens', async () => {
    const url = await serve((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const err = (await readServerInventory({ url }).catch((e: unknown) => e)) as PlanInputError;
    expect(err.code).toBe('E_PLAN_SERVER');
    expect(err.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/agents\?limit=500 failed: .*check --server/);
  });

  it('refuses credentials in the URL without echoing them', async () => {
    const err = (await readServerInventory({ url: 'http://user:pw@127.0.0.1:1' }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('RINGMASTER_TOKEN');
    expect(err.message).not.toContain('pw');
  });

  it('rejects a non-http URL', async () => {
    await expect(readServerInventory({ url: 'ftp://example.com' })).rejects.toThrow(/http:\/\/ or https:\/\//);
  });
});
