import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/controller/ports.ts';
import { TriggerQueue, type TriggerReason } from '../../src/controller/trigger-queue.ts';

function recordingQueue(opts: { debounceMs?: number; minIntervalMs?: number; runMs?: number } = {}) {
  const runs: Array<Set<TriggerReason>> = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const queue = new TriggerQueue({
    clock: systemClock,
    debounceMs: opts.debounceMs ?? 5,
    minIntervalMs: opts.minIntervalMs ?? 0,
    resyncMs: 0,
    run: async (reasons) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      runs.push(new Set(reasons));
      await new Promise((r) => setTimeout(r, opts.runMs ?? 0));
      concurrent--;
    },
  });
  return { queue, runs, maxConcurrent: () => maxConcurrent };
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
    const { queue, runs, maxConcurrent } = recordingQueue({ runMs: 40 });
    queue.start();
    await new Promise((r) => setTimeout(r, 15)); // first run is now in progress
    queue.trigger('fleet');
    queue.trigger('timer');
    await queue.idle();
    expect(maxConcurrent()).toBe(1);
    expect(runs).toHaveLength(2);
    expect([...runs[1]!].sort()).toEqual(['fleet', 'timer']);
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
