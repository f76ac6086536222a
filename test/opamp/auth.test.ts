import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OpampTokenError, createAuthenticator, readTokens } from '../../src/opamp/auth.ts';
import { OpampConfigError, resolveOptions } from '../../src/opamp/options.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const requestWith = (authorization?: string, authorized = false): IncomingMessage =>
  ({ headers: authorization === undefined ? {} : { authorization }, socket: { authorized } }) as unknown as IncomingMessage;

describe('createAuthenticator', () => {
  it('lets anyone in when nothing is configured, and says it is not enforcing', () => {
    const auth = createAuthenticator([], false);
    expect(auth.enforcing).toBe(false);
    expect(auth.check(requestWith())).toBe(true);
  });

  it.each([
    ['Bearer alpha', true],
    ['bearer beta', true],
    ['Bearer alph', false],
    ['Bearer alphaa', false],
    ['Basic alpha', false],
    ['alpha', false],
    [undefined, false],
  ])('with tokens, %j → %s', (header, want) => {
    expect(createAuthenticator(['alpha', 'beta'], false).check(requestWith(header))).toBe(want);
  });

  it('accepts a verified client certificate when client certificates are on, and only then', () => {
    expect(createAuthenticator([], true).check(requestWith(undefined, true))).toBe(true);
    expect(createAuthenticator([], true).check(requestWith(undefined, false))).toBe(false);
    expect(createAuthenticator(['alpha'], false).check(requestWith(undefined, true))).toBe(false);
  });
});

describe('readTokens', () => {
  it('merges a token file (comments, blank lines) and an environment variable, de-duplicated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ringmaster-opamp-tokens-'));
    dirs.push(dir);
    const file = join(dir, 'tokens');
    await writeFile(file, '# agents\nalpha\n\n  beta  # fleet b\r\n');
    expect(await readTokens({ file, env: 'RM_TOKENS', environment: { RM_TOKENS: 'gamma, alpha\ndelta' } })).toEqual(['alpha', 'beta', 'gamma', 'delta']);
  });

  it('reads nothing from an unset variable', async () => {
    expect(await readTokens({ env: 'RM_UNSET', environment: {} })).toEqual([]);
  });

  it('fails clearly on a missing file and on a token with whitespace', async () => {
    await expect(readTokens({ file: '/nonexistent/ringmaster-tokens' })).rejects.toMatchObject({ code: 'E_OPAMP_TOKENS', message: expect.stringMatching(/cannot read agent token file \/nonexistent\/ringmaster-tokens/) });
    await expect(readTokens({ env: 'T', environment: { T: 'one two' } })).rejects.toThrow(OpampTokenError);
  });
});

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveOptions({})).toMatchObject({ maxMessageBytes: 16 * 1024 * 1024, heartbeatIntervalSeconds: 30, maxBadMessages: 5, tokens: [] });
  });

  it.each([
    [{ maxMessageBytes: 0 }, /maxMessageBytes must be a positive number/],
    [{ burst: Number.NaN }, /burst must be a positive number/],
    [{ publicBaseUrl: 'store/' }, /publicBaseUrl must be an absolute URL/],
    [{ tokens: ['has space'] }, /tokens must be non-empty/],
  ])('rejects %o', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(OpampConfigError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});
