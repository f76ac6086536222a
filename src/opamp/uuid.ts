/**
 * Instance uids: 16 raw bytes on the wire, canonical lowercase 8-4-4-4-12 strings in the
 * fleet view. New uids are UUID v7 (RFC 9562 §5.7), as the OpAMP spec recommends.
 */
import { randomFillSync } from 'node:crypto';

/** A uid string or byte array that is not a UUID. */
export class InvalidUuidError extends Error {
  readonly code = 'E_OPAMP_UUID' as const;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidUuidError';
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A new UUID v7: 48-bit big-endian Unix milliseconds (`now`, default the system clock),
 * version 7, variant 0b10, 74 random bits.
 */
export function uuidv7(now: number = Date.now()): Uint8Array {
  const bytes = new Uint8Array(16);
  randomFillSync(bytes, 6);
  let millis = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = millis % 256;
    millis = Math.floor(millis / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  return bytes;
}

/** Renders 16 bytes as a lowercase 8-4-4-4-12 string; throws `InvalidUuidError` on any other length. */
export function uuidToString(bytes: Uint8Array): string {
  if (bytes.byteLength !== 16) {
    throw new InvalidUuidError(`instance uid must be 16 bytes, got ${bytes.byteLength}`);
  }
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses an 8-4-4-4-12 UUID string (any case) into 16 bytes; throws `InvalidUuidError` otherwise. */
export function uuidFromString(text: string): Uint8Array {
  if (!uuidPattern.test(text)) {
    throw new InvalidUuidError(`not a UUID (want 8-4-4-4-12 hex digits): ${JSON.stringify(text.slice(0, 64))}`);
  }
  return new Uint8Array(Buffer.from(text.replaceAll('-', ''), 'hex'));
}
