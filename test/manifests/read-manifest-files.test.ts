import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManifestReadError, readManifestFiles, readManifestTree } from '../../src/sources/files/read-manifest-files.ts';

let root: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ringmaster-manifests-'));
  outside = await mkdtemp(join(tmpdir(), 'ringmaster-outside-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function put(path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), content);
}

describe('readManifestTree', () => {
  it('reads .yaml and .yml files recursively, sorted, with / separated relative paths', async () => {
    await put('policies/b.yml', 'b: 1\n');
    await put('releases/a.yaml', 'a: 1\n');
    await put('README.md', '# not yaml\n');
    await put('deep/er/c.yaml', 'c: 1\n');
    const tree = await readManifestTree(root);
    expect(tree.diagnostics).toEqual([]);
    expect(tree.files).toEqual([
      { path: 'deep/er/c.yaml', content: 'c: 1\n' },
      { path: 'policies/b.yml', content: 'b: 1\n' },
      { path: 'releases/a.yaml', content: 'a: 1\n' },
    ]);
  });

  it('skips .git, node_modules and status directories', async () => {
    await put('.git/config.yaml', 'x: 1\n');
    await put('node_modules/pkg/x.yaml', 'x: 1\n');
    await put('status/otelcol-custom.yaml', 'phase: Progressing\n');
    await put('keep.yaml', 'x: 1\n');
    expect((await readManifestTree(root)).files.map((f) => f.path)).toEqual(['keep.yaml']);
  });

  it('follows symbolic links to files inside the root, never out of it, never to directories', async () => {
    await put('real/a.yaml', 'a: 1\n');
    await writeFile(join(outside, 'secret.yaml'), 'secret: 1\n');
    await symlink(join(root, 'real/a.yaml'), join(root, 'link.yaml'));
    await symlink(join(outside, 'secret.yaml'), join(root, 'escape.yaml'));
    await symlink(outside, join(root, 'escape-dir'));
    await symlink(join(root, 'real'), join(root, 'loop'));
    const tree = await readManifestTree(root);
    expect(tree.files.map((f) => f.path)).toEqual(['link.yaml', 'real/a.yaml']);
    expect(tree.diagnostics).toEqual([]);
  });

  it('refuses an oversized file from its size alone and still reads the others', async () => {
    await put('big.yaml', Buffer.alloc(2048, 0x61));
    await put('small.yaml', 'a: 1\n');
    const tree = await readManifestTree(root, { maxFileBytes: 1024 });
    expect(tree.files.map((f) => f.path)).toEqual(['small.yaml']);
    expect(tree.diagnostics).toEqual([
      expect.objectContaining({ code: 'E_FILE_TOO_LARGE', file: 'big.yaml', line: 1, column: 1, severity: 'error' }),
    ]);
    expect(tree.diagnostics[0]?.message).toContain('maxFileBytes');
  });

  it('reports files that are not UTF-8, and strips a byte order mark', async () => {
    await put('latin1.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]));
    await put('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]));
    const tree = await readManifestTree(root);
    expect(tree.files).toEqual([{ path: 'bom.yaml', content: 'a: 1\n' }]);
    expect(tree.diagnostics.map((d) => [d.code, d.file])).toEqual([['E_ENCODING', 'latin1.yaml']]);
  });

  it('stops at maxFiles and maxTotalBytes', async () => {
    for (const name of ['a', 'b', 'c']) await put(`${name}.yaml`, 'x: 12345\n');
    expect((await readManifestTree(root, { maxFiles: 2 })).diagnostics.map((d) => d.code)).toEqual(['E_TOO_MANY_FILES']);
    const capped = await readManifestTree(root, { maxTotalBytes: 15 });
    expect(capped.files.map((f) => f.path)).toEqual(['a.yaml']);
    expect(capped.diagnostics.map((d) => [d.code, d.file])).toEqual([['E_TREE_TOO_LARGE', 'b.yaml']]);
  });

  it('rejects when the directory itself does not exist', async () => {
    await expect(readManifestTree(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('readManifestFiles', () => {
  it('returns the files of a readable tree', async () => {
    await put('a.yaml', 'a: 1\n');
    expect(await readManifestFiles(root)).toEqual([{ path: 'a.yaml', content: 'a: 1\n' }]);
  });

  it('throws a ManifestReadError with the stable code of the first unreadable file', async () => {
    await put('big.yaml', Buffer.alloc(100, 0x61));
    const error = await readManifestFiles(root, { maxFileBytes: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestReadError);
    expect(error).toMatchObject({ code: 'E_FILE_TOO_LARGE', diagnostic: { file: 'big.yaml' } });
  });
});
