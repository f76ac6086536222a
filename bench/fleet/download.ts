/**
 * A simulated agent's package download: a real GET through one keep-alive pool per
 * process, the body hashed as it streams (the check a real agent makes) and discarded.
 * A busy server (503/429) is retried after its `Retry-After` with jitter, as real agents
 * must, so a fleet does not fail because the artifact server caps downloads in flight.
 */
import { createHash } from 'node:crypto';
import { Agent, get } from 'node:http';

const pool = new Agent({ keepAlive: true, maxSockets: 64 });

/** A refused download worth retrying, with the server's suggested wait. */
class BusyError extends Error {
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** GETs `url` once, resolving with the body's SHA-256 (hex). */
export function downloadAndHash(url: string, headers: Readonly<Record<string, string>>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: pool, headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        const retryAfter = Number(res.headers['retry-after']);
        const message = `GET ${url}: HTTP ${status}`;
        return reject(status === 503 || status === 429 ? new BusyError(message, Number.isFinite(retryAfter) ? retryAfter * 1000 : 1000) : new Error(message));
      }
      const hash = createHash('sha256');
      res.on('data', (chunk: Buffer) => hash.update(chunk));
      res.on('end', () => resolve(hash.digest('hex')));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * Downloads with up to `attempts` tries: after a 503/429 it waits the server's
 * `Retry-After` (plus up to 50% jitter, so refused agents do not return in step); after a
 * network error, 0.5–1 s. Other statuses fail at once. Resolves with the SHA-256 (hex).
 */
export async function downloadWithRetry(url: string, headers: Readonly<Record<string, string>>, attempts: number, random: () => number): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await downloadAndHash(url, headers);
    } catch (error) {
      const busy = error instanceof BusyError;
      const network = !busy && (error as NodeJS.ErrnoException).code !== undefined;
      if (attempt >= attempts || (!busy && !network)) throw error;
      const waitMs = busy ? error.retryAfterMs * (1 + random() * 0.5) : 500 + random() * 500;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
