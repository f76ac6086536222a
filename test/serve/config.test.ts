import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveServeConfig } from '../../src/serve/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'rm-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('resolveServeConfig', () => {
  it('applies defaults around the one required setting', () => {
    const c = resolveServeConfig({ git: '/srv/fleet.git' }, {});
    expect(c.git!).toMatchObject({ url: '/srv/fleet.git', branch: 'main', path: '', intervalMs: 30_000, statusIntervalMs: 10_000 });
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 4320 });
    expect(c.packagesDir).toBe(join(c.dataDir, 'packages'));
    expect(c.agentTokens).toEqual([]);
  });

  it('takes flags over environment over file', () => {
    const cfg = file('a.yaml', 'git:\n  url: /from/file\n  branch: file-branch\n  path: ./fleet/\nlisten: 127.0.0.1:9000\n');
    const c = resolveServeConfig({ config: cfg, branch: 'flag-branch' }, { RINGMASTER_GIT_URL: '/from/env' });
    expect(c.git!.url).toBe('/from/env');
    expect(c.git!.branch).toBe('flag-branch');
    expect(c.git!.path).toBe('fleet');
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9000 });
  });

  it('reads secrets from NAME or NAME_FILE, and token lists split on commas and newlines', () => {
    const tokens = file('tokens', 'alpha\nbeta, gamma\n');
    const c = resolveServeConfig({ git: 'x' }, { RINGMASTER_AGENT_TOKENS_FILE: tokens, RINGMASTER_GIT_TOKEN: 's3cret' });
    expect(c.agentTokens).toEqual(['alpha', 'beta', 'gamma']);
    expect(c.git!.token).toBe('s3cret');
  });

  it.each([
    [{}, {}, /no fleet repository: pass --git/],
    [{ git: 'x', listen: 'nonsense' }, {}, /listen address "nonsense" is not host:port/],
    [{ git: 'x', interval: 'soon' }, {}, /git interval \(--interval\) "soon" is not a positive duration/],
    [{ git: 'x', tlsCert: 'c.pem' }, {}, /needs both a certificate and a key/],
    [{ git: 'x', publicUrl: 'ftp://x' }, {}, /not an absolute http\(s\) URL/],
    [{ git: 'x' }, { RINGMASTER_AGENT_TOKENS_FILE: '/no/such/file' }, /cannot read RINGMASTER_AGENT_TOKENS_FILE/],
  ])('refuses bad settings with a message that says how to fix them (%#)', (flags, env, message) => {
    expect(() => resolveServeConfig(flags, env)).toThrow(ConfigError);
    expect(() => resolveServeConfig(flags, env)).toThrow(message);
  });

  it('takes OpAMP and artifact limits from the environment or the file, as positive whole numbers', () => {
    const cfg = file('limits.yaml', 'opamp:\n  maxConnections: 25000\nartifacts:\n  maxConcurrentDownloads: 8\n');
    const c = resolveServeConfig({ git: 'x', config: cfg }, { RINGMASTER_OPAMP_MAX_AGENTS: '150000' });
    expect(c.opamp).toEqual({ maxConnections: 25000, maxAgents: 150000 });
    expect(c.artifacts).toEqual({ maxConcurrentDownloads: 8 });
    expect(() => resolveServeConfig({ git: 'x' }, { RINGMASTER_OPAMP_BURST: '-3' })).toThrow('opamp.burst (RINGMASTER_OPAMP_BURST) "-3" must be a positive whole number');
  });

  it('checks TLS files and the log level before anything starts', () => {
    expect(() => resolveServeConfig({ git: 'x', tlsCert: '/no/cert.pem', tlsKey: '/no/key.pem' }, {})).toThrow('--tls-cert /no/cert.pem cannot be read: ENOENT');
    expect(() => resolveServeConfig({ git: 'x', logLevel: 'loud' }, {})).toThrow('log level "loud" is not one of trace, debug, info, warn, error, fatal, silent');
  });

  it('points at file:line:col for a broken config file', () => {
    const cfg = file('bad.yaml', 'git:\n  url: a\n  url: b\n');
    expect(() => resolveServeConfig({ config: cfg }, {})).toThrow(/bad\.yaml:3:3: .*[Mm]ap keys must be unique/);
  });
});
