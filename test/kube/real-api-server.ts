/**
 * A real kube-apiserver backed by a real etcd, for the shared suites (envtest style). Used
 * only when TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD point at binaries
 * (scripts/kube-test-assets.sh builds them); everything lives in a temp dir on loopback
 * ports, the CRDs from crds/ are installed, and both processes are killed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, KubeConfig, loadYaml, type V1CustomResourceDefinition } from '@kubernetes/client-node';

const TOKEN = 'real-test-token';
/** A token whose user is the deploy/ ServiceAccount, so deploy/rbac.yaml governs it. */
export const SERVICE_ACCOUNT_TOKEN = 'ringmaster-sa-token';

export function realAssets(): { apiserver: string; etcd: string } | undefined {
  const apiserver = process.env.TEST_ASSET_KUBE_APISERVER;
  const etcd = process.env.TEST_ASSET_ETCD;
  return apiserver && etcd ? { apiserver, etcd } : undefined;
}

export interface RealApiServer {
  url: string;
  /** Admin (system:masters) unless `token` is given. */
  kubeConfig(namespace?: string, token?: string): KubeConfig;
}

const running: Array<{ children: ChildProcess[]; dir: string }> = [];
process.once('exit', () => running.forEach((r) => r.children.forEach((c) => c.kill('SIGKILL'))));

export async function startRealApiServer(): Promise<RealApiServer> {
  const assets = realAssets();
  if (!assets) throw new Error('TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD are not set');
  const dir = await mkdtemp(join(tmpdir(), 'ringmaster-apiserver-'));
  const entry = { children: [] as ChildProcess[], dir };
  running.push(entry);
  const [client, peer, secure] = [await freePort(), await freePort(), await freePort()];
  entry.children.push(launch(assets.etcd, [
    '--name=default', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${client}`, `--advertise-client-urls=http://127.0.0.1:${client}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=default=http://127.0.0.1:${peer}`,
  ]));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  await writeFile(join(dir, 'sa.pub'), publicKey);
  await writeFile(join(dir, 'sa.key'), privateKey);
  await writeFile(join(dir, 'tokens.csv'), [
    `${TOKEN},tester,1,"system:masters"`,
    `${SERVICE_ACCOUNT_TOKEN},system:serviceaccount:ringmaster:ringmaster,2,"system:serviceaccounts,system:serviceaccounts:ringmaster,system:authenticated"`,
  ].join('\n') + '\n');
  entry.children.push(launch(assets.apiserver, [
    `--etcd-servers=http://127.0.0.1:${client}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${secure}`, '--insecure-port=0',
    `--cert-dir=${join(dir, 'certs')}`, `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc', `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`, '--service-cluster-ip-range=10.0.0.0/24',
    '--enable-priority-and-fairness=false',
  ]));
  const url = `https://127.0.0.1:${secure}`;
  try {
    await waitReady(url, entry.children);
  } catch (err) {
    await stopRealApiServers();
    throw err;
  }
  const kubeConfig = (namespace = 'default', token = TOKEN): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'real', server: url, skipTLSVerify: true }],
      users: [{ name: 'tester', token }],
      contexts: [{ name: 'real', cluster: 'real', user: 'tester', namespace }],
      currentContext: 'real',
    });
    return kc;
  };
  await installCrds(kubeConfig()).catch(async (err: unknown) => {
    await stopRealApiServers();
    throw err;
  });
  return { url, kubeConfig };
}

/** Kills every server this process started and removes their directories. */
export async function stopRealApiServers(): Promise<void> {
  for (const entry of running.splice(0)) {
    for (const child of entry.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    await rm(entry.dir, { recursive: true, force: true });
  }
}

function launch(binary: string, args: string[]): ChildProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  child.once('exit', (code) => {
    if (code !== null && code !== 0 && code !== 143) process.stderr.write(`${binary} exited ${code}:\n${tail}\n`);
  });
  return child;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (children.some((c) => c.exitCode !== null)) throw new Error('etcd or kube-apiserver exited during startup (see stderr)');
    const status = await new Promise<number>((resolve) => {
      const req = request(`${url}/readyz`, { rejectUnauthorized: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`kube-apiserver at ${url} did not become ready in 90 s`);
}

async function installCrds(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crdDir = new URL('../../crds/', import.meta.url);
  for (const file of (await readdir(crdDir)).filter((f) => f.endsWith('.yaml'))) {
    // Typed models must come from loadYaml: serializing a raw object drops keys such as
    // `x-kubernetes-int-or-string` (the model calls them x_kubernetes_int_or_string).
    const body = loadYaml<V1CustomResourceDefinition>(await readFile(new URL(file, crdDir), 'utf8'));
    await api.createCustomResourceDefinition({ body });
    const name = body.metadata?.name ?? '';
    const deadline = Date.now() + 30_000;
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name });
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established in 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
