import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  signatureMessage,
  signPackage,
  SigningKeyError,
  verifyPackageSignature,
  type SignatureSubject,
} from '../../src/artifacts/signing.ts';

const subject: SignatureSubject = {
  package: 'otelcol-acme',
  version: '1.4.2',
  os: 'linux',
  arch: 'amd64',
  sha256: 'ab'.repeat(32),
};

describe('signatureMessage', () => {
  it('is exactly the documented v1 message', () => {
    expect(signatureMessage(subject).toString('utf8')).toBe(
      `ringmaster.dev/package-signature/v1\notelcol-acme\n1.4.2\nlinux/amd64\n${'ab'.repeat(32)}\n`,
    );
  });

  it('lower-cases the digest so hex casing does not change the signature', () => {
    expect(signatureMessage({ ...subject, sha256: 'AB'.repeat(32) })).toEqual(signatureMessage(subject));
  });
});

describe('signPackage / verifyPackageSignature', () => {
  const keys = generateKeyPair();
  const other = generateKeyPair();
  const signature = signPackage(keys.privateKeyPem, subject);

  it('writes PEM keys: PKCS#8 private, SPKI public', () => {
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('produces a base64 signature of 64 bytes that verifies as text and as raw bytes', () => {
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(verifyPackageSignature([keys.publicKeyPem], subject, signature)).toBe(true);
    expect(verifyPackageSignature([keys.publicKeyPem], subject, new Uint8Array(Buffer.from(signature, 'base64')))).toBe(true);
  });

  it('verifies when any of several keys matches (key rotation)', () => {
    expect(verifyPackageSignature([other.publicKeyPem, keys.publicKeyPem], subject, signature)).toBe(true);
  });

  it('fails with another key or no keys', () => {
    expect(verifyPackageSignature([other.publicKeyPem], subject, signature)).toBe(false);
    expect(verifyPackageSignature([], subject, signature)).toBe(false);
  });

  it.each([
    ['package', { package: 'otelcol-acmf' }],
    ['version', { version: '1.4.3' }],
    ['os', { os: 'darwin' }],
    ['arch', { arch: 'arm64' }],
    ['digest', { sha256: `${'ab'.repeat(31)}ac` }],
  ])('fails when the %s differs', (_name, change) => {
    expect(verifyPackageSignature([keys.publicKeyPem], { ...subject, ...change }, signature)).toBe(false);
  });

  it.each([
    ['a line break in a field', { version: '1.4.2\nx' }],
    ['a NUL in a field', { package: 'a\0b' }],
    ['an empty os', { os: '' }],
    ['an empty version', { version: '' }],
    ['a slash in os', { os: 'linux/x' }],
    ['a digest that is not hex', { sha256: 'zz'.repeat(32) }],
  ])('refuses to sign, and never verifies, an ambiguous subject (%s)', (_name, change) => {
    const bad = { ...subject, ...change };
    expect(() => signPackage(keys.privateKeyPem, bad)).toThrow(/cannot sign/);
    // Even a correct Ed25519 signature over the raw message is not accepted for such a subject.
    const forged = sign(null, signatureMessage(bad), createPrivateKey(keys.privateKeyPem)).toString('base64');
    expect(verifyPackageSignature([keys.publicKeyPem], bad, forged)).toBe(false);
  });

  it('fails on every single flipped bit of the signature', () => {
    const raw = Buffer.from(signature, 'base64');
    for (let i = 0; i < raw.length; i++) {
      const flipped = Buffer.from(raw);
      flipped[i] = flipped[i]! ^ 0x01;
      expect(verifyPackageSignature([keys.publicKeyPem], subject, flipped)).toBe(false);
    }
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!not-base64!!!'],
    ['63 bytes', Buffer.alloc(63).toString('base64')],
    ['65 bytes', Buffer.alloc(65).toString('base64')],
    ['raw 63 bytes', new Uint8Array(63)],
    ['base64 with junk inside', `${signature.slice(0, 10)}*${signature.slice(10)}`],
  ])('returns false, never throws, on a malformed signature (%s)', (_name, bad) => {
    expect(verifyPackageSignature([keys.publicKeyPem], subject, bad)).toBe(false);
  });

  it('returns false, never throws, on a malformed or non-Ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyPackageSignature(['not a key'], subject, signature)).toBe(false);
    expect(verifyPackageSignature([rsa], subject, signature)).toBe(false);
    expect(verifyPackageSignature(['garbage', keys.publicKeyPem], subject, signature)).toBe(true);
  });

  it('refuses to sign with an unreadable or non-Ed25519 key, with code E_SIGNING_KEY', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => signPackage('nope', subject)).toThrow(SigningKeyError);
    expect(() => signPackage(rsa, subject)).toThrow(/expected ed25519/);
    try {
      signPackage('nope', subject);
    } catch (err) {
      expect((err as SigningKeyError).code).toBe('E_SIGNING_KEY');
    }
  });

  it('signs the empty package name the Collector supervisor uses for its top-level package', () => {
    const topLevel = { ...subject, package: '' };
    expect(signatureMessage(topLevel).toString()).toMatch(/^ringmaster\.dev\/package-signature\/v1\n\n1\.4\.2\n/);
    expect(verifyPackageSignature([keys.publicKeyPem], topLevel, signPackage(keys.privateKeyPem, topLevel))).toBe(true);
  });

  it('is deterministic (Ed25519): the same key and subject give the same signature', () => {
    expect(signPackage(keys.privateKeyPem, subject)).toBe(signature);
  });
});

function hasOpenssl(): boolean {
  try {
    return /^OpenSSL 3/.test(execFileSync('openssl', ['version'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

describe('interoperability', () => {
  it.skipIf(!hasOpenssl())('an independent implementation (OpenSSL 3) verifies the documented message and signature', () => {
    const keys = generateKeyPair();
    const dir = mkdtempSync(join(tmpdir(), 'rm-openssl-'));
    try {
      writeFileSync(join(dir, 'message'), signatureMessage(subject));
      writeFileSync(join(dir, 'signature'), Buffer.from(signPackage(keys.privateKeyPem, subject), 'base64'));
      writeFileSync(join(dir, 'key.pub'), keys.publicKeyPem);
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'key.pub'), '-rawin', '-in', join(dir, 'message'), '-sigfile', join(dir, 'signature')], { encoding: 'utf8' });
      expect(out).toContain('Signature Verified Successfully');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
