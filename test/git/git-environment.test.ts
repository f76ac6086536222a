/**
 * git, ssh and credential helpers run with an allowlisted environment: Ringmaster's own
 * tokens and secrets in the parent process never reach them. Proved with real git runs whose
 * child programs (an ssh stand-in, a credential helper) dump the environment they got.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitEnvironment } from '../../src/sources/git/git-process.ts';
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { createGitFixture } from './git-fixture.ts';

const secrets = {
  RINGMASTER_AGENT_TOKENS: 'agent-secret-1',
  RINGMASTER_ADMIN_TOKENS: 'admin-secret-2',
  RINGMASTER_API_TOKENS: 'api-secret-3',
  RINGMASTER_WEBHOOK_SECRET: 'webhook-secret-4',
  RINGMASTER_GIT_TOKEN: 'git-token-5',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-6',
};
const kept = { HTTPS_PROXY: 'http://127.0.0.1:1', no_proxy: '127.0.0.1,localhost', LC_ALL: 'C', SSL_CERT_FILE: '/etc/ssl/probe.pem' };

/** Parses `env` output (a value with a newline would add junk keys, which only widens the checks). */
function parseEnv(dump: string): Record<string, string> {
  const entries = dump.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

function expectScrubbed(env: Record<string, string>): void {
  for (const name of Object.keys(secrets)) expect(env[name], name).toBeUndefined();
  const all = Object.values(env).join('\n');
  for (const value of Object.values(secrets)) expect(all).not.toContain(value);
  expect(env).toMatchObject({ ...kept, HOME: process.env.HOME });
  expect(env.PATH?.endsWith(process.env.PATH ?? '-')).toBe(true); // git prepends its exec path
}

describe('the environment of git children', () => {
  let dir: string;
  let saved: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ringmaster-gitenv-'));
    saved = { ...process.env };
    Object.assign(process.env, secrets, kept, { HOME: dir });
    delete process.env.XDG_CONFIG_HOME; // git must read $HOME/.gitconfig below
  });
  afterEach(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await rm(dir, { recursive: true, force: true });
  });

  it('ssh (run by git through GIT_SSH_COMMAND) sees no secret of the parent process', async () => {
    const record = join(dir, 'ssh-env');
    await writeFile(join(dir, 'ssh'), `#!/bin/sh\nenv > '${record}'\nexit 1\n`);
    await chmod(join(dir, 'ssh'), 0o755);
    process.env.PATH = `${dir}:${saved.PATH ?? ''}`;
    const source = createGitManifestSource({ url: 'ssh://git@git.example.com/acme/fleet.git', workDir: join(dir, 'work'), auth: { sshKeyFile: join(dir, 'key') } });
    await expect(source.start()).rejects.toMatchObject({ code: 'E_GIT_FETCH' });
    const env = parseEnv(await readFile(record, 'utf8'));
    expectScrubbed(env);
    expect(env.GIT_SSH_COMMAND).toContain(`-i '${join(dir, 'key')}'`); // ours, and all git added to it
  });

  it('a credential helper (HTTPS) sees no secret; the environment still carries HOME and the proxy settings', async () => {
    const record = join(dir, 'helper-env');
    const helper = join(dir, 'helper.sh');
    await writeFile(helper, `#!/bin/sh\nenv > '${record}'\n`);
    await chmod(helper, 0o755);
    await writeFile(join(dir, '.gitconfig'), `[credential]\n\thelper = ${helper}\n`);
    const server = createServer((_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="fleet"' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/fleet.git`;
      const source = createGitManifestSource({ url, workDir: join(dir, 'work') });
      await expect(source.start()).rejects.toMatchObject({ code: 'E_GIT_FETCH' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expectScrubbed(parseEnv(await readFile(record, 'utf8')));
  });

  it('fetches from a local repository with the secrets set, and reads the manifests', async () => {
    const fixture = await createGitFixture();
    try {
      const revision = await fixture.commit({ 'fleet/a.yaml': 'kind: X\n' }, 'add a');
      const source = createGitManifestSource({ url: fixture.remote, path: 'fleet', workDir: fixture.workDir('env') });
      await source.start();
      expect(source.current()?.revision).toBe(revision);
      expect(source.current()?.files.map((file) => file.path)).toEqual(['fleet/a.yaml']);
      await source.stop();
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('gitEnvironment', () => {
  const parent = { ...secrets, ...kept, PATH: '/bin', HOME: '/h', LANG: 'C.UTF-8', LC_CTYPE: 'C', SSH_AUTH_SOCK: '/run/agent', GIT_DIR: '/elsewhere', EDITOR: 'vi', AWS_PROFILE: 'ci' };

  it('keeps only the allowlist, LC_* and what Ringmaster sets', () => {
    const env = gitEnvironment({ token: 't0k' }, { GIT_INDEX_FILE: '/i' }, parent);
    expect(Object.keys(env).sort()).toEqual(['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_INDEX_FILE', 'GIT_TERMINAL_PROMPT', 'HOME', 'HTTPS_PROXY', 'LANG', 'LC_ALL', 'LC_CTYPE', 'PATH', 'SSH_AUTH_SOCK', 'SSL_CERT_FILE', 'no_proxy']);
  });

  it('passes the names listed in RINGMASTER_GIT_PASS_ENV, and refuses secrets and program hooks there', () => {
    expect(gitEnvironment({}, {}, { ...parent, RINGMASTER_GIT_PASS_ENV: 'AWS_PROFILE, ' }).AWS_PROFILE).toBe('ci');
    for (const name of ['RINGMASTER_ADMIN_TOKENS', 'GIT_DIR', 'EDITOR', 'A-B']) {
      expect(() => gitEnvironment({}, {}, { ...parent, RINGMASTER_GIT_PASS_ENV: name })).toThrow(expect.objectContaining({ code: 'E_GIT_OPTIONS', message: expect.stringContaining(name) }));
    }
  });
});
