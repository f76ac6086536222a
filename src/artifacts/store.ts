import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { ArtifactDigestError } from './errors.ts';
import { serializeManifest, type ManifestFileEntry, type PackageIndex, type VersionManifest } from './manifest.ts';
import { assertFileCoordinates, assertPackageName, assertVersionCoordinates, platformDir, type FileCoordinates } from './names.ts';
import { assertPutMeta, mergeUpload, type PutMeta } from './put-meta.ts';
import { indexOf, listManifests, openStoredFile, readVersionManifest, statStoredFile, type ByteRange, type OpenedFile } from './store-read.ts';
import { spoolToTempFile, sweepTempFiles, type SpooledFile } from './spool.ts';
import { withVersionLock } from './version-lock.ts';

export type { ByteRange, OpenedFile } from './store-read.ts';

/**
 * The package store on a local file system. Layout under `root`:
 * `<package>/<version>/<os>-<arch>/<file>` plus `<package>/<version>/manifest.json`;
 * `.tmp/` holds uploads in flight. The manifest is the commit point: a file is listed
 * and served only once its version's manifest names it (docs/artifacts.md).
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

/** The artifact store port: immutable versions, one file per platform. */
export interface ArtifactStore {
  readonly root: string;
  /**
   * Streams `input` into the store (`maxBytes` caps this upload below the store's limit).
   * Throws ArtifactInputError, ArtifactConflictError, ArtifactTooLargeError,
   * ArtifactDigestError or ArtifactLockError; on any failure nothing becomes visible.
   */
  put(input: Readable, meta: PutMeta & { maxBytes?: number }): Promise<PutResult>;
  /** The manifest entry of a committed file, or undefined. */
  stat(file: FileCoordinates): Promise<ManifestFileEntry | undefined>;
  /** Opens a committed file (optionally a byte range of it); undefined when absent. */
  open(file: FileCoordinates, range?: ByteRange): Promise<OpenedFile | undefined>;
  /** The manifest of a version, or undefined. Throws ArtifactInputError on an invalid name or version. */
  manifest(packageName: string, version: string): Promise<VersionManifest | undefined>;
  /** Every version's manifest (of one package when given): by package, newest version first. */
  list(packageName?: string): Promise<VersionManifest[]>;
  /** Everything, grouped by package (served as `/packages/index.json`). */
  index(): Promise<PackageIndex>;
}

const DEFAULTS = { maxFileBytes: 4 * 1024 ** 3, lockTimeoutMs: 30_000, staleLockMs: 60_000, staleTempMs: 3_600_000 };

type StoreSettings = typeof DEFAULTS & { root: string; tempDir: string; now: () => Date; logger?: Logger };

/** Creates a store rooted at `options.root` (created on first write). */
export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const { now, ...rest } = options;
  const s: StoreSettings = { ...DEFAULTS, ...rest, tempDir: join(options.root, '.tmp'), now: now ?? (() => new Date()) };
  let swept: Promise<void> | undefined;
  return {
    root: s.root,
    put: async (input, meta) => {
      assertPutMeta(meta);
      await mkdir(s.root, { recursive: true });
      // Once per store: remove temp files that killed processes left behind.
      swept ??= sweepTempFiles(s.tempDir, s.staleTempMs).then((n) => void (n && s.logger?.info({ removed: n }, 'removed abandoned upload temp files')));
      await swept;
      return putFile(s, input, meta);
    },
    stat: async (file) => (assertFileCoordinates(file), statStoredFile(s, file)),
    open: async (file, range) => (assertFileCoordinates(file), openStoredFile(s, file, range)),
    manifest: async (packageName, version) => {
      assertVersionCoordinates({ package: packageName, version });
      return readVersionManifest(s, { package: packageName, version });
    },
    list: async (packageName) => {
      if (packageName !== undefined) assertPackageName(packageName);
      return listManifests(s, packageName);
    },
    index: async () => indexOf(await listManifests(s)),
  };
}

async function putFile(s: StoreSettings, input: Readable, meta: PutMeta & { maxBytes?: number }): Promise<PutResult> {
  const spooled = await spoolToTempFile(input, s.tempDir, Math.min(meta.maxBytes ?? Infinity, s.maxFileBytes));
  try {
    if (meta.expectedSha256 !== undefined && meta.expectedSha256 !== spooled.sha256) {
      throw new ArtifactDigestError(meta.expectedSha256, spooled.sha256);
    }
    const versionDir = join(s.root, meta.package, meta.version);
    await mkdir(versionDir, { recursive: true });
    const lock = { timeoutMs: s.lockTimeoutMs, staleMs: s.staleLockMs };
    return await withVersionLock(join(versionDir, '.lock'), lock, () => commitUpload(s, versionDir, meta, spooled));
  } finally {
    await unlink(spooled.tempPath).catch(() => undefined);
  }
}

/** Runs under the version lock: decide, then publish the file and the manifest that names it. */
async function commitUpload(s: StoreSettings, versionDir: string, meta: PutMeta, spooled: SpooledFile): Promise<PutResult> {
  const merge = mergeUpload(await readVersionManifest(s, meta), meta, spooled, s.now().toISOString());
  const result = { sha256: spooled.sha256, size: spooled.size, path: merge.entry.path, entry: merge.entry };
  if (merge.kind === 'unchanged') return { ...result, created: false };
  const target = join(versionDir, platformDir(meta.os, meta.arch), meta.fileName);
  await mkdir(dirname(target), { recursive: true });
  // A file left here by a crash between these two steps was never committed; it is replaced.
  await rename(spooled.tempPath, target);
  await syncDirectory(dirname(target));
  await writeAtomically(join(versionDir, 'manifest.json'), serializeManifest(merge.manifest));
  s.logger?.info({ package: meta.package, version: meta.version, os: meta.os, arch: meta.arch, sha256: spooled.sha256, size: spooled.size }, 'package stored');
  return { ...result, created: true };
}

/** Writes `text` to a sibling temp file, fsyncs it, renames it over `path`, fsyncs the directory. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temp, text, { flush: true });
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dirname(path));
}

// A rename is durable only once its directory is; without this a power cut can undo it.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
