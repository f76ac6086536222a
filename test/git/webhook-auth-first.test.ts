/**
 * The webhook authenticates from the headers before it reads the body: a request with no
 * GitHub signature and no valid GitLab token is refused while its body is still unsent.
 * Raw sockets on a real HTTP server: the client sends only the request head and waits, so
 * an answer proves the server did not wait for (or read) the declared body.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitWebhookHandler, type GitPushInfo, type GitWebhookOptions } from '../../src/webhooks/git-webhook.ts';

const GITHUB_SECRET = 'gh-secret-0b1c2d';
const GITLAB_TOKEN = 'gl-token-3e4f5a';
const DECLARED = 512 * 1024; // within the default 1 MiB limit, so only authentication can answer early

interface RawExchange {
  /** Everything the server sent, once it answered. */
  reply: Promise<string>;
  /** Sends more of the body; false if the server already closed the connection. */
  send(text: string): boolean;
  close(): void;
}

/** Opens a raw connection, writes the request head (no body bytes) and collects the reply. */
function sendHead(port: number, head: string): RawExchange {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  const reply = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer while the body was unsent; got ${JSON.stringify(received)}`)), 10_000);
    socket.on('data', (chunk) => {
      received += String(chunk);
      if (received.includes('\r\n\r\n')) {
        clearTimeout(timer);
        resolve(received);
      }
    });
  });
  socket.write(head);
  return { reply, send: (text) => !socket.destroyed && socket.write(text), close: () => socket.destroy() };
}

describe('git push webhook authenticates before reading the body', () => {
  let server: Server | undefined;
  let pushes: GitPushInfo[];

  async function start(options: Omit<GitWebhookOptions, 'onPush'>): Promise<number> {
    pushes = [];
    const handler = createGitWebhookHandler({ ...options, onPush: (info) => void pushes.push(info) });
    server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  const head = (headers: string, length = DECLARED, method = 'POST') =>
    `${method} /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${headers}\r\n`;

  it.each([
    ['no signature and no token', 'X-GitHub-Event: push\r\n'],
    ['a wrong GitLab token', `X-Gitlab-Event: Push Hook\r\nX-Gitlab-Token: ${GITLAB_TOKEN}x\r\n`],
    ['an empty GitLab token', 'X-Gitlab-Token: \r\n'],
  ])('answers 401 to %s with the declared body unsent, and closes', async (_name, headers) => {
    const port = await start({ githubSecret: GITHUB_SECRET, gitlabToken: GITLAB_TOKEN });
    const exchange = sendHead(port, head(headers));
    try {
      const reply = await exchange.reply;
      expect(reply).toMatch(/^HTTP\/1\.1 401 /);
      expect(reply.toLowerCase()).toContain('connection: close');
      expect(pushes).toEqual([]);
    } finally {
      exchange.close();
    }
  });

  it('refuses a GitHub signature when only a GitLab token is configured, without reading the body', async () => {
    const port = await start({ gitlabToken: GITLAB_TOKEN });
    const exchange = sendHead(port, head(`X-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\n`));
    try {
      expect(await exchange.reply).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      exchange.close();
    }
  });

  it('answers 405 to another method with a declared body, without reading it', async () => {
    const port = await start({ githubSecret: GITHUB_SECRET });
    const exchange = sendHead(port, head('', DECLARED, 'PUT'));
    try {
      const reply = await exchange.reply;
      expect(reply).toMatch(/^HTTP\/1\.1 405 /);
      expect(reply.toLowerCase()).toContain('connection: close'); // so Node does not drain the body either
    } finally {
      exchange.close();
    }
  });

  it('with a valid GitLab token, waits for the body and accepts the push', async () => {
    const port = await start({ gitlabToken: GITLAB_TOKEN });
    const body = JSON.stringify({ object_kind: 'push', ref: 'refs/heads/main', checkout_sha: 'c'.repeat(40) });
    const exchange = sendHead(port, head(`X-Gitlab-Event: Push Hook\r\nX-Gitlab-Token: ${GITLAB_TOKEN}\r\n`, Buffer.byteLength(body)));
    try {
      const early = await Promise.race([exchange.reply, new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))]);
      expect(early).toBe('waiting'); // authenticated: it reads the body before answering
      exchange.send(body);
      expect(await exchange.reply).toMatch(/^HTTP\/1\.1 202 /);
      expect(pushes).toEqual([{ provider: 'gitlab', ref: 'refs/heads/main', after: 'c'.repeat(40) }]);
    } finally {
      exchange.close();
    }
  });

  it('with a GitHub signature, reads the body and checks the HMAC over it', async () => {
    const port = await start({ githubSecret: GITHUB_SECRET });
    const body = JSON.stringify({ ref: 'refs/heads/main', after: 'd'.repeat(40) });
    const signature = `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
    const good = sendHead(port, head(`X-GitHub-Event: push\r\nX-Hub-Signature-256: ${signature}\r\n`, Buffer.byteLength(body)));
    const forged = sendHead(port, head(`X-GitHub-Event: push\r\nX-Hub-Signature-256: ${signature}\r\n`, Buffer.byteLength(body) + 1));
    try {
      good.send(body);
      forged.send(`${body} `);
      expect(await good.reply).toMatch(/^HTTP\/1\.1 202 /);
      expect(await forged.reply).toMatch(/^HTTP\/1\.1 401 /);
      expect(pushes).toEqual([{ provider: 'github', ref: 'refs/heads/main', after: 'd'.repeat(40) }]);
    } finally {
      good.close();
      forged.close();
    }
  });
});
