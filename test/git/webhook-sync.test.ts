/**
 * The webhook wired to the Git source, as `ringmaster serve` does: a signed push makes the
 * source fetch at once (the poll interval is an hour); a bad signature fetches nothing.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { createGitWebhookHandler } from '../../src/webhooks/git-webhook.ts';
import { releaseDocument } from '../contract/manifest-source.contract.ts';
import { createGitFixture, waitFor, type GitFixture } from './git-fixture.ts';

describe('webhook → Git source', () => {
  let fixture: GitFixture;
  beforeEach(async () => {
    fixture = await createGitFixture();
    await fixture.commit({ 'a.yaml': releaseDocument('a', '1.0.0') }, 'initial');
  });
  afterEach(() => fixture.cleanup());

  it('a signed push syncs at once; a forged one does not', async () => {
    const secret = 'webhook-secret';
    const source = createGitManifestSource({ url: fixture.remote, workDir: fixture.workDir('source'), intervalMs: 3_600_000 });
    const handler = createGitWebhookHandler({ githubSecret: secret, onPush: () => void source.sync().catch(() => undefined) });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/git`;
    try {
      await source.start();
      const pushed = await fixture.commit({ 'b.yaml': releaseDocument('b', '2.0.0') }, 'add b');
      const body = JSON.stringify({ ref: 'refs/heads/main', after: pushed });
      const fetches = source.stats().fetches;
      const forged = await fetch(url, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}` } });
      expect(forged.status).toBe(401);
      expect(source.stats().fetches).toBe(fetches);
      const signed = await fetch(url, { method: 'POST', body, headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } });
      expect(signed.status).toBe(202);
      await waitFor(() => source.current()?.revision === pushed, 20_000, 'the webhook-triggered sync');
    } finally {
      await source.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
