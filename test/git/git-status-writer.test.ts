/**
 * The Git status writer on real repositories: batching, messages, identity, files, the
 * concurrent human push, separate branches, failures and credentials.
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitStatusWriter, type GitStatusWriterOptions } from '../../src/status/git/git-status-writer.ts';
import { sampleInventory, sampleStatus } from '../contract/status-writer.contract.ts';
import { createGitFixture, git, waitFor, type GitFixture } from './git-fixture.ts';

describe('Git status writer', () => {
  let fixture: GitFixture;
  let human: string;
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    fixture = await createGitFixture();
    human = await fixture.commit({ 'fleet/policy.yaml': 'kind: RolloutPolicy\n' }, 'initial fleet');
  });

  afterEach(async () => {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    await fixture.cleanup();
  });

  function writer(options: Partial<GitStatusWriterOptions> = {}) {
    const created = createGitStatusWriter({ url: fixture.remote, path: 'fleet', workDir: fixture.workDir('status'), intervalMs: 60_000, ...options });
    closers.push(() => created.close());
    return created;
  }

  it('commits canonical files as the bot, with a message that says what happened', async () => {
    const w = writer();
    await w.write('otelcol-custom', sampleStatus(), 'ring canary succeeded (5/5), baking until 09:34Z');
    await w.flush();
    const [latest] = await fixture.log('main', '%an <%ae>|%cn <%ce>|%s|%b');
    expect(latest).toBe('Ringmaster <ringmaster@localhost>|Ringmaster <ringmaster@localhost>|otelcol-custom: ring canary succeeded (5/5), baking until 09:34Z|');
    const file = await fixture.show('main', 'fleet/status/otelcol-custom.yaml');
    expect(file?.split('\n').slice(0, 7)).toEqual([
      'observedRevision: 3f2c9e1d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d',
      'specHash: 7b1e0f',
      'phase: Baking',
      'release: otelcol-custom-1.5.0',
      'stableRelease: otelcol-custom-1.4.0',
      'currentRing: canary',
      'startedAt: 2026-11-21T09:00:00Z',
    ]);
    expect(await fixture.show('main', 'fleet/policy.yaml')).toBe('kind: RolloutPolicy\n');
    expect(w.stats()).toMatchObject({ commits: 1, pendingPolicies: 0 });
  });

  it('uses a configured identity', async () => {
    const w = writer({ author: { name: 'Fleet Bot', email: 'fleet-bot@example.com' } });
    await w.write('p', sampleStatus(), 'x');
    await w.flush();
    expect((await fixture.log('main', '%an <%ae>'))[0]).toBe('Fleet Bot <fleet-bot@example.com>');
  });

  it('commits at most once per interval, coalescing writes and listing every summary', async () => {
    const intervalMs = 1500;
    const w = writer({ intervalMs });
    const before = Date.now();
    await w.write('p', sampleStatus('Progressing'), 'ring canary started');
    await waitFor(() => w.stats().commits === 1, 20_000, 'the first commit');
    await w.write('p', sampleStatus('Baking'), 'ring canary succeeded (5/5)');
    await w.write('q', sampleStatus('Progressing', 'q-1'), 'rollout started');
    await w.write('p', sampleStatus('WaitingApproval'), 'ring everyone waits for approval');
    await waitFor(() => w.stats().commits === 2, 20_000, 'the second commit');
    // The second commit started no earlier than one interval after the first one started.
    expect(Date.now() - before).toBeGreaterThanOrEqual(intervalMs);
    const message = await git(fixture.remote, 'log', '-1', '--format=%B', 'main');
    expect(message.trim()).toBe([
      'p: ring everyone waits for approval; q: rollout started',
      '',
      '- p: ring canary succeeded (5/5)',
      '- p: ring everyone waits for approval',
      '- q: rollout started',
    ].join('\n'));
    expect((await fixture.show('main', 'fleet/status/p.yaml'))).toContain('phase: WaitingApproval');
    expect(await fixture.log('main')).toHaveLength(3);
  });

  it('keeps subjects within 72 characters', async () => {
    const w = writer();
    await w.write('otelcol-custom', sampleStatus(), `ring canary succeeded (5/5), ${'and then some more words '.repeat(5)}`);
    await w.flush();
    const [subject] = await fixture.log('main', '%s');
    expect([...(subject ?? '')].length).toBeLessThanOrEqual(72);
    expect(subject).toMatch(/^otelcol-custom: ring canary succeeded \(5\/5\), and then.*…$/);
  });

  it('commits the inventory sorted by uid, alone with its own message, and not for generatedAt alone', async () => {
    const w = writer();
    const inventory = sampleInventory(3);
    await w.writeInventory({ ...inventory, agents: [...inventory.agents].reverse() });
    await w.flush();
    expect((await fixture.log('main', '%s'))[0]).toBe('status: inventory (3 agents)');
    const text = await fixture.show('main', 'fleet/status/inventory.json');
    expect(JSON.parse(text ?? '')).toEqual(inventory);
    expect(text?.split('\n').filter((line) => line.includes('"uid"'))).toHaveLength(3); // one agent per line
    await w.writeInventory(sampleInventory(3, '2026-11-21T10:00:00Z'));
    expect(w.stats().inventoryPending).toBe(false);
    await w.flush();
    expect(await fixture.log('main')).toHaveLength(2);
  });

  it('holds inventory-only changes for the inventory interval, but lets them ride along with a status', async () => {
    const w = writer({ intervalMs: 100, inventoryIntervalMs: 60_000 });
    await w.writeInventory(sampleInventory(2));
    await waitFor(() => w.stats().commits === 1, 20_000, 'the first inventory commit');
    await w.writeInventory(sampleInventory(4));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(w.stats()).toMatchObject({ commits: 1, inventoryPending: true });
    expect(await fixture.log('main')).toHaveLength(2);
    await w.write('p', sampleStatus(), 'ring canary started');
    await waitFor(() => w.stats().commits === 2, 20_000, 'the status commit');
    expect((await git(fixture.remote, 'log', '-1', '--format=%B', 'main')).trim()).toBe('p: ring canary started\n\n- p: ring canary started\n- inventory: 4 agents');
    expect(JSON.parse((await fixture.show('main', 'fleet/status/inventory.json')) ?? '').agents).toHaveLength(4);
  });

  it('keeps a human commit pushed before the status commit', async () => {
    const w = writer();
    await w.readAll();
    const theirs = await fixture.commit({ 'fleet/policy.yaml': 'kind: RolloutPolicy # approved\n' }, 'approve ring everyone', { clone: 'bob' });
    await w.write('p', sampleStatus(), 'ring canary started');
    await w.flush();
    const log = await fixture.log('main', '%H %P %an %s');
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(new RegExp(`^[0-9a-f]{40} ${theirs} Ringmaster p: ring canary started$`));
    expect(log[1]).toBe(`${theirs} ${human} Alice Human approve ring everyone`);
    expect(await fixture.show('main', 'fleet/policy.yaml')).toBe('kind: RolloutPolicy # approved\n');
  });

  it('a human pushing between its fetch and its push: rejected, rebuilt on the new head, nothing lost', async () => {
    const w = writer();
    await w.readAll(); // creates the work dir, so the hook can go in
    const bob = await fixture.clone('bob');
    await writeFile(join(bob, 'fleet/policy.yaml'), 'kind: RolloutPolicy # bob\n');
    await mkdir(join(bob, 'fleet/status'), { recursive: true });
    await writeFile(join(bob, 'fleet/status/p.yaml'), 'phase: Bogus # a human edited status\n');
    await git(bob, 'add', '.');
    await git(bob, 'commit', '-q', '-m', 'bob edits the policy');
    const theirs = (await git(bob, 'rev-parse', 'HEAD')).trim();
    const hook = join(fixture.workDir('status'), 'hooks', 'pre-push');
    await writeFile(hook, [
      '#!/bin/sh',
      `[ -e "${hook}.done" ] && exit 0`,
      `touch "${hook}.done"`,
      'for v in $(env | sed -n "s/^\\(GIT_[A-Z_]*\\)=.*/\\1/p"); do unset "$v"; done',
      `git -C "${bob}" push -q origin HEAD:refs/heads/main`,
      '',
    ].join('\n'));
    await chmod(hook, 0o755);
    await w.write('p', sampleStatus(), 'ring canary started');
    await w.flush();
    expect(w.stats().pushRejections).toBeGreaterThanOrEqual(1);
    const log = await fixture.log('main', '%H %P %an %s');
    expect(log.map((line) => line.split(' ').slice(2).join(' '))).toEqual(['Ringmaster p: ring canary started', 'Alice Human bob edits the policy', 'Alice Human initial fleet']);
    expect(log[0]?.split(' ')[1]).toBe(theirs);
    expect(await fixture.show('main', 'fleet/policy.yaml')).toBe('kind: RolloutPolicy # bob\n');
    expect(await fixture.show('main', 'fleet/status/p.yaml')).toContain('phase: Baking'); // ours wins on status files
  });

  it('writes to a separate orphan status branch and leaves the watched branch alone', async () => {
    const w = writer({ branch: 'ringmaster/status' });
    await w.write('p', sampleStatus(), 'ring canary started');
    await w.flush();
    expect(await fixture.log('main', '%H')).toEqual([human]);
    expect(await fixture.log('ringmaster/status', '%P|%s')).toEqual(['|p: ring canary started']);
    expect((await git(fixture.remote, 'ls-tree', '-r', '--name-only', 'ringmaster/status')).trim().split('\n')).toEqual(['fleet/status/p.yaml']);
  });

  it('can start a missing status branch from the watched branch instead', async () => {
    const w = writer({ branch: 'status', newBranchFrom: 'watched' });
    await w.write('p', sampleStatus(), 'ring canary started');
    await w.flush();
    expect(await fixture.log('status', '%P|%s')).toEqual([`${human}|p: ring canary started`, '|initial fleet']);
  });

  it('keeps writes pending while the remote is unreachable, then commits them; no token anywhere', async () => {
    let logs = '';
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => { logs += String(chunk); done(); } }));
    const token = 'glpat-TopSecretValue987';
    const w = writer({ auth: { token }, logger, maxPushAttempts: 2, initialBackoffMs: 20 });
    await w.readAll();
    const moved = `${fixture.remote}.away`;
    await rename(fixture.remote, moved);
    await w.write('p', sampleStatus(), `summary mentioning ${token} by mistake`);
    await expect(w.flush()).rejects.toMatchObject({ code: 'E_GIT_PUSH' });
    expect(w.stats()).toMatchObject({ failedBatches: 1, pendingPolicies: 1, lastError: { code: 'E_GIT_PUSH' } });
    await rename(moved, fixture.remote);
    await w.flush();
    expect(w.stats()).toMatchObject({ commits: 1, pendingPolicies: 0 });
    expect((await fixture.log('main', '%B')).join('\n')).not.toContain(token);
    expect(logs).toContain('status push failed');
    expect(logs).not.toContain(token);
  });

  it('resumes after a restart in the same work dir: reads back, and rewriting the same status commits nothing', async () => {
    const first = writer({ branch: 'status' });
    await first.write('p', sampleStatus(), 'ring canary started');
    await first.writeInventory(sampleInventory(2));
    await first.close();
    const second = writer({ branch: 'status' });
    expect(await second.readAll()).toEqual({ p: sampleStatus() });
    await second.write('p', sampleStatus(), 'same again after restart');
    await second.writeInventory(sampleInventory(2, '2026-11-21T11:00:00Z'));
    expect(second.stats()).toMatchObject({ pendingPolicies: 0, inventoryPending: false });
    await second.flush();
    expect(await fixture.log('status')).toHaveLength(1);
  });

  it('skips unreadable status files on readAll instead of failing', async () => {
    await fixture.commit({ 'fleet/status/broken.yaml': 'phase: [unclosed\n', 'fleet/status/notes.yaml': '- just a list\n' }, 'humans break status');
    const w = writer();
    await w.write('good', sampleStatus(), 'x');
    await w.flush();
    expect(Object.keys(await w.readAll())).toEqual(['good']);
  });
});
