/**
 * The complete offer per agent (OPAMP.md: `PackagesAvailable` is the complete set; agents
 * delete what it leaves out). Managed packages were decided by the policies; every other
 * package the agent reports installed is echoed back unchanged, so nothing — in particular
 * not the top-level package — is ever dropped by omission.
 */
import type { PackageRelease, PackageType } from '../manifests/types.ts';
import { echoOffer } from './closed-offer.ts';
import { allPackagesHash } from './package-hash.ts';
import type { AgentObservation, AgentOffer, OfferedPackage } from './types.ts';

/**
 * The OpAMP type to echo for a package no policy manages, which agents do not report:
 * the type of any known release of that package, else `TopLevel` for the supervisor's
 * `""` package and `Addon` for every other name.
 */
export function echoTypeResolver(releases: readonly PackageRelease[]): (name: string) => PackageType {
  const known = new Map<string, PackageType>();
  for (const release of releases) if (!known.has(release.spec.package)) known.set(release.spec.package, release.spec.type);
  return (name) => known.get(name) ?? (name === '' ? 'TopLevel' : 'Addon');
}

/**
 * One offer per agent that has a desired set (agents are uid-sorted, so offers are too).
 * Completes each set with echoes and computes its aggregate hash, memoised per distinct
 * set so a large fleet on a few package combinations hashes a few times, not per agent.
 */
export function assembleOffers(
  agents: readonly AgentObservation[],
  desired: readonly (Record<string, OfferedPackage> | undefined)[],
  echoType: (name: string) => PackageType,
): AgentOffer[] {
  const aggregates: AggregateNode = { next: new Map() };
  const offers: AgentOffer[] = [];
  for (let index = 0; index < agents.length; index++) {
    const packages = desired[index];
    if (packages === undefined) continue;
    const agent = agents[index] as AgentObservation;
    for (const name in agent.packages) {
      if (packages[name] !== undefined) continue;
      const has = agent.packages[name] as AgentObservation['packages'][string];
      const echo = echoOffer(has.hasHash, has.hasVersion, echoType(name));
      if (echo !== undefined) packages[name] = echo;
    }
    offers.push({ uid: agent.uid, packages, allPackagesHash: aggregateHash(packages, aggregates) });
  }
  return offers;
}

/**
 * Memo of aggregate hashes as a trie: sorted name, then package hash, level by level.
 * Walking it allocates nothing per agent once the fleet's few combinations are known.
 */
interface AggregateNode {
  next: Map<string, AggregateNode>;
  hash?: string;
}

function aggregateHash(packages: Record<string, OfferedPackage>, root: AggregateNode): string {
  let node = root;
  for (const name of Object.keys(packages).sort()) {
    node = child(child(node, name), (packages[name] as OfferedPackage).hash);
  }
  node.hash ??= allPackagesHash(packages);
  return node.hash;
}

function child(node: AggregateNode, key: string): AggregateNode {
  let next = node.next.get(key);
  if (next === undefined) {
    next = { next: new Map() };
    node.next.set(key, next);
  }
  return next;
}
