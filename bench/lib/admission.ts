/**
 * "Admitted": every agent of the fleet is online at the server and every message it sent
 * has been answered. Counting answers rather than an expected number of messages keeps
 * the benchmarks right whether or not the server asks a new agent for its full state again.
 */
import type { Fleet, LinkCounters } from '../fleet/fleet.ts';
import { pollUntil } from './poll.ts';
import type { Target, TargetSample } from './target-client.ts';

/** Polls until `agents` are online and nothing is in flight; resolves with the server's sample at that moment. */
export async function waitAdmitted(target: Target, fleet: Fleet, agents: number, timeoutMs: number): Promise<TargetSample> {
  const read = async (): Promise<{ sample: TargetSample; counters: LinkCounters }> => ({ counters: await fleet.counters(), sample: await target.sample() });
  const done = ({ sample, counters }: { sample: TargetSample; counters: LinkCounters }): boolean =>
    sample.agentsOnline >= agents && counters.connected >= agents && counters.received >= counters.sent && sample.messagesIn >= counters.sent;
  return (await pollUntil(`${agents} agents admitted`, read, done, timeoutMs)).sample;
}
