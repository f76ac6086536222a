/**
 * The decision at the heart of client-go's leader election, as a plain function: given the
 * Lease record we just read, may we write ours, and what exactly? Kept apart from the I/O so
 * its rules are table-tested.
 */
import type { LeaseRecord } from './lease-record.ts';

export interface ClaimContext {
  identity: string;
  /** Epoch ms, our clock. */
  now: number;
  /** When we saw the current record change, by our clock (never the record's own times). */
  observedAt: number;
  /** The duration we ask for in our record. */
  leaseDurationMs: number;
}

/**
 * The record to write, or undefined when another holder's lease is still valid. A lease is
 * valid for the duration *its holder* wrote, counted from when we observed the record —
 * never by comparing its renewTime with our clock. An empty holder (a released lease) is
 * free at once. Renewing keeps acquireTime and the transition count; taking over bumps it.
 */
export function claimLease(current: LeaseRecord | undefined, ctx: ClaimContext): LeaseRecord | undefined {
  const mine: LeaseRecord = { holderIdentity: ctx.identity, leaseDurationSeconds: Math.ceil(ctx.leaseDurationMs / 1000), acquireTime: ctx.now, renewTime: ctx.now, leaseTransitions: 0 };
  if (!current) return mine;
  const held = current.holderIdentity;
  if (held === ctx.identity) return { ...mine, acquireTime: current.acquireTime, leaseTransitions: current.leaseTransitions };
  if (held !== '' && ctx.observedAt + current.leaseDurationSeconds * 1000 > ctx.now) return undefined;
  return { ...mine, leaseTransitions: current.leaseTransitions + 1 };
}
