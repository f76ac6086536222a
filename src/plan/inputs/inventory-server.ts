/**
 * Reads the live fleet from a running Ringmaster server (`ringmaster plan --server URL`).
 *
 * Assumed API (the server's `GET /api/v1/agents`): query `limit` (1–500) and `cursor`; the
 * reply is JSON `{ "items": [agent...], "total": n, "nextCursor"?: "..." }`, sorted by uid,
 * `nextCursor` absent on the last page. Each agent carries `uid`, `attributes`, optional
 * `platform {os, arch}`, `acceptsPackages`, `online`, `lastSeen` (RFC 3339) and `packages`
 * keyed by name (`{version?, hash?, state}`) — the same fields as an inventory agent; other
 * fields are ignored. A bearer token, when the server needs one, comes from the environment
 * (never a flag: flags show in process lists).
 */
import type { Inventory, InventoryAgent } from '../../controller/ports.ts';
import { checkAgent, DEFAULT_MAX_AGENTS } from './inventory-shape.ts';
import { PlanInputError } from './plan-error.ts';

/** Limits and credentials of the fetch. */
export interface ServerInventoryOptions {
  /** Base URL of the server, e.g. `https://ringmaster.example.com`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Agents per page. Default 500 (the server's maximum). */
  pageSize?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** Most agents accepted. Default {@link DEFAULT_MAX_AGENTS}. */
  maxAgents?: number;
}

export const DEFAULT_SERVER_PAGE_SIZE = 500;
export const DEFAULT_SERVER_TIMEOUT_MS = 30_000;

/** Fetches every page of agents. Throws `E_PLAN_SERVER` saying which request failed and why. */
export async function readServerInventory(options: ServerInventoryOptions): Promise<Inventory> {
  const maxAgents = options.maxAgents ?? DEFAULT_MAX_AGENTS;
  const agents: InventoryAgent[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const url = pageUrl(options, cursor);
    const page = await fetchPage(url, options);
    for (const [i, item] of page.items.entries()) agents.push(checkAgent(item, `${redact(url)}: items[${i}]`, 'E_PLAN_SERVER'));
    if (agents.length > maxAgents) {
      throw new PlanInputError('E_PLAN_SERVER', `${options.url} lists more than ${maxAgents} agents: raise --max-agents`);
    }
    if (page.nextCursor !== undefined && seen.has(page.nextCursor)) {
      throw new PlanInputError('E_PLAN_SERVER', `${redact(url)} returned a cursor it returned before: the server's paging is broken`);
    }
    cursor = page.nextCursor;
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
  return { generatedAt: '', agents };
}

function pageUrl(options: ServerInventoryOptions, cursor: string | undefined): URL {
  let url: URL;
  try {
    url = new URL('api/v1/agents', options.url.endsWith('/') ? options.url : `${options.url}/`);
  } catch (err) {
    throw new PlanInputError('E_PLAN_SERVER', `--server ${JSON.stringify(options.url)} is not a URL: use e.g. http://ringmaster:4320`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PlanInputError('E_PLAN_SERVER', `--server must be an http:// or https:// URL, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new PlanInputError('E_PLAN_SERVER', `--server ${redact(url)} must not carry credentials in the URL: put a bearer token in RINGMASTER_TOKEN`);
  }
  url.searchParams.set('limit', String(options.pageSize ?? DEFAULT_SERVER_PAGE_SIZE));
  if (cursor !== undefined) url.searchParams.set('cursor', cursor);
  return url;
}

interface Page {
  items: unknown[];
  nextCursor?: string;
}

async function fetchPage(url: URL, options: ServerInventoryOptions): Promise<Page> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_SERVER_TIMEOUT_MS) });
    body = response.ok ? await response.json() : await response.text();
  } catch (err) {
    throw new PlanInputError('E_PLAN_SERVER', `GET ${redact(url)} failed: ${(err as Error).message}; check --server and that the server is up`, { cause: err });
  }
  if (!response.ok) {
    const hint = response.status === 401 ? ': set RINGMASTER_TOKEN to a read token' : '';
    throw new PlanInputError('E_PLAN_SERVER', `GET ${redact(url)} answered ${response.status} ${String(body).slice(0, 200)}${hint}`);
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as Page).items)) {
    throw new PlanInputError('E_PLAN_SERVER', `GET ${redact(url)} did not return {"items": [...]}: is ${options.url} a Ringmaster server?`);
  }
  const next = (body as { nextCursor?: unknown }).nextCursor;
  if (next !== undefined && next !== null && typeof next !== 'string') {
    throw new PlanInputError('E_PLAN_SERVER', `GET ${redact(url)}: nextCursor must be a string`);
  }
  return { items: (body as Page).items, ...(typeof next === 'string' && next !== '' ? { nextCursor: next } : {}) };
}

// URLs may carry credentials (user:pass@); never print them.
function redact(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
