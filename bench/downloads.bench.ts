/**
 * Benchmark 4 — artifact downloads. A 64 MiB package file is pushed into a real artifact
 * store in a temp dir; Ringmaster's artifact server (`serveArtifacts`) and the plainest
 * baseline (`node:http` + `fs.createReadStream` of the same file) each run alone in their
 * own process, and this process downloads the file from each at concurrency 1, 8 and 64,
 * counting every byte. Reported: wall throughput, the ratio Ringmaster / baseline (target
 * ≥ 1.0), and server CPU-seconds per GB (target ≤ 0.8). Pairs are interleaved.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createArtifactStore } from '../src/artifacts/store.ts';
import { median, verdict } from './lib/fit.ts';
import { benchSize, bySize } from './lib/size.ts';
import { startTarget } from './lib/target-client.ts';
import type { TargetSpec } from './lib/target-client.ts';
import { summarize, type BenchMetric, type BenchResult } from './run.ts';

const coordinates = { package: 'bench-collector', version: '1.0.0', os: 'linux', arch: 'amd64', fileName: 'otelcol' };
const filePath = `${coordinates.package}/${coordinates.version}/${coordinates.os}-${coordinates.arch}/${coordinates.fileName}`;

interface Reading {
  bytesPerSecond: number;
  cpuSecondsPerGB: number;
  /** The user-mode part: what the server's own code costs, without the kernel's copying. */
  userSecondsPerGB: number;
}

/** Pushes `bytes` of random data into a new store under `root`. */
async function seedStore(root: string, bytes: number): Promise<void> {
  const chunk = 1024 * 1024;
  let left = bytes;
  const body = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const size = Math.min(chunk, left);
      left -= size;
      this.push(randomBytes(size));
    },
  });
  await createArtifactStore({ root }).put(body, coordinates);
}

/** GETs `url` to the end, resolving with the body size; rejects on a status other than 200. */
function download(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? 0}`));
      }
      let received = 0;
      res.on('data', (chunk: Buffer) => void (received += chunk.byteLength));
      res.on('end', () => resolve(received));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** `concurrency` clients each download the file `rounds` times; every body must be complete. */
export async function measureDownloads(spec: TargetSpec, url: string, concurrency: number, rounds: number, fileBytes: number): Promise<Reading> {
  const target = await startTarget(spec);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const target_url = `${target.url}${url}`;
    await download(target_url, agent); // warm-up: page cache, JIT
    const start = await target.sample();
    const wallStart = performance.now();
    const clients = Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < rounds; i += 1) {
        const got = await download(target_url, agent);
        if (got !== fileBytes) throw new Error(`short download from ${spec.kind}: ${got} of ${fileBytes} bytes`);
      }
    });
    await Promise.all(clients);
    const seconds = (performance.now() - wallStart) / 1000;
    const end = await target.sample();
    const total = concurrency * rounds * fileBytes;
    const perGB = (micros: number): number => micros / 1e6 / (total / 1e9);
    return { bytesPerSecond: total / seconds, cpuSecondsPerGB: perGB(end.cpuMicros - start.cpuMicros), userSecondsPerGB: perGB(end.cpuUserMicros - start.cpuUserMicros) };
  } finally {
    agent.destroy();
    await target.close();
  }
}

export async function run(): Promise<BenchResult> {
  const size = benchSize();
  const fileBytes = bySize({ quick: 16, default: 64, full: 64 }, size) * 1024 * 1024;
  const runs = bySize({ quick: 1, default: 3, full: 5 }, size);
  const root = await mkdtemp(join(tmpdir(), 'ringmaster-bench-downloads-'));
  const metrics: BenchMetric[] = [];
  const notes: string[] = [];
  try {
    await seedStore(root, fileBytes);
    const ringmaster: TargetSpec = { kind: 'artifacts', root, maxConcurrentDownloads: 64 };
    const baseline: TargetSpec = { kind: 'http-file', root };
    for (const concurrency of [1, 8, 64]) {
      const rounds = concurrency === 1 ? 4 : 1;
      const ours: Reading[] = [];
      const base: Reading[] = [];
      for (let i = 0; i < runs; i += 1) {
        base.push(await measureDownloads(baseline, `/${filePath}`, concurrency, rounds, fileBytes));
        ours.push(await measureDownloads(ringmaster, `/packages/${filePath}`, concurrency, rounds, fileBytes));
      }
      const ratios = ours.map((r, i) => r.bytesPerSecond / base[i]!.bytesPerSecond);
      const mib = (r: Reading): number => Math.round(r.bytesPerSecond / 1024 ** 2);
      metrics.push(
        summarize(`concurrency ${concurrency}: Ringmaster MiB/s`, 'count', ours.map(mib)),
        summarize(`concurrency ${concurrency}: baseline MiB/s`, 'count', base.map(mib)),
        summarize(`concurrency ${concurrency}: Ringmaster / baseline throughput`, 'ratio', ratios),
        summarize(`concurrency ${concurrency}: Ringmaster server CPU-s per GB (×1000)`, 'count', ours.map((r) => Math.round(r.cpuSecondsPerGB * 1000))),
        summarize(`concurrency ${concurrency}: baseline server CPU-s per GB (×1000)`, 'count', base.map((r) => Math.round(r.cpuSecondsPerGB * 1000))),
        summarize(`concurrency ${concurrency}: Ringmaster server user-mode CPU-s per GB (×1000)`, 'count', ours.map((r) => Math.round(r.userSecondsPerGB * 1000))),
        summarize(`concurrency ${concurrency}: baseline server user-mode CPU-s per GB (×1000)`, 'count', base.map((r) => Math.round(r.userSecondsPerGB * 1000))),
      );
      notes.push(verdict(`concurrency ${concurrency}: throughput ratio`, median(ratios), 1.0, '×', false));
      notes.push(verdict(`concurrency ${concurrency}: Ringmaster server CPU per GB`, median(ours.map((r) => r.cpuSecondsPerGB)), 0.8, ' s'));
      notes.push(`concurrency ${concurrency}: server CPU per GB, Ringmaster / baseline: ${(median(ours.map((r) => r.cpuSecondsPerGB)) / median(base.map((r) => r.cpuSecondsPerGB))).toFixed(2)}×`);
    }
    notes.push(`${fileBytes / 1024 ** 2} MiB file, page-cached; the client (this process) shares the machine's 2 cores with the server`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const result: BenchResult & { size: string } = { name: 'downloads', runs, metrics, notes, size };
  return result;
}
