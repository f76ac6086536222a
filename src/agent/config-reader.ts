/**
 * Typed, located reads from a YAML document: every problem is collected with the file,
 * line and column of the offending node, so an operator sees all mistakes at once.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { parseDuration } from '../manifests/duration.ts';

/** Keys and list indexes from the document root, e.g. `["sidecars", 0, "binary"]`. */
export type ConfigPath = readonly (string | number)[];

/** One problem in a configuration file. */
export interface ConfigDiagnostic {
  /** `file:line:column`. */
  where: string;
  /** Dotted path of the key, e.g. `collector.healthWindow`. */
  path: string;
  message: string;
}

/** Reads typed values; a wrong type is recorded as a diagnostic and read as undefined. */
export interface ConfigReader {
  readonly diagnostics: ConfigDiagnostic[];
  error(path: ConfigPath, message: string): void;
  has(path: ConfigPath): boolean;
  /** The plain value at `path`, unchecked. */
  value(path: ConfigPath): unknown;
  /** An object at `path` (undefined when absent); unknown keys are reported. */
  map(path: ConfigPath, known: readonly string[]): Record<string, unknown> | undefined;
  /** A mapping with free keys (labels). */
  record(path: ConfigPath): Record<string, unknown> | undefined;
  list(path: ConfigPath): unknown[] | undefined;
  string(path: ConfigPath): string | undefined;
  strings(path: ConfigPath): string[] | undefined;
  boolean(path: ConfigPath): boolean | undefined;
  integer(path: ConfigPath, min: number, max: number): number | undefined;
  /** A Go-style duration (`30s`, `1m30s`, `500ms`) in ms. */
  duration(path: ConfigPath): number | undefined;
  /** Bytes: an integer, or a number with `KiB`/`MiB`/`GiB`. */
  size(path: ConfigPath): number | undefined;
}

/** Parses YAML text; syntax errors become diagnostics of the returned reader. */
export function createConfigReader(file: string, text: string): ConfigReader {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const data: unknown = doc.errors.length === 0 ? doc.toJS() : undefined;
  const diagnostics: ConfigDiagnostic[] = [];
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  for (const e of doc.errors) diagnostics.push({ where: where(e.pos[0]), path: '', message: e.message.split('\n')[0] ?? e.message });

  const error = (path: ConfigPath, message: string): void => {
    // Point at the node itself when present, else at its nearest existing parent.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range || n === 0) {
        diagnostics.push({ where: where(node?.range?.[0]), path: path.join('.'), message });
        return;
      }
    }
  };
  // Unknown keys point at the key itself, not at its value.
  const errorAtKey = (path: ConfigPath, key: string, message: string): void => {
    const node = doc.getIn(path, true);
    const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const range = isScalar(pair?.key) ? pair.key.range : undefined;
    diagnostics.push({ where: where(range?.[0]), path: [...path, key].join('.'), message });
  };
  const get = (path: ConfigPath): unknown => path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), data);
  const typed = <T>(path: ConfigPath, check: (v: unknown) => v is T, what: string): T | undefined => {
    const v = get(path);
    if (v === undefined || v === null) return undefined;
    if (check(v)) return v;
    error(path, `must be ${what}, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const isString = (v: unknown): v is string => typeof v === 'string';

  return {
    diagnostics,
    error,
    has: (path) => get(path) !== undefined && get(path) !== null,
    value: get,
    map(path, known) {
      const v = typed(path, (x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x), 'a mapping');
      for (const key of Object.keys(v ?? {})) {
        if (!known.includes(key)) errorAtKey(path, key, `unknown key "${key}" (known: ${known.join(', ')})`);
      }
      return v;
    },
    record: (path) => typed(path, (x): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x), 'a mapping'),
    list: (path) => typed(path, (x): x is unknown[] => Array.isArray(x), 'a list'),
    string: (path) => typed(path, isString, 'a string'),
    strings: (path) => typed(path, (x): x is string[] => Array.isArray(x) && x.every(isString), 'a list of strings'),
    boolean: (path) => typed(path, (x): x is boolean => typeof x === 'boolean', 'true or false'),
    integer(path, min, max) {
      return typed(path, (x): x is number => Number.isInteger(x) && (x as number) >= min && (x as number) <= max, `an integer from ${min} to ${max}`);
    },
    duration(path) {
      const v = typed(path, isString, 'a duration such as "30s" or "1m30s"');
      if (v === undefined) return undefined;
      const ms = parseDuration(v);
      if (ms === undefined) error(path, `"${v}" is not a duration (examples: 500ms, 30s, 1m30s, 2h)`);
      return ms;
    },
    size(path) {
      const v = get(path);
      if (v === undefined || v === null) return undefined;
      const m = typeof v === 'number' ? [String(v), String(v), ''] : /^(\d+)\s*(B|KiB|MiB|GiB)?$/.exec(String(v));
      const units: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
      if (!m || !Number.isSafeInteger(Number(m[1]))) {
        error(path, `must be a size in bytes such as 536870912 or "512MiB", got ${JSON.stringify(v)}`);
        return undefined;
      }
      return Number(m[1]) * (units[m[2] ?? ''] ?? 1);
    },
  };
}
