/**
 * The behaviour every `StatusWriter` (Git, Kubernetes) must show, as one reusable suite.
 * An adapter's test calls `statusWriterContract(name, makeWriter)`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Inventory, StatusWriter } from '../../src/controller/ports.ts';
import type { PolicyStatus } from '../../src/manifests/types.ts';

export interface StatusWriterHarness {
  writer: StatusWriter;
  /** A new writer over the same storage, as after a restart (the old one is left as is). */
  reopen(): Promise<StatusWriter>;
  /** Optional: how many times the storage changed (Git: commits; Kubernetes: status updates). */
  changes?(): Promise<number>;
  cleanup(): Promise<void>;
}

const counts = { targeted: 5, offered: 5, downloading: 0, installing: 0, installed: 5, healthy: 5, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };

/** A realistic status with every kind of field (nested objects, arrays, optional values). */
export function sampleStatus(phase: PolicyStatus['phase'] = 'Baking', release = 'otelcol-custom-1.5.0'): PolicyStatus {
  return {
    observedRevision: '3f2c9e1d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d',
    specHash: '7b1e0f',
    phase,
    release,
    stableRelease: 'otelcol-custom-1.4.0',
    currentRing: 'canary',
    startedAt: '2026-11-21T09:00:00Z',
    rings: [
      { name: 'canary', phase: 'Baking', startedAt: '2026-11-21T09:00:00Z', succeededAt: '2026-11-21T09:04:10Z', bakeUntil: '2026-11-21T09:34:10Z', counts },
      { name: 'everyone', phase: 'Pending', counts: { ...counts, targeted: 1080, offered: 0, installed: 0, healthy: 0 } },
    ],
    unassigned: 2,
    conditions: [
      { type: 'Ready', status: 'False', reason: 'Baking', message: 'ring canary bakes until 09:34Z: "quoted": yes', lastTransitionTime: '2026-11-21T09:04:10Z' },
      { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'true', lastTransitionTime: '2026-11-21T09:00:00Z' },
    ],
    history: [{ release: 'otelcol-custom-1.4.0', phase: 'Succeeded', startedAt: '2026-11-20T09:00:00Z', finishedAt: '2026-11-20T15:00:00Z' }],
  };
}

/** An inventory of `n` agents. */
export function sampleInventory(n: number, generatedAt = '2026-11-21T09:05:00Z'): Inventory {
  return {
    generatedAt,
    agents: Array.from({ length: n }, (_, i) => ({
      uid: `0190a6f2-0000-7000-8000-${String(i).padStart(12, '0')}`,
      attributes: { 'service.name': 'otelcol-custom', 'host.name': `host-${i}` },
      platform: { os: 'linux', arch: 'amd64' },
      acceptsPackages: true,
      online: true,
      lastSeen: '2026-11-21T09:04:59Z',
      packages: { 'otelcol-custom': { version: '1.5.0', state: 'Installed' } },
      rings: { 'otelcol-custom': i < 2 ? 'canary' : null },
    })),
  };
}

/** Runs the contract against writers made by `makeWriter` (fresh, empty storage each time). */
export function statusWriterContract(name: string, makeWriter: () => Promise<StatusWriterHarness>): void {
  describe(`StatusWriter contract: ${name}`, () => {
    let harness: StatusWriterHarness | undefined;
    const opened: StatusWriter[] = [];
    afterEach(async () => {
      for (const writer of opened.splice(0)) await writer.close().catch(() => undefined);
      await harness?.writer.close().catch(() => undefined);
      await harness?.cleanup();
      harness = undefined;
    });

    async function fresh(): Promise<StatusWriterHarness> {
      harness = await makeWriter();
      return harness;
    }

    async function reopen(h: StatusWriterHarness): Promise<StatusWriter> {
      const writer = await h.reopen();
      opened.push(writer);
      return writer;
    }

    it('reads nothing from empty storage', async () => {
      const { writer } = await fresh();
      expect(await writer.readAll()).toEqual({});
    });

    it('round-trips statuses exactly: write, flush, readAll after a restart', async () => {
      const h = await fresh();
      await h.writer.write('otelcol-custom', sampleStatus(), 'ring canary succeeded (5/5)');
      await h.writer.write('otelcol-contrib', sampleStatus('Progressing', 'otelcol-contrib-0.9.0'), 'rollout started');
      await h.writer.flush();
      expect(await h.writer.readAll()).toEqual({ 'otelcol-custom': sampleStatus(), 'otelcol-contrib': sampleStatus('Progressing', 'otelcol-contrib-0.9.0') });
      const again = await reopen(h);
      expect(await again.readAll()).toEqual({ 'otelcol-custom': sampleStatus(), 'otelcol-contrib': sampleStatus('Progressing', 'otelcol-contrib-0.9.0') });
    });

    it('the latest write of a policy wins; other policies are kept', async () => {
      const h = await fresh();
      await h.writer.write('a', sampleStatus('Progressing'), 'started');
      await h.writer.write('b', sampleStatus('Baking'), 'baking');
      await h.writer.flush();
      await h.writer.write('a', sampleStatus('Succeeded'), 'done');
      await h.writer.flush();
      const all = await (await reopen(h)).readAll();
      expect(all.a?.phase).toBe('Succeeded');
      expect(all.b?.phase).toBe('Baking');
    });

    it('stores only when content changed', async () => {
      const h = await fresh();
      if (h.changes === undefined) return;
      await h.writer.write('p', sampleStatus(), 'first');
      await h.writer.flush();
      const once = await h.changes();
      await h.writer.write('p', sampleStatus(), 'same again');
      await h.writer.flush();
      await h.writer.flush();
      expect(await h.changes()).toBe(once);
    });

    it('after a restart, writing what is stored changes nothing', async () => {
      const h = await fresh();
      if (h.changes === undefined) return;
      await h.writer.write('p', sampleStatus(), 'first');
      await h.writer.flush();
      const once = await h.changes();
      const again = await reopen(h);
      expect(Object.keys(await again.readAll())).toEqual(['p']);
      await again.write('p', sampleStatus(), 'same after restart');
      await again.flush();
      expect(await h.changes()).toBe(once);
    });

    it('writes an inventory without touching policy statuses', async () => {
      const h = await fresh();
      await h.writer.write('p', sampleStatus(), 'first');
      await h.writer.writeInventory(sampleInventory(3));
      await h.writer.flush();
      expect(Object.keys(await (await reopen(h)).readAll())).toEqual(['p']);
    });

    it('rejects a policy name that cannot be stored, with a code', async () => {
      const { writer } = await fresh();
      await expect(writer.write('../escape', sampleStatus(), 'x')).rejects.toHaveProperty('code');
      await writer.flush();
      expect(await writer.readAll()).toEqual({});
    });

    it('close() flushes pending writes and refuses later ones', async () => {
      const h = await fresh();
      await h.writer.write('p', sampleStatus(), 'before close');
      await h.writer.close();
      await expect(h.writer.write('p', sampleStatus('Failed'), 'after close')).rejects.toHaveProperty('code');
      expect((await (await reopen(h)).readAll()).p).toEqual(sampleStatus());
    });
  });
}
