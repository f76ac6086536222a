import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost } from './host.ts';
import { COLLECTOR, startWorld, waitFor, type World } from './world.ts';

const run = promisify(execFile);

/** A server that wants a token, over TLS with a private CA: the agent gets in only with both. */
describe('agent: bearer token and TLS', () => {
  let world: World;
  let certs: string;
  beforeAll(async () => {
    certs = await mkdtemp(join(tmpdir(), 'rm-agent-tls-'));
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem')]);
    await writeFile(join(certs, 'agent-token'), 'agent-secret\n');
    world = await startWorld({ tokens: ['agent-secret'], tls: { certFile: join(certs, 'cert.pem'), keyFile: join(certs, 'key.pem') } });
  });
  afterAll(async () => {
    await world.close();
    await rm(certs, { recursive: true, force: true });
  });

  it('connects over wss with the CA file and the token file, and installs', async () => {
    expect(world.wsUrl).toMatch(/^wss:\/\//);
    const host = await createHost(world, { server: `  tokenFile: ${join(certs, 'agent-token')}\n  caFile: ${join(certs, 'cert.pem')}` });
    const { agent, uid } = await host.startAgent();
    try {
      const { offered } = await world.publish({ version: '4.0.0' });
      world.offer(uid, { [COLLECTOR]: offered });
      await waitFor(() => world.history(uid, COLLECTOR).at(-1) === 'Installed', 'installed over TLS');
    } finally {
      await agent.stop();
    }
  });

  it('is refused with a wrong token, keeps retrying, and never shows up on the server', async () => {
    const host = await createHost(world, { server: `  token: wrong-secret\n  caFile: ${join(certs, 'cert.pem')}` });
    const agent = await host.makeAgent();
    await agent.start();
    try {
      // Absence cannot be polled for: give it many reconnect attempts (backoff max 1 s).
      await new Promise((r) => setTimeout(r, 1500));
      expect(agent.state().connected).toBe(false);
      expect(world.agent(agent.state().instanceUid)).toBeUndefined();
    } finally {
      await agent.stop();
    }
  });

  it('does not trust the server without the CA file', async () => {
    const host = await createHost(world, { server: `  tokenFile: ${join(certs, 'agent-token')}` });
    const agent = await host.makeAgent();
    await agent.start();
    try {
      // Absence cannot be polled for: give it many reconnect attempts (backoff max 1 s).
      await new Promise((r) => setTimeout(r, 1500));
      expect(world.agent(agent.state().instanceUid)).toBeUndefined();
    } finally {
      await agent.stop();
    }
  });
});
