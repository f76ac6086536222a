import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ringmaster } from './run-cli.ts';

const run = promisify(execFile);


describe('ringmaster CLI entry', () => {
  it('prints help with exit code 0', async () => {
    const r = await ringmaster(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ringmaster');
  });

  it('exits 2 on an unknown option, naming it', async () => {
    const r = await ringmaster(['--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('stops at once on an old Node.js with the version needed and how to get it', async () => {
    // The gate reads process.versions; run it under a faked version rather than an old binary.
    const gate = new URL('../../scripts/check-node.cjs', import.meta.url).pathname;
    const script = `Object.defineProperty(process.versions, 'node', { value: '20.20.2' }); require(${JSON.stringify(gate)});`;
    const r = await run(process.execPath, ['-e', script]).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Node.js >= 22.19 is required');
    expect(r.stderr).toContain('node@24');
  });
});
