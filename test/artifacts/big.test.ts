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
    const peak = report['peakRss'] as number;
    // Constant memory: after the first quarter (warm-up of heaps, sockets, allocator arenas)
    // the remaining 768 MiB add almost nothing; the whole run stays far below the file size.
    expect(peak - (report['warmRss'] as number), JSON.stringify(report)).toBeLessThan(32 * MiB);
    expect(peak - (report['baselineRss'] as number), JSON.stringify(report)).toBeLessThan(192 * MiB);
    const mib = (key: string): number => Math.round((report[key] as number) / MiB);
    console.info(`1 GiB push+download: ${String(report['seconds'])} s; RSS baseline ${mib('baselineRss')} MiB, after 1/4 ${mib('warmRss')} MiB, peak ${mib('peakRss')} MiB`);
  }, 180_000);
});
