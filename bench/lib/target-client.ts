/**
 * Starts a target process and reads it: the benchmark side of `target.ts`.
 */
import { fileURLToPath } from 'node:url';
import { forkChild } from './child.ts';
import { serverNodeArgs } from './size.ts';
import type { FromTarget, TargetSample, TargetSpec, ToTarget } from './target-protocol.ts';

export type { TargetSample, TargetSpec } from './target-protocol.ts';

/** A running target. */
export interface Target {
  /** Base URL (OpAMP: the `http://…/v1/opamp` endpoint; `ws` endpoint is the same with `ws:`). */
  readonly url: string;
  readonly pid: number;
  sample(options?: { gc?: boolean }): Promise<TargetSample>;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./target.ts', import.meta.url));

/** Forks a target process running `spec`; extra Node flags via `execArgv` and `RINGMASTER_BENCH_SERVER_ARGS`. */
export async function startTarget(spec: TargetSpec, execArgv: readonly string[] = []): Promise<Target> {
  const child = forkChild<ToTarget, FromTarget>(entry, ['--expose-gc', '--max-old-space-size=4096', ...serverNodeArgs(), ...execArgv]);
  child.on('failed', (message) => console.error(`target failed: ${message.message}`));
  const ready = child.next('ready', 60_000);
  child.send({ type: 'start', spec });
  const { url } = await ready;
  return {
    url,
    pid: child.process.pid ?? 0,
    async sample(options = {}) {
      const reply = child.next('sample', 60_000);
      child.send({ type: 'sample', gc: options.gc === true });
      return (await reply).sample;
    },
    async close() {
      const closed = child.next('closed', 30_000).catch(() => undefined);
      child.send({ type: 'close' });
      await closed;
      await child.exited(10_000);
    },
  };
}
