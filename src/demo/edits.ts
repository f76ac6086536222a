import { isMap, isSeq, type Document } from 'yaml';

/** An edit a person makes to a policy file in the demo's fleet repository. */
export type PolicyEdit = (doc: Document) => void;

/**
 * Shrinks the example policies' hours of baking to seconds so the demo runs in about a
 * minute, and drops the addon's maintenance window (the demo must run on any day). With
 * `release`, the policy starts at that release with its gated ring pre-approved: the
 * first rollout only establishes the stable release.
 */
export function demoTimings(policy: string, release?: string): PolicyEdit {
  return (doc) => {
    const rings = doc.getIn(['spec', 'rings']);
    if (isSeq(rings)) {
      for (const ring of rings.items) {
        if (!isMap(ring)) continue;
        if (ring.has('bake')) ring.set('bake', '3s');
        if (ring.get('name') === 'early') ring.set('maxFailures', 2);
        if (ring.get('name') === 'everyone') ring.set('maxFailures', '10%');
      }
    }
    doc.setIn(['spec', 'strategy', 'maxConcurrent'], '50%');
    doc.setIn(['spec', 'strategy', 'installTimeout'], '1m');
    doc.setIn(['spec', 'strategy', 'healthyFor'], policy === 'parsers-config' ? '1s' : '2s');
    doc.setIn(['spec', 'strategy', 'progressDeadline'], '10m');
    doc.deleteIn(['spec', 'windows']);
    if (release) {
      doc.setIn(['spec', 'release'], release);
      doc.setIn(['spec', 'approvals'], doc.createNode(['everyone'], { flow: true }));
    }
  };
}

/** A release bump: the new target, and approvals reset — every release earns its own. */
export function bumpRelease(release: string): PolicyEdit {
  return (doc) => {
    doc.setIn(['spec', 'release'], release);
    doc.setIn(['spec', 'approvals'], doc.createNode([], { flow: true }));
  };
}

/** What a reviewer's approval commit changes: the ring's name added to `spec.approvals`. */
export function approveRing(ring: string): PolicyEdit {
  return (doc) => {
    const current = doc.getIn(['spec', 'approvals']);
    const names = isSeq(current) ? current.items.map((i) => String((i as { value?: unknown }).value ?? i)) : [];
    if (!names.includes(ring)) names.push(ring);
    doc.setIn(['spec', 'approvals'], doc.createNode(names, { flow: true }));
  };
}
