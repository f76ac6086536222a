import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigError, loadAgentConfig, parseAgentConfig } from '../../src/agent/config.ts';
import { generateKeyPair } from '../../src/artifacts/signing.ts';

/** The annotated example of docs/agent.md is the config under test: the docs cannot rot. */
async function docsExample(): Promise<string> {
  const md = await readFile(new URL('../../docs/agent.md', import.meta.url), 'utf8');
  const m = /```yaml\n(# agent\.yaml[\s\S]*?)```/.exec(md);
  if (!m?.[1]) throw new Error('docs/agent.md has no ```yaml block starting with "# agent.yaml"');
  return m[1];
}

function unexpected(): never {
  throw new Error('expected an AgentConfigError');
}

function asConfigError(e: unknown): AgentConfigError {
  if (!(e instanceof AgentConfigError)) throw e;
  return e;
}

describe('agent config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rm-agent-config-'));
    await writeFile(join(dir, 'release.pub'), generateKeyPair().publicKeyPem);
    await writeFile(join(dir, 'agent-token'), 'secret-token\n');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('accepts the annotated example of docs/agent.md and resolves paths against the file', async () => {
    const file = join(dir, 'agent.yaml');
    await writeFile(file, (await docsExample()).replaceAll('/etc/ringmaster/', './'));
    const c = await loadAgentConfig(file);
    expect(c.server).toMatchObject({ endpoint: 'wss://ringmaster.example.com:4320/v1/opamp', transport: 'ws', token: 'secret-token', heartbeatMs: 30_000 });
    expect(c.collector).toMatchObject({ package: 'otelcol-custom', binary: '/opt/otelcol/otelcol-custom', healthWindowMs: 60_000, stopGraceMs: 10_000 });
    expect(c.collector.validate).toEqual({ command: ['{binary}', 'validate', '--config', '{config}'], timeoutMs: 30_000 });
    expect(c.collector.health).toMatchObject({ ports: [4317, 4318], healthUrl: 'http://127.0.0.1:13133/' });
    expect(c.labels).toEqual({ env: 'prod', region: 'eu-west-1', canary: 'true' });
    expect(c.trust.requireSignature).toBe(true);
    expect(c.trust.publicKeyPems).toHaveLength(1);
    expect(c.sidecars[0]).toMatchObject({ package: 'log-shipper', binary: '/opt/sidecars/log-shipper', health: { ports: [9400] }, healthWindowMs: 30_000 });
    expect(c.sidecars[0]?.validate).toBeUndefined();
    expect(c.limits).toEqual({ maxBytes: 512 * 1024 ** 2, idleTimeoutMs: 60_000, attempts: 5, retryDelayMs: 2000 });
    expect(c.stateDir).toBe('/var/lib/ringmaster-agent');
  });

  it('uses safe defaults for a minimal file', async () => {
    const c = await parseAgentConfig(join(dir, 'min.yaml'), 'server: {endpoint: "http://h:4320/v1/opamp"}\nstateDir: ./state\ncollector: {binary: /usr/bin/otelcol, config: /etc/otelcol.yaml}\n');
    expect(c.server.transport).toBe('http');
    expect(c.collector.args).toEqual(['--config', '{config}']);
    expect(c.collector.validate?.timeoutMs).toBe(30_000);
    expect(c.collector.healthWindowMs).toBe(60_000);
    expect(c.trust).toEqual({ publicKeyPems: [], requireSignature: false });
    expect(c.stateDir).toBe(join(dir, 'state'));
  });

  it('lists every problem with file:line:column', async () => {
    const text = [
      'server:',
      '  endpoint: ws://h/v1/opamp',
      '  token: a',
      '  tokenFile: ./agent-token',
      '  transport: grpc',
      'stateDir: ./s',
      'collector:',
      '  binary: ./c',
      '  validate: {command: [validate], timeout: 3}',
      '  colour: blue',
      'trust: {requireSignature: true}',
      'limits: {maxDownloadBytes: lots}',
    ].join('\n');
    const err = await parseAgentConfig('agent.yaml', text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentConfigError);
    const lines = (err as AgentConfigError).message.split('\n');
    expect(lines).toEqual([
      'agent.yaml:4:14: server.tokenFile: set either token or tokenFile, not both',
      'agent.yaml:5:14: server.transport: must be "ws" or "http", got "grpc"',
      'agent.yaml:9:23: collector.validate.command: must contain "{binary}": the dry run has to run the NEW binary',
      'agent.yaml:9:44: collector.validate.timeout: must be a duration such as "30s" or "1m30s", got 3',
      'agent.yaml:10:3: collector.colour: unknown key "colour" (known: package, binary, interpreter, args, config, version, validate, healthUrl, ports, healthWindow, healthInterval, probeTimeout, stopGrace, restart)',
      'agent.yaml:11:27: trust.requireSignature: is true but trust.publicKeyFiles lists no key: nothing could ever verify',
      'agent.yaml:12:28: limits.maxDownloadBytes: must be a size in bytes such as 536870912 or "512MiB", got "lots"',
    ]);
    expect((err as AgentConfigError).code).toBe('E_AGENT_CONFIG');
  });

  it('reports YAML syntax errors and missing required sections', async () => {
    const syntax = await parseAgentConfig('a.yaml', 'server: [\n').then(unexpected, asConfigError);
    expect(syntax.message).toMatch(/^a\.yaml:\d+:\d+: /);
    const missing = await parseAgentConfig('b.yaml', 'labels: {a: b}\n').then(unexpected, asConfigError);
    expect(missing.message).toContain('server: is required');
    expect(missing.message).toContain('collector: is required');
  });

  it('names an unreadable config file', async () => {
    const err = await loadAgentConfig(join(dir, 'nope.yaml')).then(unexpected, asConfigError);
    expect(err.message).toContain(`${join(dir, 'nope.yaml')}: cannot read the config file: ENOENT`);
  });
});
