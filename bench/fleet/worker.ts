/**
 * A fleet worker process: hosts up to ~19,000 simulated agents (one socket each; the
 * open-file limit is per process) and talks to the parent over IPC (`protocol.ts`).
 * Started by `fleet.ts` with `child_process.fork`.
 */
import { createHttpLink } from './http-link.ts';
import { seededRandom, simulatedIdentity } from './identity.ts';
import { newCounters } from './link.ts';
import type { Link, LinkContext } from './link.ts';
import { downloadWithRetry } from './download.ts';
import type { FromWorker, Milestone, ToWorker, WorkerAssignment } from './protocol.ts';
import { SimAgent } from './sim-agent.ts';
import type { AgentHost } from './sim-agent.ts';
import { createWsLink } from './ws-link.ts';

const tell = (message: FromWorker): void => void process.send?.(message);
let links: Link[] = [];
let ctx: LinkContext | undefined;
let pending: Milestone[] = [];

function hostFor(assignment: WorkerAssignment, random: () => number): AgentHost {
  return {
    send: (agent, message) => links[agent.index - assignment.firstIndex]?.send(message),
    download: async (url, headers, sha256) => {
      if (assignment.download === 'skip') return;
      const got = await downloadWithRetry(url, headers, assignment.downloadAttempts, random);
      if (sha256 !== undefined && got !== sha256) throw new Error(`SHA-256 mismatch: got ${got}, offered ${sha256}`);
    },
    installDelayMs: assignment.installDelayMs,
    failureRate: assignment.failureRate,
    random,
    milestone: (agent, kind, pkg) => void pending.push([agent.index, kind, pkg, performance.timeOrigin + performance.now()]),
  };
}

function start(assignment: WorkerAssignment): void {
  const random = seededRandom(assignment.seed ^ assignment.firstIndex);
  ctx = { endpoint: assignment.endpoint, heartbeatMs: assignment.heartbeatMs, counters: newCounters(), flood: 'off', random, ...(assignment.token === undefined ? {} : { token: assignment.token }) };
  const host = hostFor(assignment, random);
  const create = assignment.transport === 'ws' ? createWsLink : createHttpLink;
  links = [];
  for (let i = 0; i < assignment.count; i += 1) {
    const index = assignment.firstIndex + i;
    links.push(create(new SimAgent(index, simulatedIdentity(assignment.seed, index, assignment.statusBytes, assignment.labels), host), ctx));
  }
  let next = 0;
  const tick = setInterval(() => {
    for (const end = Math.min(links.length, next + assignment.connectBatch); next < end; next += 1) links[next]?.start();
    if (next >= links.length) clearInterval(tick);
  }, 10);
  setInterval(() => {
    if (pending.length === 0) return;
    tell({ type: 'milestones', events: pending });
    pending = [];
  }, 100).unref();
}

async function stop(polite: boolean): Promise<void> {
  await Promise.all(links.map((link) => link.stop(polite)));
  if (pending.length > 0) tell({ type: 'milestones', events: pending });
  tell({ type: 'stopped' });
  process.disconnect?.();
  setTimeout(() => process.exit(0), 100).unref();
}

process.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'start') start(message.assignment);
    else if (message.type === 'stats') tell({ type: 'stats', counters: ctx?.counters ?? newCounters() });
    else if (message.type === 'flood' && ctx !== undefined) {
      const wasOff = ctx.flood === 'off';
      ctx.flood = message.mode;
      if (wasOff && message.mode !== 'off') for (const link of links) link.kickFlood();
    } else if (message.type === 'stop') void stop(message.polite);
  } catch (error) {
    tell({ type: 'failed', message: (error as Error).stack ?? String(error) });
  }
});
process.on('disconnect', () => process.exit(0));
