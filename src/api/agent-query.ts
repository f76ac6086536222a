import type { AgentObservation, AgentRolloutState } from '../rollout/types.ts';
import { ApiError } from './api-error.ts';
import type { AgentPlacement } from '../rollout/types.ts';
import { summarizeAgent, type AgentSummary, type PlacementIndex } from './agent-summary.ts';

const STATE_SET: Record<AgentRolloutState, true> = {
  unassigned: true, incompatible: true, offline: true, pending: true, waiting: true, offered: true,
  downloading: true, installing: true, installed: true, healthy: true, failed: true, timedOut: true, rolledBack: true,
};
/** Every agent rollout state, in the order of the lifecycle. */
export const AGENT_STATES = Object.keys(STATE_SET) as AgentRolloutState[];

const PARAMS = new Set(['policy', 'ring', 'state', 'q', 'limit', 'cursor']);

/** A validated agent listing request. */
export interface AgentQuery {
  policy?: string;
  ring?: string;
  state?: AgentRolloutState;
  /** Lower-cased search text. */
  q?: string;
  limit: number;
  /** Only agents whose uid sorts after this one. */
  after?: string;
}

/** One page of agents, sorted by uid. `nextCursor` is absent on the last page. */
export interface AgentPage {
  items: AgentSummary[];
  total: number;
  nextCursor?: string;
}

export interface AgentQueryLimits {
  defaultPageSize: number;
  maxPageSize: number;
  /** Names of the known policies (an unknown `policy` is a 400, not an empty page). */
  policies: ReadonlySet<string>;
}

/** Parses and validates `?policy=&ring=&state=&q=&limit=&cursor=`; throws `ApiError` (400) naming the bad parameter. */
export function parseAgentQuery(params: URLSearchParams, limits: AgentQueryLimits): AgentQuery {
  for (const key of params.keys()) {
    if (!PARAMS.has(key)) throw new ApiError(400, 'E_BAD_QUERY', `unknown query parameter "${key}"; use ${[...PARAMS].join(', ')}`);
  }
  const query: AgentQuery = { limit: parseLimit(params.get('limit'), limits) };
  const policy = params.get('policy');
  if (policy) {
    if (!limits.policies.has(policy)) throw new ApiError(400, 'E_BAD_QUERY', `unknown policy "${policy}"; known: ${[...limits.policies].join(', ') || '(none)'}`);
    query.policy = policy;
  }
  const ring = params.get('ring');
  if (ring) query.ring = ring;
  const state = params.get('state');
  if (state) {
    if (!(state in STATE_SET)) throw new ApiError(400, 'E_BAD_QUERY', `unknown state "${state}"; use one of ${AGENT_STATES.join(', ')}`);
    query.state = state as AgentRolloutState;
  }
  const q = params.get('q')?.trim();
  if (q) query.q = q.toLowerCase();
  const cursor = params.get('cursor');
  if (cursor) query.after = decodeCursor(cursor);
  return query;
}

function parseLimit(raw: string | null, limits: AgentQueryLimits): number {
  if (raw === null || raw === '') return limits.defaultPageSize;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > limits.maxPageSize) {
    throw new ApiError(400, 'E_BAD_QUERY', `limit must be an integer from 1 to ${limits.maxPageSize}, got "${raw}"`);
  }
  return n;
}

/**
 * The cursor is the last uid of the previous page (base64url), so pages stay stable while
 * agents come and go: no agent is skipped or repeated because another one joined or left.
 */
export function encodeCursor(uid: string): string {
  return Buffer.from(`u:${uid}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith('u:') || text.length < 3) {
    throw new ApiError(400, 'E_BAD_CURSOR', 'cursor is not one this server issued; start again without cursor');
  }
  return text.slice(2);
}

/** Filters, sorts by uid and pages the agents. */
export function selectAgents(agents: readonly AgentObservation[], index: PlacementIndex, query: AgentQuery): AgentPage {
  const matching = agents.filter((a) => matches(a, index.get(a.uid) ?? {}, query));
  matching.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  const start = query.after === undefined ? 0 : firstAfter(matching, query.after);
  const page = matching.slice(start, start + query.limit);
  const last = page[page.length - 1];
  const more = start + page.length < matching.length;
  return {
    items: page.map((a) => summarizeAgent(a, index.get(a.uid))),
    total: matching.length,
    ...(more && last ? { nextCursor: encodeCursor(last.uid) } : {}),
  };
}

function firstAfter(sorted: readonly AgentObservation[], uid: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid]?.uid ?? '') <= uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function matches(agent: AgentObservation, placements: Record<string, AgentPlacement>, query: AgentQuery): boolean {
  const relevant = query.policy !== undefined ? [placements[query.policy]] : Object.values(placements);
  if (query.policy !== undefined && !relevant[0]) return false;
  if (query.ring !== undefined && !relevant.some((p) => p?.ring === query.ring)) return false;
  if (query.state !== undefined && !relevant.some((p) => p?.state === query.state)) return false;
  if (query.q !== undefined && !searchText(agent, placements).includes(query.q)) return false;
  return true;
}

function searchText(agent: AgentObservation, placements: Record<string, AgentPlacement>): string {
  const parts = [agent.uid];
  for (const [k, v] of Object.entries(agent.attributes)) parts.push(`${k}=${v}`);
  for (const p of Object.values(agent.packages)) if (p.error) parts.push(p.error);
  if (agent.health?.lastError) parts.push(agent.health.lastError);
  for (const p of Object.values(placements)) if (p.reason) parts.push(p.reason);
  return parts.join('\n').toLowerCase();
}
