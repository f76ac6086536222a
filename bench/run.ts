/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or the names given as arguments, with or
 * without the `.bench.ts` suffix), prints one table, and writes each result to
 * `bench/results/<name>.json` (git-ignored). Re-executes itself once with `--expose-gc`
 * so benches can measure memory after a forced collection.
 *
 * Usage: node bench/run.ts [name ...]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measured quantity over several runs. */
export interface BenchMetric {
  name: string;
  unit: 'ms' | 'bytes' | 'ratio' | 'count';
  median: number;
  min: number;
  max: number;
}

/** What a bench module's `run()` resolves to. */
export interface BenchResult {
  name: string;
  runs: number;
  metrics: BenchMetric[];
  notes?: string[];
}

/** The median, min and max of `samples` (which must not be empty). */
export function summarize(name: string, unit: BenchMetric['unit'], samples: readonly number[]): BenchMetric {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { name, unit, median, min: sorted[0]!, max: sorted.at(-1)! };
}

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  if (typeof globalThis.gc !== 'function') {
    const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  const names = await benchNames(process.argv.slice(2));
  await mkdir(join(here, 'results'), { recursive: true });
  const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', loadavg: loadavg().map((l) => l.toFixed(2)).join(' ') };
  console.log(`node ${machine.node} · ${machine.cpus} cores (${machine.cpu}) · load average ${machine.loadavg}`);
  for (const name of names) {
    const module = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run(): Promise<BenchResult> };
    const result = await module.run();
    printTable(result);
    await writeFile(join(here, 'results', `${name}.json`), `${JSON.stringify({ ...result, machine, at: new Date().toISOString() }, null, 2)}\n`);
  }
}

async function benchNames(args: readonly string[]): Promise<string[]> {
  // Flags (`--quick`, `--full`) are for the benches, which read them from process.argv.
  const named = args.filter((arg) => !arg.startsWith('--'));
  if (named.length > 0) return named.map((arg) => basename(arg).replace(/\.bench\.ts$/, ''));
  const files = await readdir(here);
  return files.filter((file) => file.endsWith('.bench.ts')).map((file) => file.replace(/\.bench\.ts$/, '')).sort();
}

function printTable(result: BenchResult): void {
  console.log(`\n${result.name} (${result.runs} runs)`);
  const format = (metric: BenchMetric, value: number): string =>
    metric.unit === 'bytes' ? `${(value / 1_048_576).toFixed(1)} MiB` : metric.unit === 'ms' ? `${value.toFixed(1)} ms` : metric.unit === 'ratio' ? `${value.toFixed(2)}×` : String(value);
  const rows = result.metrics.map((m) => [m.name, format(m, m.median), format(m, m.min), format(m, m.max)]);
  const header = ['metric', 'median', 'min', 'max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  for (const note of result.notes ?? []) console.log(`  ${note}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
