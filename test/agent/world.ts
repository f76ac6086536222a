/**
 * The real world an agent test runs in: Ringmaster's own OpAMP server and artifact server
 * on loopback, a signing key, a fake collector installed on "this host", and helpers to
 * publish packages, offer them and watch — on the server side — the statuses the agent
 * reports.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { generateKeyPair, signPackage, type SigningKeyPair } from '../../src/artifacts/signing.ts';
import { serveArtifacts, type ArtifactServer } from '../../src/artifacts/http-handler.ts';
import { createArtifactStore, type ArtifactStore } from '../../src/artifacts/store.ts';
import { hostPlatform } from '../../src/agent/description.ts';
import { createOpampServer, type OpampServer } from '../../src/opamp/server.ts';
import type { AgentObservation, OfferedPackage, PackageState } from '../../src/rollout/types.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { buildFakeCollector } from '../fixtures/fake-collector/build.ts';
import type { FakeCollectorSpec } from '../fixtures/fake-collector/fake-collector.ts';

export const COLLECTOR = 'otelcol-custom';
const DOWNLOAD_TOKEN = 'dl-secret-token';

export interface PublishOptions extends FakeCollectorSpec {
  name?: string;
  type?: 'TopLevel' | 'Addon';
  /** good (default): trusted key; none: unsigned; untrusted: signed by another key. */
  sign?: 'good' | 'none' | 'untrusted';
  /** Offer this SHA-256 instead of the real one. */
  lieAboutSha256?: string;
  bytes?: Buffer;
}

export interface World {
  dir: string;
  server: OpampServer;
  wsUrl: string;
  httpUrl: string;
  port: number;
  store: ArtifactStore;
  keys: SigningKeyPair;
  platform: { os: string; arch: string };
  publish(options: PublishOptions): Promise<{ offered: OfferedPackage; bytes: Buffer }>;
  offer(uid: string, packages: Record<string, OfferedPackage>): void;
  /** Stops offering anything to `uid` (no packages_available at all). */
  withdraw(uid: string): void;
  /** Package states the server saw for (uid, package), consecutive repeats folded. */
  history(uid: string, pkg: string): PackageState[];
  agent(uid: string): AgentObservation | undefined;
  /** Replaces the OpAMP server by a fresh one on the same port (a server restart). */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Agent bearer tokens the OpAMP server accepts. */
  tokens?: string[];
  /** Serve OpAMP over TLS with this certificate. */
  tls?: { certFile: string; keyFile: string };
}

/** Starts the servers in a fresh temp directory. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'rm-agent-'));
  const store = createArtifactStore({ root: join(dir, 'packages') });
  const artifacts: ArtifactServer = await serveArtifacts({ store, downloadTokens: [DOWNLOAD_TOKEN] });
  const keys = generateKeyPair();
  const other = generateKeyPair();
  const platform = hostPlatform();
  const histories = new Map<string, PackageState[]>();
  let offers = new Map<string, Record<string, OfferedPackage>>();
  const makeServer = (): OpampServer => {
    const s = createOpampServer({
      publicBaseUrl: `${artifacts.url}/`,
      downloadHeaders: { authorization: `Bearer ${DOWNLOAD_TOKEN}` },
      messagesPerSecond: 100,
      burst: 200,
      ...(options.tokens ? { tokens: options.tokens } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
    s.on('packageStatusChanged', ({ uid, package: pkg, state }) => {
      if (state === undefined) return;
      const list = histories.get(`${uid}/${pkg}`) ?? [];
      if (list.at(-1) !== state) list.push(state);
      histories.set(`${uid}/${pkg}`, list);
    });
    return s;
  };
  let server = makeServer();
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  const pushOffers = (): void => server.setOffers([...offers].map(([uid, packages]) => ({ uid, packages, allPackagesHash: aggregate(packages) })));

  const world: World = {
    dir,
    get server() {
      return server;
    },
    wsUrl: address.wsUrl,
    httpUrl: address.url,
    port: address.port,
    store,
    keys,
    platform,
    async publish(o) {
      const name = o.name ?? COLLECTOR;
      const bytes = o.bytes ?? buildFakeCollector({ version: o.version, ...(o.faults ? { faults: o.faults } : {}) });
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const subject = { package: name, version: o.version, ...platform, sha256 };
      const signature = o.sign === 'none' ? undefined : signPackage((o.sign === 'untrusted' ? other : keys).privateKeyPem, subject);
      const put = await store.put(Readable.from([bytes]), { package: name, version: o.version, ...platform, fileName: 'otelcol-fake', type: o.type ?? 'TopLevel', ...(signature ? { signature } : {}) });
      const file = { url: put.path, sha256: o.lieAboutSha256 ?? sha256, size: bytes.length, ...(signature ? { signature } : {}) };
      const entry = { type: o.type ?? 'TopLevel', version: o.version, file } as const;
      return { offered: { ...entry, hash: hashOf(entry) }, bytes };
    },
    offer(uid, packages) {
      offers = new Map(offers).set(uid, packages);
      pushOffers();
    },
    withdraw(uid) {
      offers = new Map(offers);
      offers.delete(uid);
      pushOffers();
    },
    history: (uid, pkg) => histories.get(`${uid}/${pkg}`) ?? [],
    agent: (uid) => server.agents().find((a) => a.uid === uid),
    async restartServer() {
      await server.close();
      server = makeServer();
      await server.listen({ port: address.port, host: '127.0.0.1' });
      pushOffers();
    },
    async close() {
      await server.close();
      await artifacts.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The server's package hash (opaque to the agent): here, SHA-256 of what is offered. */
function hashOf(entry: object): string {
  return createHash('sha256').update(JSON.stringify(entry)).digest('hex');
}

function aggregate(packages: Record<string, OfferedPackage>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(packages).sort()) h.update(`${name}\n${packages[name]?.hash ?? ''}\n`);
  return h.digest('hex');
}

/** A TCP port that was free a moment ago (the fake collector binds it later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a file, creating its directory. */
export async function writeFileIn(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, data, { mode });
}

/** What a suite of end-to-end agent tests shares: one world per file, the test's agent. */
export interface WorldFixture {
  readonly world: World;
  /** The agent the running test started; stopped after each test. */
  agent: Agent | undefined;
}

/** Registers the suite hooks: the world starts before the file's tests and closes after them. */
export function useWorld(options: WorldOptions = {}): WorldFixture {
  let world: World | undefined;
  const fixture: WorldFixture = {
    get world(): World {
      if (!world) throw new Error('the world starts in beforeAll: use it inside a test');
      return world;
    },
    agent: undefined,
  };
  beforeAll(async () => {
    world = await startWorld(options);
  });
  afterEach(async () => {
    await fixture.agent?.stop();
    fixture.agent = undefined;
  });
  afterAll(async () => world?.close());
  return fixture;
}
