import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const fixture = new URL('./fixtures/big-transfer.ts', import.meta.url).pathname;
const MiB = 1024 * 1024;

describe('a 1 GiB package', () => {
  it('pushes and serves over real HTTP with memory that does not grow with the file', async () => {
    const report = await new Promise<Record<string, number | string>>((resolve, reject) => {
      execFile(process.execPath, [fixture], { timeout: 170_000, maxBuffer: MiB }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, number | string>);
      });
    });
    expect(report['size']).toBe(1024 * MiB);
    expect(report['uploadStatus'], JSON.stringify(report)).toBe(201);
    expect(report['downloadStatus']).toBe(200);
    expect(report['contentLength']).toBe(String(1024 * MiB));
    expect(report['received']).toBe(report['sent']);
    const n = (key: string): number => report[key] as number;
    const detail = JSON.stringify(report);
    // Constant memory: after the first quarter of each phase (warm-up of heaps, sockets,
    // allocator arenas) the remaining 768 MiB add almost nothing, and the whole run stays
    // far below the file size.
    expect(n('upload') - n('uploadWarm'), detail).toBeLessThan(32 * MiB);
    expect(n('download') - n('downloadWarm'), detail).toBeLessThan(32 * MiB);
    expect(Math.max(n('upload'), n('download')) - n('baselineRss'), detail).toBeLessThan(192 * MiB);
    const mib = (key: string): number => Math.round(n(key) / MiB);
    console.info(`1 GiB push+download: ${String(report['seconds'])} s; RSS MiB: baseline ${mib('baselineRss')}, upload ${mib('uploadWarm')}→${mib('upload')}, download ${mib('downloadWarm')}→${mib('download')}`);
  }, 180_000);
});
