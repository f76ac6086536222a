import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/controller/ports.ts';
import { TriggerQueue, type TriggerReason } from '../../src/controller/trigger-queue.ts';

function recordingQueue(opts: { debounceMs?: number; minIntervalMs?: number; runMs?: number } = {}) {
  const runs: Array<Set<TriggerReason>> = [];
  const queue = new TriggerQueue({
    clock: systemClock,
    debounceMs: opts.debounceMs ?? 5,
    minIntervalMs: opts.minIntervalMs ?? 0,
    resyncMs: 0,
    run: async (reasons) => {
      runs.push(new Set(reasons));
      await new Promise((r) => setTimeout(r, opts.runMs ?? 0));
    },
  });
  return { queue, runs };
}

describe('TriggerQueue', () => {
  it('coalesces a burst of triggers into one run that carries every reason', async () => {
    const { queue, runs } = recordingQueue({ debounceMs: 20 });
    queue.start();
    for (let i = 0; i < 50; i++) queue.trigger('fleet');
    queue.trigger('manifests');
    await queue.idle();
    expect(runs).toHaveLength(1);
    expect([...runs[0]!].sort()).toEqual(['fleet', 'manifests', 'start']);
    await queue.stop();
  });

  it('never runs concurrently, and a trigger during a run causes exactly one more run', async () => {
    const runs: Array<Set<TriggerReason>> = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    let entered!: () => void;
    let release!: () => void;
    const firstRunEntered = new Promise<void>((r) => (entered = r));
    const firstRunReleased = new Promise<void>((r) => (release = r));
    const queue = new TriggerQueue({
      clock: systemClock, debounceMs: 1, minIntervalMs: 0, resyncMs: 0,
      run: async (reasons) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs.push(new Set(reasons));
        if (runs.length === 1) {
          entered();
          await firstRunReleased; // held until the test has triggered during it
        }
        concurrent--;
      },
    });
    queue.start();
    await firstRunEntered;
    queue.trigger('fleet');
    queue.trigger('timer');
    release();
    await queue.idle();
    expect(maxConcurrent).toBe(1);
    expect(runs).toHaveLength(2);
    expect([...runs[1]!].sort()).toEqual(['fleet', 'timer']);
    await queue.stop();
  });

  it('stop() releases idle() waiters of a run that will never happen', async () => {
    const { queue, runs } = recordingQueue({ debounceMs: 10_000 });
    queue.start();
    const waiting = queue.idle();
    await queue.stop();
    await expect(waiting).resolves.toBeUndefined();
    expect(runs).toHaveLength(0);
  });

  it('spaces runs at least twice the last run duration apart', async () => {
    const starts: number[] = [];
    const queue = new TriggerQueue({
      clock: systemClock, debounceMs: 1, minIntervalMs: 0, resyncMs: 0,
      run: async () => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 60));
      },
    });
    queue.start();
    await queue.idle();
    queue.trigger('fleet');
    await queue.idle();
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(115);
    await queue.stop();
  });

  it('wakes itself at a requested time', async () => {
    const { queue, runs } = recordingQueue();
    queue.start();
    await queue.idle();
    queue.wakeAt(Date.now() + 30);
    await expect.poll(() => runs.length, { timeout: 5_000 }).toBe(2);
    expect([...runs[1]!]).toEqual(['timer']);
    await queue.stop();
  });

  it('ignores triggers after stop', async () => {
    const { queue, runs } = recordingQueue();
    queue.start();
    await queue.idle();
    await queue.stop();
    queue.trigger('fleet');
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toHaveLength(1);
  });
});
