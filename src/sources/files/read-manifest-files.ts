/**
 * Reads the manifest files of a directory tree from disk: every `.yaml`/`.yml` file, in a
 * stable order, with sizes checked before anything is read, so a huge or hostile file costs
 * a `stat`, not memory. This is the shell half of `ringmaster validate` and of sources that
 * work on a checked-out tree; parsing is `loadManifests` (pure).
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Diagnostic } from '../../manifests/diagnostic.ts';
import { resolveLimits, type ManifestLimits } from '../../manifests/limits.ts';
import type { ManifestFile } from '../../manifests/types.ts';

/** Directory names never descended into. `status` holds the controller's own output. */
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', 'status']);
const MANIFEST_EXTENSION = /\.ya?ml$/;

/** The files read, plus one diagnostic per file (or limit) that could not be read. */
export interface ManifestTree {
  files: ManifestFile[];
  /** Codes: E_FILE_TOO_LARGE, E_TOO_MANY_FILES, E_TREE_TOO_LARGE, E_ENCODING, E_READ. */
  diagnostics: Diagnostic[];
}

/** Thrown by {@link readManifestFiles} for the first file that could not be read. */
export class ManifestReadError extends Error {
  readonly code: string;
  readonly diagnostic: Diagnostic;
  constructor(diagnostic: Diagnostic, options?: { cause?: unknown }) {
    super(`${diagnostic.file}: ${diagnostic.message}`, options);
    this.name = 'ManifestReadError';
    this.code = diagnostic.code;
    this.diagnostic = diagnostic;
  }
}

/**
 * Reads every manifest file under `dir`, reporting unreadable or oversized files as
 * diagnostics instead of failing, so a caller can show every problem at once. Paths are
 * relative to `dir` with `/` separators, sorted. Skips `.git`, `node_modules` and `status`
 * directories, symbolic links to directories, and symbolic links leading out of `dir`.
 * Rejects (with the fs error) only when `dir` itself cannot be read.
 */
export async function readManifestTree(dir: string, limits: Partial<ManifestLimits> = {}): Promise<ManifestTree> {
  const resolved = resolveLimits(limits);
  const root = await realpath(dir);
  const tree: ManifestTree = { files: [], diagnostics: [] };
  const paths = await listManifestPaths(root, resolved, tree.diagnostics);
  let total = 0;
  for (const path of paths) {
    const file = await readOne(root, path, resolved, tree.diagnostics);
    if (!file) continue;
    total += Buffer.byteLength(file.content);
    if (total > resolved.maxTotalBytes) {
      tree.diagnostics.push(problem('E_TREE_TOO_LARGE', path, `manifest files add up to more than ${resolved.maxTotalBytes} bytes (maxTotalBytes); remove files that are not manifests or raise the limit`));
      break;
    }
    tree.files.push(file);
  }
  return tree;
}

/**
 * Like {@link readManifestTree}, but rejects with a {@link ManifestReadError} (carrying the
 * diagnostic and its stable `code`) when any file could not be read: for callers that
 * treat an unreadable tree as a failed revision.
 */
export async function readManifestFiles(dir: string, limits: Partial<ManifestLimits> = {}): Promise<ManifestFile[]> {
  const tree = await readManifestTree(dir, limits);
  const first = tree.diagnostics[0];
  if (first) throw new ManifestReadError(first);
  return tree.files;
}

async function listManifestPaths(root: string, limits: ManifestLimits, diagnostics: Diagnostic[]): Promise<string[]> {
  const found: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() ?? root;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) pending.push(full);
      } else if (MANIFEST_EXTENSION.test(entry.name) && (entry.isFile() || (await isFileInside(root, full)))) {
        found.push(toRelative(root, full));
      }
      if (found.length > limits.maxFiles) {
        diagnostics.push(problem('E_TOO_MANY_FILES', '.', `more than ${limits.maxFiles} manifest files (maxFiles); point at a smaller directory or raise the limit`));
        return [];
      }
    }
  }
  return found.sort();
}

/** A symbolic link is followed only when it resolves to a regular file inside the root. */
async function isFileInside(root: string, link: string): Promise<boolean> {
  try {
    const target = await realpath(link);
    const inside = target.startsWith(root + sep);
    return inside && (await stat(target)).isFile();
  } catch {
    return false;
  }
}

async function readOne(root: string, path: string, limits: ManifestLimits, diagnostics: Diagnostic[]): Promise<ManifestFile | undefined> {
  try {
    const handle = await open(join(root, path), 'r');
    try {
      const { size } = await handle.stat();
      const tooLarge = `file is ${size} bytes, more than ${limits.maxFileBytes} (maxFileBytes); split it into smaller files or raise the limit`;
      if (size > limits.maxFileBytes) return void diagnostics.push(problem('E_FILE_TOO_LARGE', path, tooLarge));
      // Read at most one byte past the limit: the file may grow between stat and read.
      const buffer = Buffer.alloc(Math.min(size, limits.maxFileBytes) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > limits.maxFileBytes) return void diagnostics.push(problem('E_FILE_TOO_LARGE', path, tooLarge));
      return { path, content: decode(buffer.subarray(0, bytesRead)) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof TypeError) {
      diagnostics.push(problem('E_ENCODING', path, 'file is not valid UTF-8; save it as UTF-8'));
    } else {
      diagnostics.push(problem('E_READ', path, `cannot read file: ${err instanceof Error ? err.message : String(err)}`));
    }
    return undefined;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decode(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

function toRelative(root: string, full: string): string {
  return relative(root, full).split(sep).join('/');
}

function problem(code: string, file: string, message: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1 };
}
