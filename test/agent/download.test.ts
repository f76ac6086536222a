import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadLimits } from '../../src/agent/download.ts';
import { AgentError } from '../../src/agent/errors.ts';
import { startFileServer, type FileServer } from './file-server.ts';

const limits: DownloadLimits = { maxBytes: 1 << 20, idleTimeoutMs: 5000, attempts: 3, retryDelayMs: 10 };
const body = randomBytes(200_000);
const sha = createHash('sha256').update(body).digest('hex');

describe('downloadFile', () => {
  let server: FileServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFileServer();
    server.put('/pkg', body);
    dir = await mkdtemp(join(tmpdir(), 'rm-dl-'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads with the offer headers and checks the SHA-256', async () => {
    const progress: number[] = [];
    const dest = join(dir, 'f');
    const r = await downloadFile({ url: server.url('/pkg'), headers: { authorization: 'Bearer dl-token' }, dest, expectedSha256: sha, limits, onProgress: (p) => progress.push(p.bytes) });
    expect(r).toEqual({ bytes: body.length, sha256: sha, resumed: 0 });
    expect((await readFile(dest)).equals(body)).toBe(true);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer dl-token');
    expect(progress.at(-1)).toBe(body.length);
  });

  it('resumes with a Range request after the connection is cut', async () => {
    server.cutNext('/pkg', 70_000);
    const dest = join(dir, 'f');
    const r = await downloadFile({ url: server.url('/pkg'), headers: {}, dest, expectedSha256: sha, limits });
    expect(r.resumed).toBe(1);
    expect(r.sha256).toBe(sha);
    const ranges = server.requests.map((q) => q.headers.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(ranges[1] ?? '')?.[0])).toBeGreaterThan(0);
    expect((await readFile(dest)).equals(body)).toBe(true);
  });

  it('refuses a file whose SHA-256 differs from content_hash', async () => {
    const err = await downloadFile({ url: server.url('/pkg'), headers: {}, dest: join(dir, 'f'), expectedSha256: 'ab'.repeat(32), limits }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('E_CONTENT_HASH');
    expect((err as AgentError).message).toContain(`expected sha256 ${'ab'.repeat(32)}`);
    expect((err as AgentError).message).toContain(sha);
  });

  it('refuses files over the size limit before reading them', async () => {
    const err = await downloadFile({ url: server.url('/pkg'), headers: {}, dest: join(dir, 'f'), expectedSha256: sha, limits: { ...limits, maxBytes: 1000 } }).catch((e: unknown) => e);
    expect((err as AgentError).code).toBe('E_DOWNLOAD_TOO_LARGE');
    expect((err as AgentError).message).toContain('limits.maxDownloadBytes');
  });

  it('does not retry a 404', async () => {
    const err = await downloadFile({ url: server.url('/missing'), headers: {}, dest: join(dir, 'f'), expectedSha256: sha, limits }).catch((e: unknown) => e);
    expect((err as AgentError).code).toBe('E_DOWNLOAD');
    expect((err as AgentError).message).toContain('HTTP 404');
    expect(server.requests).toHaveLength(1);
  });
});
