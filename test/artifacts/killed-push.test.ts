import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveArtifacts } from '../../src/artifacts/http-handler.ts';
import { createArtifactStore } from '../../src/artifacts/store.ts';
import { bin } from './cli-run.ts';
import { eventually } from './http-client.ts';

/**
 * A `ringmaster package push` killed with SIGKILL mid-upload. The file is a FIFO the test
 * feeds, so the push is provably in the middle of its body when the kill lands.
 */

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'rm-kill-')); });
afterEach(async () => rm(dir, { recursive: true, force: true }));

const coords = ['--package', 'otelcol-acme', '--version', '1.0.0', '--os', 'linux', '--arch', 'amd64'];

async function startPushFromFifo(args: string[]): Promise<{ child: ChildProcess; feed: (bytes: number) => Promise<void>; close: () => Promise<void> }> {
  const fifo = join(dir, 'otelcol-acme');
  await promisify(execFile)('mkfifo', [fifo]);
  const child = spawn(process.execPath, [bin, 'package', 'push', fifo, ...coords, ...args], { stdio: 'ignore' });
  // open(w) blocks until the child opens the FIFO for reading; should the child die first,
  // open the read end ourselves so the test fails with the child's exit instead of hanging.
  child.once('exit', () => void open(fifo, 'r').then((h) => h.close(), () => undefined));
  const writer = await open(fifo, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  return {
    child,
    feed: async (bytes) => {
      for (let sent = 0; sent < bytes; sent += chunk.length) await writer.write(chunk);
    },
    close: () => writer.close().catch(() => undefined),
  };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function tempFiles(root: string): Promise<string[]> {
  return readdir(join(root, '.tmp')).catch(() => []);
}

describe('a push killed mid-upload', () => {
  it('to a local store leaves no visible file; the abandoned temp file is swept later', async () => {
    const root = join(dir, 'store');
    const push = await startPushFromFifo(['--dir', root]);
    await push.feed(1024 * 1024);
    await eventually(async () => (await tempFiles(root)).length === 1 && (await stat(join(root, '.tmp', (await tempFiles(root))[0]!))).size > 0);
    await kill(push.child);
    await push.close();
    const store = createArtifactStore({ root, staleTempMs: 0 });
    expect(await store.list()).toEqual([]);
    await expect(stat(join(root, 'otelcol-acme', '1.0.0', 'manifest.json'))).rejects.toThrow();
    await expect(readdir(join(root, 'otelcol-acme', '1.0.0', 'linux-amd64'))).rejects.toThrow();
    // The next write sweeps what the killed process could not clean up.
    const r = await store.put(Readable.from(['complete']), { package: 'otelcol-acme', version: '1.0.0', os: 'linux', arch: 'amd64', fileName: 'otelcol-acme' });
    expect(r.created).toBe(true);
    expect(await tempFiles(root)).toEqual([]);
  }, 60_000);

  it('to a server leaves no file: the server drops the half upload and its temp file', async () => {
    const root = join(dir, 'served');
    const server = await serveArtifacts({ store: createArtifactStore({ root }), adminTokens: ['t'] });
    try {
      const push = await startPushFromFifo(['--server', server.url, '--token', 't']);
      await push.feed(1024 * 1024);
      await eventually(async () => (await tempFiles(root)).length === 1);
      await kill(push.child);
      await push.close();
      await eventually(async () => (await tempFiles(root)).length === 0);
      expect(await createArtifactStore({ root }).list()).toEqual([]);
      const res = await fetch(`${server.url}/packages/otelcol-acme/1.0.0/linux-amd64/otelcol-acme`);
      expect(res.status).toBe(404);
    } finally {
      await server.close();
    }
  }, 60_000);
});
