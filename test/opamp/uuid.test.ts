import { describe, expect, it } from 'vitest';
import { InvalidUuidError, uuidFromString, uuidToString, uuidv7 } from '../../src/opamp/uuid.ts';

describe('uuidv7', () => {
  it('lays out timestamp, version and variant as RFC 9562 §5.7 says', () => {
    const now = 0x0123_4567_89ab;
    const uid = uuidv7(now);
    expect(uid.byteLength).toBe(16);
    expect(Buffer.from(uid.subarray(0, 6)).toString('hex')).toBe('0123456789ab');
    expect((uid[6] ?? 0) >> 4).toBe(7);
    expect((uid[8] ?? 0) >> 6).toBe(0b10);
    expect(uuidToString(uid)).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is random beyond the timestamp', () => {
    const seen = new Set(Array.from({ length: 100 }, () => uuidToString(uuidv7(1))));
    expect(seen.size).toBe(100);
  });
});

describe('uuid strings', () => {
  it('round-trips lowercase 8-4-4-4-12', () => {
    const text = '0192f0c5-1e2d-7abc-8def-0123456789ab';
    expect(uuidToString(uuidFromString(text))).toBe(text);
    expect(uuidToString(uuidFromString(text.toUpperCase()))).toBe(text);
  });

  it.each([new Uint8Array(0), new Uint8Array(15), new Uint8Array(17)])('rejects %o bytes', (bytes) => {
    expect(() => uuidToString(bytes)).toThrow(InvalidUuidError);
  });

  it.each(['', 'not-a-uuid', '0192f0c51e2d7abc8def0123456789ab', '0192f0c5-1e2d-7abc-8def-0123456789ag'])('rejects %j', (text) => {
    expect(() => uuidFromString(text)).toThrow(/not a UUID/);
  });
});
