import { mkdir, open, readdir, readFile, realpath, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import semver from 'semver';
import { confinedRealPath } from './confine.ts';
import { ArtifactCorruptError, ArtifactDigestError, ArtifactOutsideRootError } from './errors.ts';
import { parseManifest, serializeManifest, type ManifestFileEntry, type PackageIndex, type VersionManifest } from './manifest.ts';
import { assertFileCoordinates, assertPackageName, assertVersionCoordinates, platformDir, type FileCoordinates, type VersionCoordinates } from './names.ts';
import { assertPutMeta, mergeUpload, type PutMeta } from './put-meta.ts';
import { spoolToTempFile, sweepTempFiles } from './spool.ts';
import { withVersionLock } from './version-lock.ts';

/**
 * The package store on a local file system. Layout under `root`:
 * `<package>/<version>/<os>-<arch>/<file>` plus `<package>/<version>/manifest.json`;
 * `.tmp/` holds uploads in flight. The manifest is the commit point: a file is listed
 * and served only once its version's manifest names it.
 */

/** Options of {@link createArtifactStore}. */
export interface ArtifactStoreOptions {
  /** Store directory (the CLI reads `RINGMASTER_PACKAGES_DIR`, default `./data/packages`). */
  root: string;
  logger?: Logger;
  /** Largest file `put` accepts, in bytes. Default 4 GiB. */
  maxFileBytes?: number;
  /** How long `put` waits for another writer of the same version. Default 30 s. */
  lockTimeoutMs?: number;
  /** A version lock file older than this was left by a killed process. Default 60 s. */
  staleLockMs?: number;
  /** Temp files older than this are swept when the store first writes. Default 1 h. */
  staleTempMs?: number;
  /** Clock for `createdAt`; injectable for tests. */
  now?: () => Date;
}

/** The outcome of {@link ArtifactStore.put}. */
export interface PutResult {
  sha256: string;
  size: number;
  /** False when identical content was already stored (the push was a no-op). */
  created: boolean;
  /** Download path relative to the server root (`packages/...`), as used in releases. */
  path: string;
  entry: ManifestFileEntry;
}

/** A stored file opened for reading. The caller must consume or destroy `stream`. */
export interface OpenedFile {
  entry: ManifestFileEntry;
  stream: Readable;
}

/** Inclusive byte range, as in HTTP `Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** The artifact store port: immutable versions, one file per platform. */
export interface ArtifactStore {
  readonly root: string;
  /** Streams `input` into the store. Throws ArtifactInputError / ArtifactConflictError / ArtifactTooLargeError / ArtifactDigestError. */
  put(input: Readable, meta: PutMeta & { maxBytes?: number }): Promise<PutResult>;
  /** The manifest entry of a committed file, or undefined. */
  stat(file: FileCoordinates): Promise<ManifestFileEntry | undefined>;
  /** Opens a committed file (optionally a byte range of it); undefined when absent. */
  open(file: FileCoordinates, range?: ByteRange): Promise<OpenedFile | undefined>;
  /** The manifest of a version, or undefined. */
  manifest(version: VersionCoordinates): Promise<VersionManifest | undefined>;
  /** Every version's manifest (of one package when given): by package, newest version first. */
  list(packageName?: string): Promise<VersionManifest[]>;
  /** Everything, grouped by package (served as `/packages/index.json`). */
  index(): Promise<PackageIndex>;
}

const DEFAULTS = { maxFileBytes: 4 * 1024 ** 3, lockTimeoutMs: 30_000, staleLockMs: 60_000, staleTempMs: 3_600_000 };

/** Creates a store rooted at `options.root` (created on first write). */
export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const o = { ...DEFAULTS, ...options };
  const tempDir = join(o.root, '.tmp');
  const now = o.now ?? (() => new Date());
  let swept: Promise<void> | undefined;
  const realRoot = async (): Promise<string> => realpath(o.root).catch(() => '');

  async function readManifest(v: VersionCoordinates): Promise<VersionManifest | undefined> {
    const rootReal = await realRoot();
    if (!rootReal) return undefined;
    const path = await confinedRealPath(rootReal, join(o.root, v.package, v.version, 'manifest.json'), `${v.package}/${v.version}/manifest.json`);
    if (!path) return undefined;
    return parseManifest(await readFile(path, 'utf8'), `${v.package}/${v.version}/manifest.json`);
  }

  async function put(input: Readable, meta: PutMeta & { maxBytes?: number }): Promise<PutResult> {
    assertPutMeta(meta);
    await mkdir(o.root, { recursive: true });
    swept ??= sweepTempFiles(tempDir, o.staleTempMs).then((n) => void (n && o.logger?.info({ removed: n }, 'removed abandoned upload temp files')));
    await swept;
    const spooled = await spoolToTempFile(input, tempDir, Math.min(meta.maxBytes ?? Infinity, o.maxFileBytes));
    try {
      return await commit(meta, spooled);
    } finally {
      await unlink(spooled.tempPath).catch(() => undefined);
    }
  }

  async function commit(meta: PutMeta, spooled: { tempPath: string; sha256: string; size: number }): Promise<PutResult> {
    if (meta.expectedSha256 !== undefined && meta.expectedSha256 !== spooled.sha256) {
      throw new ArtifactDigestError(meta.expectedSha256, spooled.sha256);
    }
    const versionDir = join(o.root, meta.package, meta.version);
    await mkdir(versionDir, { recursive: true });
    const lock = { timeoutMs: o.lockTimeoutMs, staleMs: o.staleLockMs };
    return withVersionLock(join(versionDir, '.lock'), lock, async () => {
      const merge = mergeUpload(await readManifest(meta), meta, spooled, now().toISOString());
      const result = { sha256: spooled.sha256, size: spooled.size, path: merge.entry.path, entry: merge.entry };
      if (merge.kind === 'unchanged') return { ...result, created: false };
      const dir = join(versionDir, platformDir(meta.os, meta.arch));
      await mkdir(dir, { recursive: true });
      // An uncommitted file left by a crash between these two steps is simply replaced.
      await rename(spooled.tempPath, join(dir, meta.fileName));
      await writeAtomically(join(versionDir, 'manifest.json'), serializeManifest(merge.manifest));
      o.logger?.info({ package: meta.package, version: meta.version, os: meta.os, arch: meta.arch, sha256: spooled.sha256, size: spooled.size }, 'package stored');
      return { ...result, created: true };
    });
  }

  async function stat(file: FileCoordinates): Promise<ManifestFileEntry | undefined> {
    assertFileCoordinates(file);
    const m = await readManifest(file);
    return m?.files.find((f) => f.os === file.os && f.arch === file.arch && f.name === file.fileName);
  }

  async function openFile(file: FileCoordinates, range?: ByteRange): Promise<OpenedFile | undefined> {
    const entry = await stat(file);
    if (!entry) return undefined;
    const path = join(o.root, file.package, file.version, platformDir(file.os, file.arch), file.fileName);
    const real = await confinedRealPath(await realRoot(), path, entry.path);
    if (!real) throw new ArtifactCorruptError(`${entry.path} is in the manifest but missing on disk`);
    const handle = await open(real, 'r');
    try {
      await assertSize(handle, entry);
    } catch (err) {
      await handle.close();
      throw err;
    }
    const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { entry, stream };
  }

  async function list(packageName?: string): Promise<VersionManifest[]> {
    if (packageName !== undefined) assertPackageName(packageName);
    const packages = packageName !== undefined ? [packageName] : await visibleEntries(o.root);
    const out: VersionManifest[] = [];
    for (const pkg of packages) {
      if (!isValid(() => assertPackageName(pkg))) continue;
      const versions = (await visibleEntries(join(o.root, pkg))).filter((v) => semver.valid(v) === v);
      for (const version of versions.sort(semver.rcompare)) {
        const m = await readManifest({ package: pkg, version }).catch((err: unknown) => skipCorrupt(err, o.logger));
        if (m) out.push(m);
      }
    }
    return out;
  }

  async function index(): Promise<PackageIndex> {
    const groups = new Map<string, VersionManifest[]>();
    for (const m of await list()) groups.set(m.package, [...(groups.get(m.package) ?? []), m]);
    return { schema: 'ringmaster.dev/package-index/v1', packages: [...groups].map(([pkg, versions]) => ({ package: pkg, versions })) };
  }

  return {
    root: o.root,
    put,
    stat,
    open: openFile,
    manifest: async (v) => (assertVersionCoordinates(v), readManifest(v)),
    list,
    index,
  };
}

async function assertSize(handle: FileHandle, entry: ManifestFileEntry): Promise<void> {
  const info = await handle.stat();
  if (info.size !== entry.size) {
    throw new ArtifactCorruptError(`${entry.path} is ${info.size} bytes on disk but ${entry.size} in its manifest; the store was modified outside ringmaster`);
  }
}

/** Writes `text` to a sibling temp file, fsyncs it, and renames it over `path`. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temp, text, { flush: true });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

// One damaged or planted version must not hide every other one from list and index.
function skipCorrupt(err: unknown, logger: Logger | undefined): undefined {
  if (!(err instanceof ArtifactCorruptError) && !(err instanceof ArtifactOutsideRootError)) throw err;
  logger?.warn({ err }, 'skipping an unreadable version in the package store');
  return undefined;
}

async function visibleEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).sort();
}

function isValid(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}
