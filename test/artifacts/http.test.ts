import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveArtifacts, type ArtifactServer, type ServeArtifactsOptions } from '../../src/artifacts/http-handler.ts';
import { createArtifactStore, type ArtifactStore } from '../../src/artifacts/store.ts';
import { generateKeyPair, signPackage } from '../../src/artifacts/signing.ts';
import { eventually, rawRequest } from './http-client.ts';

const ADMIN = 'admin-token-123';
const FILE = '/packages/otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz';
const coords = { package: 'otelcol-acme', version: '1.4.2', os: 'linux', arch: 'amd64', fileName: 'otelcol-acme.tar.gz' };
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

let base: string;
let root: string;
let store: ArtifactStore;
let server: ArtifactServer;
const content = randomBytes(100_000);

async function start(extra: Partial<ServeArtifactsOptions> = {}): Promise<void> {
  await server?.close();
  server = await serveArtifacts({ store, adminTokens: [ADMIN], ...extra });
}

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'rm-http-'));
  root = join(base, 'store');
  await writeFile(join(base, 'secret.txt'), 'TOP-SECRET');
  store = createArtifactStore({ root });
  await store.put(Readable.from([content]), coords);
  await start();
});
afterEach(async () => {
  await server.close();
  await rm(base, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) => rawRequest(server.url, 'GET', path, headers);
const put = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
  rawRequest(server.url, 'PUT', path, { authorization: `Bearer ${ADMIN}`, ...headers }, body);

describe('downloads', () => {
  it('serves the file with Content-Length, a strong SHA-256 ETag and Accept-Ranges', async () => {
    const r = await get(FILE);
    expect(r.status).toBe(200);
    expect(r.body.equals(content)).toBe(true);
    expect(r.headers).toMatchObject({ 'content-length': String(content.length), etag: `"${sha(content)}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('answers HEAD with the same headers and no body', async () => {
    const r = await rawRequest(server.url, 'HEAD', FILE);
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(content.length));
    expect(r.body).toHaveLength(0);
  });

  it('answers 304 to a matching If-None-Match (strong, weak, list or *) and 200 otherwise', async () => {
    const etag = `"${sha(content)}"`;
    for (const value of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const r = await get(FILE, { 'if-none-match': value });
      expect(r.status, value).toBe(304);
      expect(r.body).toHaveLength(0);
      expect(r.headers.etag).toBe(etag);
    }
    expect((await get(FILE, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=99990-', 99_990, 99_999],
    ['bytes=-10', 99_990, 99_999],
    ['bytes=50-9999999', 50, 99_999],
  ])('serves %s as 206 with Content-Range', async (range, start, end) => {
    const r = await get(FILE, { range });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/100000`);
    expect(r.headers['content-length']).toBe(String(end - start + 1));
    expect(r.body.equals(content.subarray(start, end + 1))).toBe(true);
  });

  it.each(['bytes=100000-', 'bytes=200000-200010', 'bytes=-0'])('answers 416 with Content-Range */size to %s', async (range) => {
    const r = await get(FILE, { range });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */100000');
  });

  it('ignores a multi-range, malformed or stale (If-Range) Range and sends the whole file', async () => {
    for (const headers of [{ range: 'bytes=0-1,5-6' }, { range: 'items=0-1' }, { range: 'bytes=5-1' }, { range: 'bytes=0-9', 'if-range': '"stale"' }]) {
      const r = await get(FILE, headers);
      expect(r.status, JSON.stringify(headers)).toBe(200);
      expect(r.body.length).toBe(content.length);
    }
    expect((await get(FILE, { range: 'bytes=0-9', 'if-range': `"${sha(content)}"` })).status).toBe(206);
  });

  it('resumes an interrupted download with Range and yields the exact bytes', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    await store.put(Readable.from([big]), { ...coords, version: '2.0.0' });
    const path = FILE.replace('1.4.2', '2.0.0');
    const firstPart = await new Promise<Buffer>((resolve, reject) => {
      const req = request(`${server.url}${path}`, (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          received += c.length;
          if (received >= 1024 * 1024) {
            req.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
    expect(firstPart.length).toBeLessThan(big.length);
    const rest = await get(path, { range: `bytes=${firstPart.length}-`, 'if-range': `"${sha(big)}"` });
    expect(rest.status).toBe(206);
    expect(sha(Buffer.concat([firstPart, rest.body]))).toBe(sha(big));
  });

  it('serves manifest.json and index.json, with ETags and 404 for unknown versions', async () => {
    const m = await get('/packages/otelcol-acme/1.4.2/manifest.json');
    expect(m.status).toBe(200);
    expect(JSON.parse(m.body.toString())).toMatchObject({ package: 'otelcol-acme', version: '1.4.2', files: [{ sha256: sha(content), path: FILE.slice(1) }] });
    expect((await get('/packages/otelcol-acme/1.4.2/manifest.json', { 'if-none-match': m.headers.etag! })).status).toBe(304);
    const index = JSON.parse((await get('/packages/index.json')).body.toString());
    expect(index.packages[0].versions[0].version).toBe('1.4.2');
    const missing = await get('/packages/otelcol-acme/9.9.9/manifest.json');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).error.code).toBe('E_ARTIFACT_NOT_FOUND');
    expect((await get(FILE.replace('amd64', 'arm64'))).status).toBe(404);
  });

  it('answers 500 E_ARTIFACT_CORRUPT (JSON, nothing streamed) when a file changed behind the store', async () => {
    await writeFile(join(root, 'otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz'), 'tampered');
    const r = await get(FILE);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body.toString()).error.code).toBe('E_ARTIFACT_CORRUPT');
  });

  it('requires a download token when configured (an admin token also works)', async () => {
    await start({ downloadTokens: ['dl-token'] });
    const denied = await get(FILE);
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toContain('Bearer');
    expect((await get(FILE, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get('/packages/index.json')).status).toBe(401);
    const ok = await get(FILE, { authorization: 'Bearer dl-token' });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toContain('private');
    expect((await get(FILE, { authorization: `Bearer ${ADMIN}` })).status).toBe(200);
  });

  it('answers 503 with Retry-After beyond the concurrent download cap, and recovers', async () => {
    const big = randomBytes(16 * 1024 * 1024);
    await store.put(Readable.from([big]), { ...coords, version: '3.0.0' });
    await start({ maxConcurrentDownloads: 1, retryAfterSeconds: 7 });
    const path = FILE.replace('1.4.2', '3.0.0');
    // A slow client: reads the headers, then nothing — its body holds the one slot.
    const holder = await new Promise<{ destroy: () => void }>((resolve, reject) => {
      const req = request(`${server.url}${path}`, (res) => {
        res.pause();
        resolve({ destroy: () => req.destroy() });
      });
      req.on('error', () => undefined);
      req.on('timeout', reject);
      req.end();
    });
    const busy = await get(path);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('7');
    expect(JSON.parse(busy.body.toString()).error.code).toBe('E_ARTIFACT_BUSY');
    expect((await rawRequest(server.url, 'HEAD', path)).status).toBe(200); // HEAD sends no body: not capped
    holder.destroy();
    await eventually(async () => (await get(FILE)).status === 200);
  });
});

describe('uploads', () => {
  const other = '/packages/otelcol-acme/1.5.0/linux-arm64/otelcol-acme.tar.gz';

  it('stores with an admin token (201), is a no-op when identical (200) and 409 when different', async () => {
    const created = await put(other, 'new-build');
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body.toString())).toMatchObject({ created: true, sha256: sha('new-build'), size: 9 });
    expect((await put(other, 'new-build')).status).toBe(200);
    const conflict = await put(other, 'changed!');
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.body.toString()).error.code).toBe('E_ARTIFACT_CONFLICT');
    expect((await get(other)).body.toString()).toBe('new-build');
  });

  it('refuses uploads without or with a wrong admin token (401), or when none is configured (403)', async () => {
    expect((await rawRequest(server.url, 'PUT', other, {}, 'x')).status).toBe(401);
    expect((await put(other, 'x', { authorization: 'Bearer nope' })).status).toBe(401);
    await start({ adminTokens: [] });
    const disabled = await put(other, 'x');
    expect(disabled.status).toBe(403);
    expect(JSON.parse(disabled.body.toString()).error.code).toBe('E_UPLOAD_DISABLED');
    expect(await store.manifest('otelcol-acme', '1.5.0')).toBeUndefined();
  });

  it('takes type, signature, requirements, metadata and digest from headers or from the query', async () => {
    const keys = generateKeyPair();
    const signature = signPackage(keys.privateKeyPem, { ...coords, version: '1.5.0', arch: 'arm64', sha256: sha('addon') });
    const r = await put(other, 'addon', {
      'ringmaster-type': 'Addon',
      'ringmaster-signature': signature,
      'ringmaster-requires': 'otelcol@>=1.0.0, base@^2.0.0',
      'ringmaster-metadata': Buffer.from(JSON.stringify({ components: { receivers: ['otlp'] } })).toString('base64'),
      'ringmaster-content-sha256': sha('addon'),
    });
    expect(r.status).toBe(201);
    const m = await store.manifest('otelcol-acme', '1.5.0');
    expect(m).toMatchObject({ type: 'Addon', requires: [{ package: 'otelcol', range: '>=1.0.0' }, { package: 'base', range: '^2.0.0' }], metadata: { components: { receivers: ['otlp'] } } });
    expect(m?.files[0]?.signature).toBe(signature);
    const q = `?type=Addon&requires=${encodeURIComponent('otelcol@>=1.0.0')}&metadata=${encodeURIComponent('{"a":1}')}&sha256=${sha('q')}`;
    expect((await put(`${FILE.replace('1.4.2', '7.0.0')}${q}`, 'q')).status).toBe(201);
    expect(await store.manifest('otelcol-acme', '7.0.0')).toMatchObject({ type: 'Addon', metadata: { a: 1 } });
  });

  it.each([
    [{ 'ringmaster-type': 'Plugin' }, 400, 'E_ARTIFACT_INPUT'],
    [{ 'ringmaster-signature': 'AAAA' }, 400, 'E_ARTIFACT_INPUT'],
    [{ 'ringmaster-requires': 'nonsense' }, 400, 'E_ARTIFACT_INPUT'],
    [{ 'ringmaster-metadata': Buffer.from('{nope').toString('base64') }, 400, 'E_ARTIFACT_INPUT'],
    [{ 'ringmaster-content-sha256': sha('something else') }, 400, 'E_ARTIFACT_DIGEST'],
  ])('refuses bad upload headers %j with %i %s and stores nothing', async (headers, status, code) => {
    const r = await put(other, 'body', headers);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body.toString()).error.code).toBe(code);
    expect(await store.manifest('otelcol-acme', '1.5.0')).toBeUndefined();
  });

  it('answers 413 beyond the upload limit, by Content-Length or while streaming (chunked)', async () => {
    await start({ maxUploadBytes: 1000 });
    const declared = await put(other, Buffer.alloc(1001));
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body.toString()).error.code).toBe('E_ARTIFACT_TOO_LARGE');
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}${other}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      Readable.from([Buffer.alloc(600), Buffer.alloc(600)]).pipe(req); // no Content-Length: chunked
    });
    expect(streamed).toBe(413);
    expect(await store.manifest('otelcol-acme', '1.5.0')).toBeUndefined();
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('lets a client that is still sending a large body read the refusal (401, 413) instead of a reset', async () => {
    await start({ maxUploadBytes: 1024 * 1024 });
    const big = Buffer.alloc(16 * 1024 * 1024);
    const denied = await put(other, big, { authorization: 'Bearer wrong' });
    expect(denied.status).toBe(401);
    const declared = await put(other, big);
    expect(declared.status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}${other}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(256 * 1024))).pipe(req);
    });
    expect(chunked).toBe(413);
    expect(await store.manifest('otelcol-acme', '1.5.0')).toBeUndefined();
  });

  it('logs refused requests without ever logging a token', async () => {
    let log = '';
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => { log += String(chunk); done(); } }));
    store = createArtifactStore({ root, logger });
    await start({ logger, downloadTokens: ['dl-secret-token'] });
    await put(other, 'x', { authorization: 'Bearer wrong-secret-token' });
    await put(other, 'x');
    await get(FILE, { authorization: 'Bearer dl-secret-token' });
    await get(FILE, { authorization: 'Bearer another-wrong-token' });
    expect(log).toContain('artifact request refused');
    expect(log).toContain('package stored');
    for (const secret of [ADMIN, 'dl-secret-token', 'wrong-secret-token', 'another-wrong-token']) expect(log).not.toContain(secret);
  });

  it('leaves no file when the client aborts mid-body, and a later complete push succeeds', async () => {
    const req = request(`${server.url}${other}`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-length': '10000000' } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(2_000_000));
    await eventually(async () => (await readdir(join(root, '.tmp')).catch(() => [])).length === 1);
    req.destroy();
    await eventually(async () => (await readdir(join(root, '.tmp'))).length === 0);
    expect(await store.manifest('otelcol-acme', '1.5.0')).toBeUndefined();
    await expect(readdir(join(root, 'otelcol-acme', '1.5.0'))).rejects.toThrow();
    expect((await put(other, 'complete')).status).toBe(201);
  });

  it('handles concurrent pushes of the same version: one winner per platform, the rest 200 or 409', async () => {
    const same = await Promise.all(Array.from({ length: 8 }, () => put(other, 'same-bytes')));
    expect(same.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const target = other.replace('1.5.0', '1.6.0');
    const racing = await Promise.all(Array.from({ length: 6 }, (_, i) => put(target, `content-${i}`)));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(1);
    expect(racing.filter((r) => r.status === 409)).toHaveLength(5);
    const winner = racing.findIndex((r) => r.status === 201);
    expect((await get(target)).body.toString()).toBe(`content-${winner}`);
    const archs = ['amd64', 'arm64', 'ppc64le', 's390x', 'riscv64'];
    const platforms = await Promise.all(archs.map((a) => put(`/packages/otelcol-acme/1.7.0/linux-${a}/f`, a)));
    expect(platforms.every((r) => r.status === 201)).toBe(true);
    const m = JSON.parse((await get('/packages/otelcol-acme/1.7.0/manifest.json')).body.toString());
    expect(m.files.map((f: { arch: string }) => f.arch).sort()).toEqual([...archs].sort());
  });
});

describe('path safety', () => {
  const corpus = [
    '/packages/../secret.txt',
    '/packages/%2e%2e/secret.txt',
    '/packages/%2E%2E/%2E%2E/secret.txt',
    '/packages/..%2fsecret.txt',
    '/packages/%2e%2e%2fsecret.txt',
    '/packages/otelcol-acme/1.4.2/../../../secret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/../../../../secret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/..%2f..%2f..%2f..%2fsecret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/%2e%2e',
    '/packages/otelcol-acme/1.4.2/linux-amd64/..\\..\\..\\..\\secret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/%5c..%5csecret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/%252e%252e%252fsecret.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz%00.txt',
    '/packages/otelcol-acme/1.4.2/linux-amd64/%00',
    '/packages/%c0%ae%c0%ae/secret.txt',
    '/packages/%ff/x',
    '/packages//etc/passwd',
    '/packages/%2fetc%2fpasswd',
    '/packages/otelcol-acme/1.4.2/linux-amd64//etc/passwd',
    '/packages/otelcol-acme/1.4.2/linux-amd64/%2fetc%2fpasswd',
    '/packages/.tmp/x',
    '/packages/otelcol-acme/1.4.2/.lock',
    '/packages/otelcol-acme/1.4.2/linux-amd64/.hidden',
    '/packages/otelcol-acme/%2e%2e/manifest.json',
    '/packages/otelcol-acme/./1.4.2/manifest.json',
    '/packages/otelcol-acme/1.4.2/linux-amd64-extra/otelcol-acme.tar.gz',
    '/packages/otelcol-acme/1.4.2/linux/otelcol-acme.tar.gz',
    '/packages/otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz/extra',
    '/packages/otelcol-acme',
    '/packages/',
  ];

  it.each(corpus)('refuses %s with 400 or 404 and never returns outside data', async (path) => {
    for (const method of ['GET', 'PUT']) {
      const r = await rawRequest(server.url, method, path, { authorization: `Bearer ${ADMIN}` }, method === 'PUT' ? 'planted' : undefined);
      expect([400, 404], `${method} ${path}`).toContain(r.status);
      expect(r.body.toString()).not.toContain('TOP-SECRET');
      expect(JSON.parse(r.body.toString()).error.code).toMatch(/^E_/);
    }
    expect(await readFile(join(base, 'secret.txt'), 'utf8')).toBe('TOP-SECRET');
    expect((await readdir(base)).sort()).toEqual(['secret.txt', 'store']);
  });

  it('refuses a symlink that leads out of the store with 404', async () => {
    const file = join(root, 'otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz');
    await rm(file);
    await symlink(join(base, 'secret.txt'), file);
    for (const method of ['GET', 'HEAD']) {
      const r = await rawRequest(server.url, method, FILE);
      expect(r.status).toBe(404);
      expect(r.body.toString()).not.toContain('TOP-SECRET');
    }
    await mkdir(join(base, 'elsewhere', '1.0.0'), { recursive: true });
    await writeFile(join(base, 'elsewhere', '1.0.0', 'manifest.json'), 'TOP-SECRET');
    await symlink(join(base, 'elsewhere'), join(root, 'linked'));
    const m = await get('/packages/linked/1.0.0/manifest.json');
    expect(m.status).toBe(404);
    expect(m.body.toString()).not.toContain('TOP-SECRET');
  });

  it('leaves other paths to the next handler, and answers 405 to other methods', async () => {
    const r = await get('/v1/opamp');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body.toString()).error.code).toBe('E_NOT_FOUND');
    const del = await rawRequest(server.url, 'DELETE', FILE, { authorization: `Bearer ${ADMIN}` });
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD, PUT');
  });
});
