/**
 * Deterministic ring membership (DESIGN.md: "Membership is deterministic"). Each agent gets
 * one position per policy from SHA-256(policy name, instance uid); nothing else feeds it, so
 * an agent's ring never changes because other agents came or went, and every replica
 * computes the same answer without coordination.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { Ring } from '../manifests/types.ts';
import { compileSelector, type AttributePredicate } from './selector.ts';

const encoder = new TextEncoder();
const TWO_POW_32 = 4_294_967_296;

/**
 * The agent's position for `policy`, uniform in [0, 1): the first 32 bits (big-endian) of
 * SHA-256 over the UTF-8 of `policy`, a NUL byte, then `uid`, divided by 2^32. Policy names
 * cannot contain NUL, so the encoding is unambiguous. Multiply by 100 for a percent bucket.
 */
export function membershipPosition(policy: string, uid: string): number {
  return positioner(policy)(uid);
}

/**
 * {@link membershipPosition} for one policy, for many agents. The policy prefix is hashed
 * once; each agent then copies that midstate into one reused hasher (`_cloneInto`, noble's
 * public clone-into-existing API) and its uid is encoded into one reused buffer, so a
 * 100,000-agent plan allocates almost nothing per agent for membership.
 */
export function positioner(policy: string): (uid: string) => number {
  const base = sha256.create().update(encoder.encode(`${policy}\u0000`));
  const scratch = sha256.create();
  const digest = new Uint8Array(32);
  let buffer = new Uint8Array(64);
  const known = memoFor(policy);
  return (uid) => {
    const hit = known.get(uid);
    if (hit !== undefined) return hit;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (buffer.length < uid.length * 3) buffer = new Uint8Array(uid.length * 3);
    const { written } = encoder.encodeInto(uid, buffer);
    base._cloneInto(scratch).update(buffer.subarray(0, written)).digestInto(digest);
    const word = ((digest[0] as number) << 24) | ((digest[1] as number) << 16) | ((digest[2] as number) << 8) | (digest[3] as number);
    const position = (word >>> 0) / TWO_POW_32;
    remember(known, uid, position);
    return position;
  };
}

/**
 * Positions already computed, per policy. A position depends on nothing but (policy, uid),
 * so remembering it cannot change any result; it spares the SHA-256 — most of a plan's
 * cost — when the controller plans the same fleet again. Bounded: past `memoLimit`
 * positions in all, everything is forgotten and recomputed on demand.
 */
const memo = new Map<string, Map<string, number>>();
let memoSize = 0;
let memoLimit = 2_000_000;

function memoFor(policy: string): Map<string, number> {
  let known = memo.get(policy);
  if (known === undefined) memo.set(policy, (known = new Map()));
  return known;
}

function remember(known: Map<string, number>, uid: string, position: number): void {
  if (memoSize >= memoLimit) clearMembershipMemo();
  known.set(uid, position);
  memoSize++;
}

/** Forgets every remembered position (benchmarks measure the cold cost with it). */
export function clearMembershipMemo(): void {
  for (const positions of memo.values()) positions.clear();
  memoSize = 0;
}

/** Sets how many positions are remembered in all (default 2,000,000, about 150 MiB). */
export function setMembershipMemoLimit(limit: number): void {
  memoLimit = Math.max(0, Math.floor(limit));
}

/** A ring's membership test, prepared once per plan. */
export interface RingMatcher {
  matches: AttributePredicate;
  /** The ring's `percent` as a fraction in [0, 1]. */
  share: number;
}

/** Prepares `rings` for {@link assignRing}. */
export function compileRings(rings: readonly Ring[]): RingMatcher[] {
  return rings.map((ring) => ({ matches: compileSelector(ring.selector), share: clampPercent(ring.percent) / 100 }));
}

/**
 * Index of the first ring that takes the agent, or -1 when none does (`unassigned`).
 * A ring takes an agent when its selector matches and the agent's position falls in the
 * ring's `percent` (default 100) of the agents still left. "Still left" is per agent: when
 * a ring's selector matches but its percent does not take the agent, the position is
 * rescaled onto [0, 1) for the next rings (`(u - p) / (1 - p)`), so `percent: 10` after a
 * `percent: 10` ring takes 10% of the remaining 90%, as the field's description promises.
 * Agents a ring's selector does not match keep their position unchanged.
 */
export function assignRing(rings: readonly RingMatcher[], position: number, attributes: Record<string, string>): number {
  let u = position;
  for (let index = 0; index < rings.length; index++) {
    const { matches, share } = rings[index] as RingMatcher;
    if (!matches(attributes)) continue;
    if (u < share) return index;
    u = (u - share) / (1 - share);
  }
  return -1;
}

/** Percent in [0, 100]; anything else (absent, NaN, out of range) falls back to 100. */
function clampPercent(percent: number | undefined): number {
  if (percent === undefined || !(percent >= 0 && percent <= 100)) return 100;
  return percent;
}
