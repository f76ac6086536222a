import { describe, expect, it } from 'vitest';
import type { AgentLocalState } from '../../src/agent/state-store.ts';
import { planPackageSync, type SyncStep } from '../../src/agent/sync-plan.ts';
import type { PackageAvailable, PackagesAvailable } from '../../src/opamp/messages.ts';
import { PackageType } from '../../src/opamp/messages.ts';

const h = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);
const hex = (byte: number): string => Buffer.from(h(byte)).toString('hex');
const file = { downloadUrl: 'http://a/f', contentHash: h(9) };
const top = (hash: number, extra: Partial<PackageAvailable> = {}): PackageAvailable => ({ type: PackageType.TopLevel, version: '1.5.0', hash: h(hash), file, ...extra });
const addon = (hash: number): PackageAvailable => ({ type: PackageType.Addon, version: '0.1.0', hash: h(hash), file });
const state = (over: Partial<AgentLocalState> = {}): AgentLocalState => ({
  packages: { otelcol: { type: 'TopLevel', version: '1.4.0', hash: hex(1), sha256: hex(9) }, extras: { type: 'Addon', version: '0.1.0', hash: hex(2), sha256: hex(9) } },
  failures: {},
  ...over,
});
const kinds = (steps: SyncStep[]): string[] => steps.map((s) => `${s.kind}:${s.name}`);

describe('planPackageSync', () => {
  const table: { name: string; offer: PackagesAvailable; state?: AgentLocalState; want: string[] }[] = [
    { name: 'equal package hash: keep', offer: { packages: { otelcol: top(1), extras: addon(2) } }, want: ['keep:extras', 'keep:otelcol'] },
    { name: 'new hash: install', offer: { packages: { otelcol: top(3), extras: addon(2) } }, want: ['keep:extras', 'install:otelcol'] },
    { name: 'addon not offered: remove', offer: { packages: { otelcol: top(1) } }, want: ['keep:otelcol', 'remove:extras'] },
    { name: 'top-level not offered: retained, never deleted', offer: { packages: {} }, want: ['remove:extras', 'retain:otelcol'] },
    { name: 'a new addon: install', offer: { packages: { otelcol: top(1), extras: addon(2), more: addon(4) } }, want: ['keep:extras', 'install:more', 'keep:otelcol'] },
    { name: 'no file and the same hash: keep', offer: { packages: { otelcol: { type: PackageType.TopLevel, version: '1.4.0', hash: h(1) }, extras: addon(2) } }, want: ['keep:extras', 'keep:otelcol'] },
    {
      name: 'a hash that already failed is not retried',
      offer: { packages: { otelcol: top(5), extras: addon(2) } },
      state: state({ failures: { otelcol: { version: '1.5.0', hash: hex(5), error: 'E_HEALTH: x' } } }),
      want: ['keep:extras', 'fail:otelcol'],
    },
  ];
  for (const t of table) {
    it(t.name, () => expect(kinds(planPackageSync(t.offer, t.state ?? state()))).toEqual(t.want));
  }

  const bad: { name: string; offered: PackageAvailable; error: string }[] = [
    { name: 'no file and another hash', offered: { type: PackageType.TopLevel, version: '1.5.0', hash: h(7) }, error: 'E_NO_FILE: no file offered for package "otelcol" version 1.5.0, and the agent does not have that package hash' },
    { name: 'no package hash', offered: top(0, { hash: new Uint8Array() }), error: 'E_BAD_OFFER: package "otelcol" was offered without a package hash' },
    { name: 'no version', offered: top(7, { version: '' }), error: 'E_BAD_OFFER: package "otelcol" was offered without a version' },
    { name: 'no download URL', offered: top(7, { file: { contentHash: h(9) } }), error: 'E_BAD_OFFER: package "otelcol" 1.5.0 has no download_url' },
    { name: 'short content hash', offered: top(7, { file: { downloadUrl: 'http://a/f', contentHash: new Uint8Array(20) } }), error: 'E_BAD_OFFER: package "otelcol" 1.5.0 content_hash must be the 32-byte SHA-256 of the file, got 20 bytes' },
    { name: 'unknown type', offered: top(7, { type: 9 }), error: 'E_BAD_OFFER: package "otelcol" has unknown type 9' },
  ];
  for (const t of bad) {
    it(`a bad offer fails with its reason, never throws: ${t.name}`, () => {
      const steps = planPackageSync({ packages: { otelcol: t.offered } }, state({ packages: {} }));
      expect(steps).toEqual([{ kind: 'fail', name: 'otelcol', offered: t.offered, error: t.error }]);
    });
  }
});
