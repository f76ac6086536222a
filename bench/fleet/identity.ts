/**
 * Deterministic agent identities: the same seed and index give the same uid in any process,
 * so a benchmark can tell which agents were in which ring.
 */
import { createHash } from 'node:crypto';
import { uuidToString } from '../../src/opamp/uuid.ts';
import type { AgentIdentity } from './report.ts';

/** The uid of fleet agent `index` (a version-4-shaped UUID derived from seed and index). */
export function simulatedUid(seed: number, index: number): Uint8Array {
  const bytes = new Uint8Array(createHash('sha256').update(`ringmaster-sim:${seed}:${index}`).digest().subarray(0, 16));
  bytes[6] = 0x40 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  return bytes;
}

/** The identity of fleet agent `index`: `sim-<index>` on linux/amd64. */
export function simulatedIdentity(seed: number, index: number, statusBytes: number, labels: Readonly<Record<string, string>>): AgentIdentity {
  const uid = simulatedUid(seed, index);
  return { uid, uidText: uuidToString(uid), hostName: `sim-${index}`, platform: { os: 'linux', arch: 'amd64' }, labels, statusBytes };
}

/** A small seeded PRNG (mulberry32): reproducible failure draws without `Math.random`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
