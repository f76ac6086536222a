import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 package signatures.
 *
 * What is signed is a short, domain-separated message over the package identity and the
 * file's SHA-256 — never the file itself — so an agent that already hashed the download
 * (it must, to check the digest) can verify without reading the file a second time.
 * The exact byte layout is documented in docs/security.md and must never change for v1:
 *
 * ```text
 * ringmaster.dev/package-signature/v1\n
 * <package>\n
 * <version>\n
 * <os>/<arch>\n
 * <sha256 lowercase hex>\n
 * ```
 */

/** The identity of one signed package file. `sha256` is the file's digest in hex. */
export interface SignatureSubject {
  package: string;
  version: string;
  os: string;
  arch: string;
  sha256: string;
}

/** An Ed25519 key pair as PEM text: PKCS#8 private key, SPKI public key. */
export interface SigningKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** Domain separator: a signature over this message can never be confused with another protocol's. */
export const SIGNATURE_DOMAIN = 'ringmaster.dev/package-signature/v1';

/** Length in bytes of every Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/**
 * Thrown by {@link signPackage} when the key is not an Ed25519 private key, or when the
 * subject cannot be signed unambiguously (a line break or NUL in a field, an empty
 * version, os or arch, a "/" in os or arch, a digest that is not 64 hex digits).
 */
export class SigningKeyError extends Error {
  readonly code = 'E_SIGNING_KEY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeyError';
  }
}

/**
 * The exact bytes that are signed for `subject` (UTF-8). The digest is lower-cased so a
 * signature does not depend on how a tool happened to print the hex.
 */
export function signatureMessage(subject: SignatureSubject): Buffer {
  const text =
    `${SIGNATURE_DOMAIN}\n${subject.package}\n${subject.version}\n` +
    `${subject.os}/${subject.arch}\n${subject.sha256.toLowerCase()}\n`;
  return Buffer.from(text, 'utf8');
}

/**
 * Signs `subject` with an Ed25519 private key (PEM, PKCS#8) and returns the signature as
 * base64. Throws {@link SigningKeyError} (`E_SIGNING_KEY`) if the key is unreadable or
 * not Ed25519, or the subject is ambiguous (see the error's doc).
 */
export function signPackage(privateKeyPem: string, subject: SignatureSubject): string {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    throw new SigningKeyError('signing key is not a readable PEM private key (expected PKCS#8 Ed25519, as written by `ringmaster keys generate`)', { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningKeyError(`signing key is ${key.asymmetricKeyType ?? 'unknown'}, expected ed25519 (create one with \`ringmaster keys generate\`)`);
  }
  const problem = subjectProblem(subject);
  if (problem) throw new SigningKeyError(`cannot sign: ${problem}`);
  return sign(null, signatureMessage(subject), key).toString('base64');
}

/**
 * True when any of `publicKeyPems` verifies `signature` over `subject`. The signature is
 * base64 text (as in YAML and manifest.json) or the raw 64 bytes (as in OpAMP
 * `DownloadableFile.signature`). Never throws: a malformed signature, a signature whose
 * length is not 64 bytes, an unreadable / non-Ed25519 key, or a subject that could not
 * have been signed (see {@link SigningKeyError}) simply does not verify.
 */
export function verifyPackageSignature(
  publicKeyPems: readonly string[],
  subject: SignatureSubject,
  signature: string | Uint8Array,
): boolean {
  const bytes = decodeSignature(signature);
  if (!bytes || subjectProblem(subject)) return false;
  const message = signatureMessage(subject);
  return publicKeyPems.some((pem) => verifyWith(pem, message, bytes));
}

/** Generates a fresh Ed25519 key pair as PEM text. */
export function generateKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

// A newline inside a field would let two different subjects share one message
// ("a" + "b\nc" vs "a\nb" + "c"), and a "/" in os would blur the platform; refuse both.
const FIELD_FORBIDDEN = /[\n\r\0]/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function subjectProblem(subject: SignatureSubject): string | undefined {
  for (const field of ['package', 'version', 'os', 'arch'] as const) {
    const value = subject[field];
    if (FIELD_FORBIDDEN.test(value)) return `${field} ${JSON.stringify(value)} contains a line break or NUL`;
    // The package may be "" (the OpAMP top-level package of the Collector supervisor); the rest may not.
    if (value === '' && field !== 'package') return `${field} is empty`;
  }
  if (subject.os.includes('/') || subject.arch.includes('/')) return 'os and arch may not contain "/"';
  if (!HEX_SHA256.test(subject.sha256)) return `sha256 ${JSON.stringify(subject.sha256)} is not 64 hex digits`;
  return undefined;
}

function verifyWith(pem: string, message: Buffer, signature: Buffer): boolean {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

// Strict base64: Buffer.from(..., 'base64') silently skips junk, so a round trip is required.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a signature given as base64 text or raw bytes; `undefined` unless it is exactly
 * 64 bytes of strict (padded, standard-alphabet) base64. Never throws.
 */
export function decodeSignature(signature: string | Uint8Array): Buffer | undefined {
  if (typeof signature !== 'string') {
    return signature.byteLength === SIGNATURE_BYTES ? Buffer.from(signature) : undefined;
  }
  const text = signature.trim();
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === SIGNATURE_BYTES ? bytes : undefined;
}
