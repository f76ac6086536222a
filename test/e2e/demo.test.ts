import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { simpleGit } from 'simple-git';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm start (the demo)', () => {
  it('runs to completion without a terminal: two rollouts ring by ring, the approval made by commit, status committed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rm-demo-test-'));
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { stdout } = await run(npm, ['start', '--silent', '--', '--dir', dir], {
      cwd: root, env: { ...process.env, CI: 'true' }, timeout: 240_000, maxBuffer: 32 * 1024 * 1024,
    });
    expect(stdout).toContain('50 agents connected; rolling out otelcol-custom 1.4.0 as the stable release');
    expect(stdout).toMatch(/otelcol-custom: ring canary succeeded \(5\/5 healthy\)/);
    expect(stdout).toContain('Ring "everyone" needs approval. A reviewer approves it in Git:');
    expect(stdout).toMatch(/▸ Approved in commit [0-9a-f]{7}/);
    // The two broken agents fail, within maxFailures, and are listed with their error.
    expect(stdout).toMatch(/failed\s+install failed: .*simulated failure installing otelcol-custom 1\.5\.0/);
    expect(stdout).toContain('✔ Demo finished.');
    expect(stdout).toMatch(/otelcol-custom: Succeeded on otelcol-custom-1\.5\.0 \(stable otelcol-custom-1\.5\.0\) — 2 agents failed to install and kept the previous version/);
    expect(stdout).toMatch(/parsers-config: Succeeded on parsers-config-2\.1\.0/);
    expect(stdout).toMatch(/Ringmaster: otelcol-custom: /);
    const status = await simpleGit(join(dir, 'fleet.git')).raw(['show', 'main:status/otelcol-custom.yaml']);
    expect(status).toMatch(/^phase: Succeeded$/m);
    expect(status).toMatch(/^stableRelease: otelcol-custom-1\.5\.0$/m);
  }, 300_000);
});
