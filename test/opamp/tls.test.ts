import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeServerToAgent, encodeAgentToServer } from '../../src/opamp/codec.ts';
import { createOpampServer } from '../../src/opamp/server.ts';
import type { OpampServer } from '../../src/opamp/server.ts';
import { uuidv7 } from '../../src/opamp/uuid.ts';

const run = promisify(execFile);
let dir = '';
let pem: { ca: Buffer; clientCert: Buffer; clientKey: Buffer };
const servers: OpampServer[] = [];

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, via openssl. */
async function makeCertificates(at: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: at });
  await ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=ringmaster-test-ca');
  for (const [name, extra] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    await ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    await writeFile(join(at, `${name}.ext`), `${extra}\n`);
    await ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ringmaster-opamp-tls-'));
  await makeCertificates(dir);
  pem = { ca: await readFile(join(dir, 'ca.pem')), clientCert: await readFile(join(dir, 'client.pem')), clientKey: await readFile(join(dir, 'client.key')) };
}, 30_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(requestClientCert: boolean, tokens: string[] = []): Promise<{ url: string; wsUrl: string }> {
  const server = createOpampServer({ tokens, tls: { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.pem'), requestClientCert } });
  servers.push(server);
  return server.listen({ port: 0 });
}

function wssStatus(url: string, options: { cert?: Buffer; key?: Buffer; headers?: Record<string, string> }): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca: pem.ca, ...options });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('OpAMP over TLS', () => {
  it('serves wss with a bearer token', async () => {
    const { wsUrl } = await start(false, ['tls-token']);
    expect(wsUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/opamp$/);
    expect(await wssStatus(wsUrl, { headers: { Authorization: 'Bearer tls-token' } })).toBe(101);
    expect(await wssStatus(wsUrl, {})).toBe(401);
  });

  it('authenticates an agent by a client certificate the CA signed, and refuses one without', async () => {
    const { url, wsUrl } = await start(true);
    expect(await wssStatus(wsUrl, { cert: pem.clientCert, key: pem.clientKey })).toBe(101);
    expect(await wssStatus(wsUrl, {})).toBe(401);
    const uid = uuidv7();
    const reply = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const body = encodeAgentToServer({ instanceUid: uid, sequenceNum: 1, capabilities: 1 });
      const req = request(url, { method: 'POST', ca: pem.ca, cert: pem.clientCert, key: pem.clientKey, headers: { 'Content-Type': 'application/x-protobuf' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(reply.status).toBe(200);
    expect(decodeServerToAgent(reply.body).instanceUid).toEqual(uid);
  });
});
