/**
 * JSON merge patches (RFC 7386) computed from two documents, so a status write sends only
 * what changed and removes what disappeared (a field absent from a merge patch is kept).
 */
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merge patch that turns `from` into `to`: changed and new keys with their new values,
 * removed keys as `null`, nested objects recursively, arrays replaced whole (RFC 7386 has
 * no array edits). `to` must hold no `null` values (merge patch cannot express them).
 */
export function createMergePatch(from: unknown, to: unknown): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const source = isObject(from) ? from : {};
  const target = isObject(to) ? to : {};
  for (const key of Object.keys(source)) {
    if (!(key in target) || target[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(target)) {
    if (value === undefined) continue;
    const old = source[key];
    if (isObject(old) && isObject(value)) {
      const inner = createMergePatch(old, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!isDeepStrictEqual(old, value)) {
      patch[key] = value as Json;
    }
  }
  return patch;
}
