/**
 * Maps a JSON pointer inside a parsed YAML document back to the line and column of the node
 * it names, so schema errors found on plain data point at the text the user wrote.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceLocation } from './types.ts';

/** Whether to point at a mapping entry's key (unknown or missing fields) or its value. */
export type LocateAt = 'key' | 'value';

/** Splits a JSON pointer (`/spec/rings/0/name`, RFC 6901) into unescaped segments. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Joins segments into a JSON pointer, escaping `~` and `/`. */
export function joinPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${escapeSegment(String(s))}`).join('');
}

/**
 * Finds the node at `pointer`; when the path leaves the document (a missing field), the
 * deepest existing ancestor is used, which is where the user has to add it.
 */
export function locatePointer(
  doc: Document.Parsed,
  lines: LineCounter,
  file: string,
  pointer: string,
  at: LocateAt = 'value',
): SourceLocation {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const segment of splitPointer(pointer)) {
    if (isAlias(node)) node = node.resolve(doc);
    const step = childOf(node, segment);
    if (!step) break;
    const keyStart = rangeStart(step.key);
    const valueStart = rangeStart(step.value);
    offset = (at === 'key' ? (keyStart ?? valueStart) : (valueStart ?? keyStart)) ?? offset;
    node = step.value;
  }
  return toLocation(lines, file, offset);
}

/** 1-based line and column of a character offset. */
export function toLocation(lines: LineCounter, file: string, offset: number): SourceLocation {
  const { line, col } = lines.linePos(offset);
  return { file, line: Math.max(line, 1), column: Math.max(col, 1) };
}

function childOf(node: unknown, segment: string): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
    return pair ? { key: pair.key, value: pair.value } : undefined;
  }
  if (isSeq(node) && /^(0|[1-9][0-9]*)$/.test(segment)) {
    const item: unknown = node.items[Number(segment)];
    return item === undefined ? undefined : { key: undefined, value: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  return isNodeWithRange(node) ? node.range[0] : undefined;
}

function isNodeWithRange(node: unknown): node is Node & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as { range?: unknown }).range);
}

/**
 * Every map and list node of a document by JSON pointer, down to `maxDepth` levels, for
 * callers that want to point at fields without re-parsing (plan output, status messages).
 */
export function collectNodeLocations(
  doc: Document.Parsed,
  lines: LineCounter,
  file: string,
  maxDepth = 6,
): [string, SourceLocation][] {
  const out: [string, SourceLocation][] = [];
  const walk = (node: unknown, pointer: string, depth: number): void => {
    const start = rangeStart(node);
    if (start !== undefined) out.push([pointer, toLocation(lines, file, start)]);
    if (depth >= maxDepth) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) walk(pair.value, `${pointer}/${escapeSegment(String(pair.key.value))}`, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${pointer}/${i}`, depth + 1));
    }
  };
  walk(doc.contents, '', 0);
  return out;
}

function escapeSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
