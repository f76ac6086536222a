/** Limits that keep hostile or accidental input from exhausting memory or time. */
export interface ManifestLimits {
  /** Largest manifest file, in UTF-8 bytes. Checked before parsing. */
  maxFileBytes: number;
  /** Largest single YAML document of a multi-document file, in UTF-8 bytes. */
  maxDocumentBytes: number;
  /** Most YAML documents in one file. */
  maxDocumentsPerFile: number;
  /** Most alias (`*ref`) resolutions per document (yaml's `maxAliasCount`): stops billion laughs. */
  maxAliasCount: number;
  /** Deepest nesting of flow collections (`[…]`, `{…}`), checked before parsing. */
  maxFlowDepth: number;
  /** Most manifest files read from one tree. */
  maxFiles: number;
  /** Largest total of all manifest files of one tree, in bytes. */
  maxTotalBytes: number;
}

/** Defaults: generous for real fleet repositories, small enough to refuse abuse quickly. */
export const DEFAULT_MANIFEST_LIMITS: Readonly<ManifestLimits> = Object.freeze({
  maxFileBytes: 1024 * 1024,
  maxDocumentBytes: 512 * 1024,
  maxDocumentsPerFile: 64,
  maxAliasCount: 100,
  maxFlowDepth: 64,
  maxFiles: 5_000,
  maxTotalBytes: 64 * 1024 * 1024,
});

/** Fills in defaults for the limits not given. */
export function resolveLimits(limits: Partial<ManifestLimits> = {}): ManifestLimits {
  return { ...DEFAULT_MANIFEST_LIMITS, ...limits };
}

/**
 * UTF-8 length of `text` without allocating an encoded copy. Lone surrogates count as the
 * 3-byte replacement character, as TextEncoder would write them.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
