/**
 * The behaviour every `ManifestSource` (Git, Kubernetes) must show, as one reusable suite.
 * An adapter's test calls `manifestSourceContract(name, makeSource)`; the harness applies
 * manifest changes the adapter's own way (a Git push, a `kubectl apply`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestSnapshot, ManifestSource } from '../../src/controller/ports.ts';

export interface ManifestSourceHarness {
  source: ManifestSource;
  /**
   * Changes the manifests at the origin and resolves once the change is stored there (not
   * necessarily seen by the source). Keys name one object each; a value is one YAML
   * document, `null` deletes it.
   */
  apply(manifests: Record<string, string | null>): Promise<void>;
  /** Changes something at the origin that is NOT a manifest (Git: a status-only commit). */
  touchNonManifest(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A `PackageRelease` document whose name and version show up in the snapshot text. */
export function releaseDocument(name: string, version: string): string {
  return [
    'apiVersion: ringmaster.dev/v1alpha1',
    'kind: PackageRelease',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  package: otelcol-custom',
    '  type: TopLevel',
    `  version: ${version}`,
    '  artifacts:',
    '    - {os: linux, arch: amd64, url: packages/otelcol-custom/linux-amd64, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}',
    '',
  ].join('\n');
}

function text(snapshot: ManifestSnapshot | undefined): string {
  return (snapshot?.files ?? []).map((file) => file.content).join('\n---\n');
}

/**
 * Runs the contract. `makeSource(initial)` must return a harness whose origin already holds
 * `initial` (same shape as `apply`) and whose source has not been started.
 */
export function manifestSourceContract(name: string, makeSource: (initial: Record<string, string>) => Promise<ManifestSourceHarness>): void {
  describe(`ManifestSource contract: ${name}`, () => {
    let harness: ManifestSourceHarness | undefined;
    afterEach(async () => {
      await harness?.source.stop();
      await harness?.cleanup();
      harness = undefined;
    });

    async function started(): Promise<ManifestSourceHarness> {
      harness = await makeSource({ 'release-a': releaseDocument('release-a', '1.0.0') });
      expect(harness.source.current()).toBeUndefined();
      await harness.source.start();
      return harness;
    }

    it('has a snapshot with the initial manifests once started', async () => {
      const { source } = await started();
      const snapshot = source.current();
      expect(snapshot?.revision).toMatch(/\S/);
      expect(text(snapshot)).toContain('name: release-a');
    });

    it('sync() sees a change, gives a new revision, and notifies listeners once', async () => {
      const { source, apply } = await started();
      const before = source.current();
      const seen: ManifestSnapshot[] = [];
      source.onChange((snapshot) => seen.push(snapshot));
      await apply({ 'release-b': releaseDocument('release-b', '2.0.0') });
      const after = await source.sync();
      expect(after.revision).not.toBe(before?.revision);
      expect(text(after)).toContain('name: release-b');
      expect(text(after)).toContain('name: release-a');
      expect(source.current()).toEqual(after);
      expect(seen).toEqual([after]);
    });

    it('sync() without a change keeps the revision and does not notify', async () => {
      const { source } = await started();
      const before = source.current();
      let calls = 0;
      source.onChange(() => (calls += 1));
      const after = await source.sync();
      expect(after.revision).toBe(before?.revision);
      expect(after.files).toEqual(before?.files);
      expect(calls).toBe(0);
    });

    it('a change outside the manifests keeps the revision (no self-triggering)', async () => {
      const { source, touchNonManifest } = await started();
      const before = source.current();
      let calls = 0;
      source.onChange(() => (calls += 1));
      await touchNonManifest();
      const after = await source.sync();
      expect(after.revision).toBe(before?.revision);
      expect(calls).toBe(0);
    });

    it('sees a deletion', async () => {
      const { source, apply } = await started();
      await apply({ 'release-b': releaseDocument('release-b', '2.0.0') });
      await source.sync();
      await apply({ 'release-a': null });
      const after = await source.sync();
      expect(text(after)).not.toContain('name: release-a');
      expect(text(after)).toContain('name: release-b');
    });

    it('concurrent syncs coalesce and all resolve to the latest snapshot', async () => {
      const { source, apply } = await started();
      await apply({ 'release-c': releaseDocument('release-c', '3.0.0') });
      const results = await Promise.all([source.sync(), source.sync(), source.sync(), source.sync()]);
      const last = results.at(-1);
      expect(text(last)).toContain('name: release-c');
      expect(source.current()?.revision).toBe(last?.revision);
    });

    it('an unsubscribed listener is not called; stop() is idempotent', async () => {
      const { source, apply } = await started();
      let calls = 0;
      const unsubscribe = source.onChange(() => (calls += 1));
      unsubscribe();
      await apply({ 'release-d': releaseDocument('release-d', '4.0.0') });
      await source.sync();
      expect(calls).toBe(0);
      await source.stop();
      await source.stop();
    });
  });
}
