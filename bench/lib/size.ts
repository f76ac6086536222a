/**
 * Benchmark size: `--quick` (a smoke run, a minute or two), the default (what `npm run
 * bench` runs, ≤ 10 minutes on the reference machine), or `--full` (every point the issue
 * names, including 19,000 agents). Read from the command line (`npm run bench -- --full`)
 * or from `RINGMASTER_BENCH_SIZE`.
 */
export type BenchSize = 'quick' | 'default' | 'full';

/** The size this run was asked for. */
export function benchSize(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): BenchSize {
  if (argv.includes('--quick')) return 'quick';
  if (argv.includes('--full')) return 'full';
  const fromEnv = env.RINGMASTER_BENCH_SIZE;
  return fromEnv === 'quick' || fromEnv === 'full' ? fromEnv : 'default';
}

/** Picks the value for the current size. */
export function bySize<T>(values: Record<BenchSize, T>, size: BenchSize = benchSize()): T {
  return values[size];
}

/**
 * Extra Node flags for the server processes under test (target and full server), from
 * `RINGMASTER_BENCH_SERVER_ARGS`, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
 * the server during a benchmark, or `--max-semi-space-size=1` to try a V8 setting.
 */
export function serverNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.RINGMASTER_BENCH_SERVER_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
}
