import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArtifactStore, type ArtifactStore } from '../../src/artifacts/store.ts';
import { ArtifactConflictError, ArtifactCorruptError, ArtifactOutsideRootError, ArtifactDigestError, ArtifactInputError, ArtifactTooLargeError } from '../../src/artifacts/errors.ts';
import { generateKeyPair, signPackage } from '../../src/artifacts/signing.ts';

let root: string;
let store: ArtifactStore;
const fixed = new Date('2026-11-21T09:00:00Z');
const coords = { package: 'otelcol-acme', version: '1.4.2', os: 'linux', arch: 'amd64', fileName: 'otelcol-acme.tar.gz' };
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rm-store-'));
  store = createArtifactStore({ root, now: () => fixed });
});
afterEach(async () => rm(root, { recursive: true, force: true }));

async function visibleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).filter((p) => !p.startsWith('.tmp')).sort();
}

describe('artifact store', () => {
  it('stores a file under <package>/<version>/<os>-<arch>/<file> with a manifest', async () => {
    const r = await store.put(Readable.from(['hello ', 'world']), { ...coords, metadata: { components: ['otlp'] } });
    expect(r).toMatchObject({ sha256: sha('hello world'), size: 11, created: true, path: 'packages/otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz' });
    expect(await visibleFiles(root)).toEqual(['otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz', 'otelcol-acme/1.4.2/manifest.json']);
    const manifest = JSON.parse(await readFile(join(root, 'otelcol-acme/1.4.2/manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      schema: 'ringmaster.dev/package-manifest/v1', package: 'otelcol-acme', version: '1.4.2', type: 'TopLevel', requires: [],
      metadata: { components: ['otlp'] }, createdAt: '2026-11-21T09:00:00.000Z',
      files: [{ os: 'linux', arch: 'amd64', name: 'otelcol-acme.tar.gz', size: 11, sha256: sha('hello world'), createdAt: '2026-11-21T09:00:00.000Z', path: r.path }],
    });
    const opened = await store.open(coords, { start: 6, end: 10 });
    expect(await text(opened!.stream)).toBe('world');
  });

  it('treats an identical re-push as a no-op and refuses different content with E_ARTIFACT_CONFLICT', async () => {
    await store.put(Readable.from(['v1']), coords);
    const before = await readFile(join(root, 'otelcol-acme/1.4.2/manifest.json'), 'utf8');
    const again = await createArtifactStore({ root, now: () => new Date('2030-01-01T00:00:00Z') }).put(Readable.from(['v1']), coords);
    expect(again.created).toBe(false);
    expect(await readFile(join(root, 'otelcol-acme/1.4.2/manifest.json'), 'utf8')).toBe(before);
    const err = await store.put(Readable.from(['v2']), coords).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactConflictError);
    expect((err as ArtifactConflictError).code).toBe('E_ARTIFACT_CONFLICT');
    expect(await text((await store.open(coords))!.stream)).toBe('v1');
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('refuses to change the version type, requirements, signature or file name once recorded', async () => {
    const keys = generateKeyPair();
    const signature = signPackage(keys.privateKeyPem, { ...coords, sha256: sha('x') });
    await store.put(Readable.from(['x']), { ...coords, type: 'Addon', requires: [{ package: 'otelcol', range: '>=1.0.0' }], signature });
    const other = { ...coords, os: 'darwin', arch: 'arm64' };
    await expect(store.put(Readable.from(['y']), { ...other, type: 'TopLevel' })).rejects.toThrow(/recorded as type Addon/);
    await expect(store.put(Readable.from(['y']), { ...other, requires: [] })).rejects.toThrow(/different requirements/);
    await expect(store.put(Readable.from(['x']), { ...coords, fileName: 'other.tgz' })).rejects.toThrow(/already stored as otelcol-acme.tar.gz/);
    const otherSig = signPackage(generateKeyPair().privateKeyPem, { ...coords, sha256: sha('x') });
    await expect(store.put(Readable.from(['x']), { ...coords, signature: otherSig })).rejects.toThrow(ArtifactConflictError);
    // Omitting version-level fields inherits them; platforms accumulate, sorted.
    await store.put(Readable.from(['y']), other);
    const m = await store.manifest(coords.package, coords.version);
    expect(m?.type).toBe('Addon');
    expect(m?.files.map((f) => `${f.os}/${f.arch}`)).toEqual(['darwin/arm64', 'linux/amd64']);
    expect(m?.files[1]?.signature).toBe(signature);
  });

  it.each([
    ['package with a slash', { package: 'a/b' }],
    ['package ..', { package: '..' }],
    ['package with a leading dot', { package: '.hidden' }],
    ['package with NUL', { package: 'a\0b' }],
    ['empty package', { package: '' }],
    ['non-semver version', { version: 'v1.2.3' }],
    ['version ..', { version: '..' }],
    ['os with a dash', { os: 'linux-gnu' }],
    ['arch with a slash', { arch: 'amd64/x' }],
    ['file name with a path', { fileName: '../../etc/passwd' }],
    ['file name with a backslash', { fileName: 'a\\b' }],
    ['file name with a leading dot', { fileName: '.lock' }],
  ])('rejects a %s with E_ARTIFACT_INPUT and writes nothing', async (_name, change) => {
    const err = await store.put(Readable.from(['x']), { ...coords, ...change }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactInputError);
    expect((err as ArtifactInputError).code).toBe('E_ARTIFACT_INPUT');
    expect(await readdir(root)).toEqual([]);
  });

  it('rejects a malformed signature, type or requirement before reading the body', async () => {
    await expect(store.put(Readable.from(['x']), { ...coords, signature: 'abc' })).rejects.toThrow(/64-byte Ed25519/);
    await expect(store.put(Readable.from(['x']), { ...coords, type: 'Plugin' as 'Addon' })).rejects.toThrow(/TopLevel or Addon/);
    await expect(store.put(Readable.from(['x']), { ...coords, requires: [{ package: 'p', range: 'not a range' }] })).rejects.toThrow(/semver range/);
  });

  it('refuses an upload over the limit or with the wrong announced digest, leaving nothing', async () => {
    const big = Readable.from([Buffer.alloc(1000), Buffer.alloc(1000)]);
    await expect(store.put(big, { ...coords, maxBytes: 1500 })).rejects.toBeInstanceOf(ArtifactTooLargeError);
    await expect(store.put(Readable.from(['x']), { ...coords, expectedSha256: sha('y') })).rejects.toBeInstanceOf(ArtifactDigestError);
    expect(await visibleFiles(root)).toEqual([]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('leaves nothing visible when the input stream fails mid-way', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(64 * 1024);
      throw new Error('connection reset');
    }
    await expect(store.put(Readable.from(failing()), coords)).rejects.toThrow('connection reset');
    expect(await visibleFiles(root)).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('serializes concurrent pushes of the same version: every platform ends up in the manifest', async () => {
    const platforms = ['amd64', 'arm64', 'ppc64le', 's390x', 'riscv64', '386'];
    const results = await Promise.all([
      ...platforms.map((arch) => store.put(Readable.from([arch]), { ...coords, arch })),
      ...platforms.map((arch) => createArtifactStore({ root }).put(Readable.from([arch]), { ...coords, arch })),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(platforms.length);
    const m = await store.manifest(coords.package, coords.version);
    expect(m?.files.map((f) => f.arch).sort()).toEqual([...platforms].sort());
  });

  it('lists newest version first and groups the index by package', async () => {
    for (const version of ['1.2.0', '1.10.0', '1.9.0']) await store.put(Readable.from([version]), { ...coords, version });
    await store.put(Readable.from(['z']), { ...coords, package: 'addon-x' });
    await mkdir(join(root, 'otelcol-acme', '2.0.0'), { recursive: true }); // no manifest: an interrupted first push
    expect((await store.list('otelcol-acme')).map((m) => m.version)).toEqual(['1.10.0', '1.9.0', '1.2.0']);
    const index = await store.index();
    expect(index.packages.map((p) => [p.package, p.versions.length])).toEqual([['addon-x', 1], ['otelcol-acme', 3]]);
  });

  it('refuses different metadata once recorded, ignoring key order', async () => {
    await store.put(Readable.from(['x']), { ...coords, metadata: { a: 1, b: { c: [1, 2] } } });
    const other = { ...coords, arch: 'arm64' };
    await store.put(Readable.from(['y']), { ...other, metadata: { b: { c: [1, 2] }, a: 1 } });
    await expect(store.put(Readable.from(['z']), { ...coords, arch: 's390x', metadata: { a: 2 } })).rejects.toThrow(/different metadata/);
  });

  it('reports a store changed behind its back as E_ARTIFACT_CORRUPT, and lists the rest', async () => {
    await store.put(Readable.from(['good']), coords);
    await store.put(Readable.from(['12345']), { ...coords, version: '2.0.0' });
    await writeFile(join(root, 'otelcol-acme/2.0.0/linux-amd64/otelcol-acme.tar.gz'), '1234'); // truncated
    await expect(store.open({ ...coords, version: '2.0.0' })).rejects.toThrow(/4 bytes on disk but 5 in its manifest/);
    await rm(join(root, 'otelcol-acme/2.0.0/linux-amd64/otelcol-acme.tar.gz'));
    await expect(store.open({ ...coords, version: '2.0.0' })).rejects.toThrow(/missing on disk/);
    await writeFile(join(root, 'otelcol-acme/2.0.0/manifest.json'), '{"schema": "something else"}');
    const err = await store.manifest('otelcol-acme', '2.0.0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactCorruptError);
    expect((err as ArtifactCorruptError).code).toBe('E_ARTIFACT_CORRUPT');
    await writeFile(join(root, 'otelcol-acme/2.0.0/manifest.json'), 'not json');
    await expect(store.manifest('otelcol-acme', '2.0.0')).rejects.toThrow(/not JSON/);
    expect((await store.list()).map((m) => m.version)).toEqual(['1.4.2']);
  });

  it('never reads through a symlink that leads out of the store', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'rm-outside-'));
    try {
      await writeFile(join(outside, 'secret'), 'secret');
      await store.put(Readable.from(['x']), coords);
      const file = join(root, 'otelcol-acme/1.4.2/linux-amd64/otelcol-acme.tar.gz');
      await rm(file);
      await symlink(join(outside, 'secret'), file);
      await expect(store.open(coords)).rejects.toBeInstanceOf(ArtifactOutsideRootError);
      await mkdir(join(outside, 'pkg', '1.0.0'), { recursive: true });
      await writeFile(join(outside, 'pkg', '1.0.0', 'manifest.json'), '{}');
      await symlink(join(outside, 'pkg'), join(root, 'evil'));
      await expect(store.manifest('evil', '1.0.0')).rejects.toBeInstanceOf(ArtifactOutsideRootError);
      expect((await store.list()).map((m) => m.package)).toEqual(['otelcol-acme']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
