/**
 * One simulated agent's protocol logic, independent of the transport: it answers
 * `ReportFullState`, takes `packages_available` (downloads or skips the file, waits the
 * install delay, fails at the configured rate) and reports every step. Deliberately small:
 * thousands of these share one process, so there is no supervisor, no state directory and
 * one object per agent plus one per held package.
 */
import type { AgentToServer, PackagesAvailable, ServerToAgent } from '../../src/opamp/messages.ts';
import { ServerToAgentFlags } from '../../src/opamp/messages.ts';
import { describe, heartbeat, packageStatuses, simulatedCapabilities } from './report.ts';
import type { AgentIdentity, HeldPackage } from './report.ts';

/** What an agent needs from the process that hosts it. */
export interface AgentHost {
  /** Sends one message on the agent's connection (or the next poll, for HTTP). */
  send(agent: SimAgent, message: AgentToServer): void;
  /**
   * Fetches a package file; resolves when it is fully read and its SHA-256 (hex, when
   * given) matched (or at once when downloads are skipped).
   */
  download(url: string, headers: Readonly<Record<string, string>>, sha256: string | undefined): Promise<void>;
  installDelayMs: number;
  failureRate: number;
  random(): number;
  /** Called on each milestone, with the package name. */
  milestone(agent: SimAgent, kind: 'offered' | 'installed' | 'failed', pkg: string): void;
}

/** One simulated agent. `index` is its place in the whole fleet (stable across processes). */
export class SimAgent {
  readonly index: number;
  readonly identity: AgentIdentity;
  readonly host: AgentHost;
  sequenceNum = 0;
  held = new Map<string, HeldPackage>();
  allPackagesHash: Uint8Array | undefined;
  /** The aggregate hash of the offer being worked on, so a newer offer supersedes it. */
  working: Uint8Array | undefined;

  constructor(index: number, identity: AgentIdentity, host: AgentHost) {
    this.index = index;
    this.identity = identity;
    this.host = host;
  }

  /** The next full report (description, health, package statuses). */
  fullReport(): AgentToServer {
    const version = [...this.held.values()].find((pkg) => pkg.state === 'Installed')?.version;
    return {
      ...this.next(),
      agentDescription: describe(this.identity, version),
      health: { healthy: true, status: 'StatusOK', startTimeUnixNano: 1_700_000_000_000_000_000 },
      packageStatuses: packageStatuses(this.held, this.allPackagesHash),
    };
  }

  /** The next heartbeat (25 bytes). */
  heartbeat(): AgentToServer {
    this.sequenceNum += 1;
    return heartbeat(this.identity.uid, this.sequenceNum);
  }

  /** Handles one reply from the server. */
  onReply(reply: ServerToAgent): void {
    if (reply.agentIdentification?.newInstanceUid?.byteLength === 16) this.identity.uid = reply.agentIdentification.newInstanceUid;
    if (reply.packagesAvailable !== undefined) void this.takeOffer(reply.packagesAvailable);
    else if (((reply.flags ?? 0) & ServerToAgentFlags.ReportFullState) !== 0) this.host.send(this, this.fullReport());
  }

  private next(): AgentToServer {
    this.sequenceNum += 1;
    return { instanceUid: this.identity.uid, sequenceNum: this.sequenceNum, capabilities: simulatedCapabilities };
  }

  private sendStatuses(): void {
    this.host.send(this, { ...this.next(), packageStatuses: packageStatuses(this.held, this.allPackagesHash) });
  }

  /** Spec: the offer is the complete set; what is not in it is removed. */
  private async takeOffer(offer: PackagesAvailable): Promise<void> {
    const aggregate = offer.allPackagesHash;
    this.working = aggregate;
    this.allPackagesHash = aggregate;
    const offered = offer.packages ?? {};
    for (const name of [...this.held.keys()]) if (!Object.hasOwn(offered, name)) this.held.delete(name);
    const changed = Object.entries(offered).filter(([name, pkg]) => !sameBytes(this.held.get(name)?.hash, pkg.hash) || this.held.get(name)?.state !== 'Installed');
    for (const [name, pkg] of changed) {
      this.held.set(name, { ...this.held.get(name), name, state: 'Downloading', ...offeredFields(pkg) });
      this.host.milestone(this, 'offered', name);
    }
    this.sendStatuses();
    if (changed.length === 0) return;
    await Promise.all(changed.map(([name, pkg]) => this.install(name, pkg, aggregate)));
    if (this.working === aggregate) this.sendStatuses();
  }

  private async install(name: string, pkg: NonNullable<PackagesAvailable['packages']>[string], aggregate: Uint8Array | undefined): Promise<void> {
    let error: string | undefined;
    try {
      if (pkg.file?.downloadUrl !== undefined) {
        const headers = Object.fromEntries((pkg.file.headers?.headers ?? []).map((h) => [h.key ?? '', h.value ?? '']));
        const sha256 = pkg.file.contentHash === undefined ? undefined : Buffer.from(pkg.file.contentHash).toString('hex');
        await this.host.download(pkg.file.downloadUrl, headers, sha256);
      }
      if (this.host.installDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.host.installDelayMs));
      if (this.host.random() < this.host.failureRate) error = 'simulated install failure';
    } catch (err) {
      error = `download failed: ${(err as Error).message}`;
    }
    if (this.working !== aggregate) return; // superseded by a newer offer
    const held = this.held.get(name);
    if (held === undefined) return;
    const { error: _previous, ...rest } = held;
    if (error === undefined) this.held.set(name, { ...rest, state: 'Installed', ...(pkg.version === undefined ? {} : { version: pkg.version }), ...(pkg.hash === undefined ? {} : { hash: pkg.hash }) });
    else this.held.set(name, { ...rest, state: 'InstallFailed', error });
    this.host.milestone(this, error === undefined ? 'installed' : 'failed', name);
  }
}

function offeredFields(pkg: NonNullable<PackagesAvailable['packages']>[string]): Partial<HeldPackage> {
  return { ...(pkg.version === undefined ? {} : { offeredVersion: pkg.version }), ...(pkg.hash === undefined ? {} : { offeredHash: pkg.hash }) };
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
