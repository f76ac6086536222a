/**
 * A simulated agent's package download: a real GET through one keep-alive pool per
 * process, the body hashed as it streams (the check a real agent makes) and discarded.
 */
import { createHash } from 'node:crypto';
import { Agent, get } from 'node:http';

const pool = new Agent({ keepAlive: true, maxSockets: 64 });

/** GETs `url`, resolving with the body's SHA-256 (hex); rejects on a non-200 status or a broken body. */
export function downloadAndHash(url: string, headers: Readonly<Record<string, string>>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: pool, headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? 0}`));
        return;
      }
      const hash = createHash('sha256');
      res.on('data', (chunk: Buffer) => hash.update(chunk));
      res.on('end', () => resolve(hash.digest('hex')));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
