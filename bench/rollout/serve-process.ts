/**
 * Entry of the process that runs the full server (`startServer`, Git mode) for the rollout
 * benchmark, configured the way `ringmaster serve` is: flags and environment through
 * `resolveServeConfig`. Production controller timings; logs silent.
 */
import { pino } from 'pino';
import { resolveServeConfig } from '../../src/serve/config.ts';
import { startServer } from '../../src/serve/server.ts';
import type { RunningServer } from '../../src/serve/server.ts';
import { benchPolicy } from './world.ts';
import type { FromServe, ToServe } from './serve-protocol.ts';

const tell = (message: FromServe): void => void process.send?.(message);
let server: RunningServer | undefined;
let warmupMs = 60_000;

async function handle(message: ToServe): Promise<void> {
  if (message.type === 'start') {
    const config = resolveServeConfig(message.flags, message.env);
    warmupMs = config.warmupMs ?? warmupMs;
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    tell({ type: 'ready', url: server.url });
  } else if (message.type === 'read') {
    const state = server?.controller.state;
    const cpu = process.cpuUsage();
    tell({
      type: 'read',
      reading: {
        ready: state?.good !== undefined, warmingUp: state?.startedAt === undefined || Date.now() < state.startedAt + warmupMs, agentsOnline: server?.opamp.stats().agentsOnline ?? 0,
        ...(state?.good ? { revision: state.good.revision } : {}),
        ...(state?.statuses[benchPolicy] ? { phase: state.statuses[benchPolicy].phase } : {}),
        cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss,
      },
    });
  } else {
    await server?.close();
    tell({ type: 'closed' });
    process.disconnect?.();
  }
}

process.on('message', (message: ToServe) => void handle(message).catch((error: unknown) => tell({ type: 'failed', message: (error as Error).stack ?? String(error) })));
process.on('disconnect', () => process.exit(0));
