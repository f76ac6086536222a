/**
 * Credentials reach the remote the intended way (an HTTP header, `ssh -i`) and nowhere else.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitEnvironment, redactSecrets, redactUrl } from '../../src/sources/git/git-process.ts';
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { createGitStatusWriter } from '../../src/status/git/git-status-writer.ts';
import { sampleStatus } from '../contract/status-writer.contract.ts';

describe('git credentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringmaster-cred-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('sends an HTTPS token as an Authorization header, never in the URL', async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(401, { 'www-authenticate': 'Basic realm="fleet"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const token = 'ghs_HeaderOnlyToken42';
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/fleet.git`;
      const source = createGitManifestSource({ url, workDir: join(dir, 'work'), auth: { token } });
      await expect(source.start()).rejects.toMatchObject({ code: 'E_GIT_FETCH' });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]?.url).toBe('/acme/fleet.git/info/refs?service=git-upload-pack');
      expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
      expect(seen.every((request) => !request.url.includes(token))).toBe(true);
      const config = await readFile(join(dir, 'work', 'config'), 'utf8');
      expect(config).not.toContain(token);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('runs ssh with the key and known_hosts given (recorded by an ssh stand-in on PATH)', async () => {
    const record = join(dir, 'ssh-args');
    await writeFile(join(dir, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 1\n`);
    await chmod(join(dir, 'ssh'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      const key = join(dir, "deploy key's file");
      const writer = createGitStatusWriter({
        url: 'ssh://git@git.example.com/acme/fleet.git', workDir: join(dir, 'work'), maxPushAttempts: 1,
        auth: { sshKeyFile: key, knownHostsFile: join(dir, 'known_hosts') },
      });
      await expect(writer.readAll()).rejects.toMatchObject({ code: 'E_GIT_FETCH' });
      const args = (await readFile(record, 'utf8')).split('\n');
      expect(args).toEqual(expect.arrayContaining(['-i', key, 'IdentitiesOnly=yes', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, 'StrictHostKeyChecking=yes', 'BatchMode=yes', 'git@git.example.com']));
      await expect(writer.write('p', sampleStatus(), 'x')).resolves.toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
  });

  it('strips inherited GIT_* variables and never prompts', () => {
    process.env.GIT_DIR = '/somewhere/else';
    try {
      const env = gitEnvironment();
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.GIT_TERMINAL_PROMPT).toBe('0');
      expect(env.GIT_SSH_COMMAND).toBeUndefined();
      expect(env.GIT_CONFIG_COUNT).toBeUndefined();
    } finally {
      delete process.env.GIT_DIR;
    }
  });

  it('redacts userinfo and tokens from URLs and messages', () => {
    expect(redactUrl('https://bot:s3cret@github.com/acme/fleet.git')).toBe('https://***@github.com/acme/fleet.git');
    expect(redactUrl('git@github.com:acme/fleet.git')).toBe('git@github.com:acme/fleet.git');
    expect(redactSecrets("fatal: unable to access 'https://bot:s3cret@host/x.git/': 403", { token: 's3cret' })).toBe("fatal: unable to access 'https://***@host/x.git/': 403");
    expect(redactSecrets('header Authorization: Basic eDp5', {})).toBe('header Authorization: ***');
  });
});
