/**
 * The push webhook on a real HTTP server on loopback.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitWebhookHandler, type GitPushInfo } from '../../src/webhooks/git-webhook.ts';

const GITHUB_SECRET = 'gh-secret-7f3a9c1e5b';
const GITLAB_TOKEN = 'gl-token-2d8e6b4a0c';

describe('git push webhook', () => {
  let server: Server;
  let base: string;
  let pushes: GitPushInfo[];
  let logs: string;

  beforeEach(async () => {
    pushes = [];
    logs = '';
    const sink = new Writable({ write: (chunk, _enc, done) => { logs += String(chunk); done(); } });
    const handler = createGitWebhookHandler({
      githubSecret: GITHUB_SECRET, gitlabToken: GITLAB_TOKEN, maxBodyBytes: 4096,
      onPush: (info) => void pushes.push(info), logger: pino({ level: 'debug' }, sink),
    });
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(logs).not.toContain(GITHUB_SECRET);
    expect(logs).not.toContain(GITLAB_TOKEN);
  });

  const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { full_name: 'acme/fleet' } });
  const sign = (body: string, secret = GITHUB_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const post = (body: string, headers: Record<string, string>, path = '/hooks/git') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('accepts a GitHub push with a valid signature and reports ref and commit', async () => {
    const res = await post(push, { 'x-github-event': 'push', 'x-hub-signature-256': sign(push) });
    expect(res.status).toBe(202);
    expect(pushes).toEqual([{ provider: 'github', ref: 'refs/heads/main', after: 'a'.repeat(40) }]);
    expect(logs).not.toContain(sign(push));
  });

  it('accepts a GitHub push sent as a form (payload=…)', async () => {
    const body = new URLSearchParams({ payload: push }).toString();
    const res = await post(body, { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(202);
    expect(pushes).toHaveLength(1);
  });

  it.each([
    ['a signature of another body', () => sign(`${push} `)],
    ['a signature made with another secret', () => sign(push, 'not-the-secret')],
    ['a malformed signature', () => 'sha1=deadbeef'],
    ['an empty signature', () => ''],
  ])('refuses %s with 401 and no push', async (_name, signature) => {
    const res = await post(push, { 'x-github-event': 'push', 'x-hub-signature-256': signature() });
    expect(res.status).toBe(401);
    expect(pushes).toEqual([]);
  });

  it('refuses a request with no signature or token at all', async () => {
    const res = await post(push, { 'x-github-event': 'push' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'missing or invalid webhook signature or token' });
    expect(pushes).toEqual([]);
  });

  it('answers a GitHub ping with 200 and does not sync', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const res = await post(body, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, event: 'ping' });
    expect(pushes).toEqual([]);
  });

  it('ignores other authenticated events with 202 and no sync', async () => {
    const body = JSON.stringify({ action: 'opened' });
    const res = await post(body, { 'x-github-event': 'pull_request', 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true, ignored: 'pull_request' });
    expect(pushes).toEqual([]);
  });

  it('accepts a GitLab push with the right token (checkout_sha as the commit)', async () => {
    const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', checkout_sha: 'b'.repeat(40) });
    const res = await post(body, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': GITLAB_TOKEN });
    expect(res.status).toBe(202);
    expect(pushes).toEqual([{ provider: 'gitlab', ref: 'refs/heads/main', after: 'b'.repeat(40) }]);
  });

  it('refuses a GitLab request with a wrong token', async () => {
    const res = await post(push, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${GITLAB_TOKEN}x` });
    expect(res.status).toBe(401);
    expect(pushes).toEqual([]);
  });

  it('answers 400 to an authenticated body that is not a JSON object', async () => {
    const body = 'not json';
    const res = await post(body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(400);
    expect(pushes).toEqual([]);
  });

  it('answers 413 to a body over the limit, declared or streamed', async () => {
    const big = 'x'.repeat(10_000);
    const declared = await post(big, { 'x-github-event': 'push', 'x-hub-signature-256': sign(big) });
    expect(declared.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i += 1) controller.enqueue(new TextEncoder().encode('y'.repeat(1000)));
        controller.close();
      },
    });
    const streamed = await fetch(`${base}/hooks/git`, { method: 'POST', body: stream, duplex: 'half', headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign('') } } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(pushes).toEqual([]);
  });

  it('answers 413 to a huge declared body and closes without reading it', async () => {
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += String(chunk)));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(`POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: ${100 * 1024 * 1024}\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: ${sign('')}\r\n\r\n${'z'.repeat(1000)}`);
    await closed; // the server hangs up; it does not wait for the other 100 MB
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(pushes).toEqual([]);
  });

  it('answers 405 to other methods and leaves other paths to the caller', async () => {
    const get = await fetch(`${base}/hooks/git`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const other = await post(push, { 'x-hub-signature-256': sign(push) }, '/hooks/other');
    expect(other.status).toBe(404);
    expect(pushes).toEqual([]);
  });

  it('a push handler that throws does not break the response', async () => {
    const handler = createGitWebhookHandler({ githubSecret: GITHUB_SECRET, onPush: () => { throw new Error('boom'); } });
    const s = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks/git`, { method: 'POST', body: push, headers: { 'x-hub-signature-256': sign(push) } });
    expect(res.status).toBe(202);
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  });
});
