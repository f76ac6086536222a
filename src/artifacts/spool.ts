import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactTooLargeError } from './errors.ts';

/**
 * Streams an upload into a private temp file while hashing it. Nothing is buffered
 * beyond stream chunks; the file is fsynced before it is reported complete, and removed
 * on any failure, so an interrupted upload leaves nothing behind but (at worst, after a
 * kill) a `.part` file in the temp directory that {@link sweepTempFiles} removes later.
 */

/** A completed temp file. */
export interface SpooledFile {
  tempPath: string;
  sha256: string;
  size: number;
}

/** Suffix of temp files; the store never lists or serves them. */
export const TEMP_SUFFIX = '.part';

/** Copies `input` into a new temp file in `tempDir`; rejects with {@link ArtifactTooLargeError} beyond `maxBytes`. */
export async function spoolToTempFile(input: Readable, tempDir: string, maxBytes: number): Promise<SpooledFile> {
  await mkdir(tempDir, { recursive: true });
  const tempPath = join(tempDir, `upload-${randomBytes(12).toString('hex')}${TEMP_SUFFIX}`);
  const meter = new DigestMeter(maxBytes);
  try {
    // flush: fsync before close, so a rename after this point publishes durable bytes.
    await pipeline(input, meter, createWriteStream(tempPath, { flags: 'wx', mode: 0o644, flush: true }));
  } catch (err) {
    await unlink(tempPath).catch(() => undefined);
    throw err;
  }
  return { tempPath, sha256: meter.digest(), size: meter.size };
}

/** Removes temp files older than `olderThanMs` (left by killed processes). Best effort. */
export async function sweepTempFiles(tempDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  const names = await readdir(tempDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(TEMP_SUFFIX)) continue;
    const path = join(tempDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > olderThanMs) {
      await unlink(path).then(() => removed++, () => undefined);
    }
  }
  return removed;
}

class DigestMeter extends Transform {
  size = 0;
  private readonly hash = createHash('sha256');
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new ArtifactTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
