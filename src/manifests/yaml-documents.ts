/**
 * Splits one manifest file into YAML documents under the configured limits. Size limits are
 * checked before parsing; aliases are expanded only for documents the caller asks for, and
 * never beyond `maxAliasCount`, so a billion-laughs document costs almost nothing.
 */
import { isMap, isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { Diagnostic } from './diagnostic.ts';
import { findExcessiveFlowDepth } from './flow-depth.ts';
import { utf8ByteLength, type ManifestLimits } from './limits.ts';
import type { ManifestFile, SourceLocation } from './types.ts';
import { locatePointer, toLocation, type LocateAt } from './yaml-locator.ts';

/** One YAML document of a file, parsed but not yet converted to plain data. */
export interface YamlDocument {
  file: string;
  /** `apiVersion` and `kind` read from the document's top-level mapping, when present. */
  apiVersion: string | undefined;
  kind: string | undefined;
  /** Location of the document's first node. */
  start: SourceLocation;
  doc: Document.Parsed;
  lines: LineCounter;
  /** UTF-8 size of the document's text. */
  bytes: number;
}

/** The documents of one file and the file-level problems found while splitting it. */
export interface YamlFileResult {
  documents: YamlDocument[];
  diagnostics: Diagnostic[];
}

/**
 * Parses every document of `file`. Returns the documents that parsed without error;
 * YAML errors become diagnostics unless the document clearly belongs to another API
 * (a fleet repository may hold YAML that is not ours, even templates that are not YAML).
 */
export function readYamlDocuments(file: ManifestFile, limits: ManifestLimits): YamlFileResult {
  const tooLarge = checkFileSize(file, limits);
  if (tooLarge) return { documents: [], diagnostics: [tooLarge] };
  const lines = new LineCounter();
  const deep = findExcessiveFlowDepth(file.content, limits.maxFlowDepth);
  if (deep !== undefined) {
    const at = lineAndColumn(file.content, deep);
    const message = `flow collections ([...] or {...}) are nested more than ${limits.maxFlowDepth} deep (maxFlowDepth); flatten the structure`;
    return { documents: [], diagnostics: [{ code: 'E_YAML_TOO_DEEP', severity: 'error', message, file: file.path, ...at }] };
  }
  let parsed: Document.Parsed[];
  try {
    parsed = [...parseAllDocuments(file.content, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })];
  } catch (err) {
    // The parser recurses on nesting: pathological depth exhausts the stack, not memory.
    return { documents: [], diagnostics: [tooDeep(file.path, err)] };
  }
  if (parsed.length > limits.maxDocumentsPerFile) {
    return { documents: [], diagnostics: [tooManyDocuments(file.path, parsed.length, limits)] };
  }
  const result: YamlFileResult = { documents: [], diagnostics: [] };
  for (const doc of parsed) splitDocument(file, doc, lines, limits, result);
  return result;
}

function splitDocument(
  file: ManifestFile,
  doc: Document.Parsed,
  lines: LineCounter,
  limits: ManifestLimits,
  into: YamlFileResult,
): void {
  const header = readHeader(doc);
  const foreign = header.apiVersion !== undefined && !isOurGroup(header.apiVersion);
  if (doc.errors.length > 0) {
    if (!foreign) into.diagnostics.push(...reportedErrors(doc.errors).map((e) => yamlError(file, lines, e)));
    return;
  }
  if (doc.contents === null || foreign) return;
  const bytes = utf8ByteLength(file.content.slice(doc.range[0], doc.range[2]));
  const start = toLocation(lines, file.path, doc.contents.range[0]);
  if (bytes > limits.maxDocumentBytes) {
    into.diagnostics.push({
      code: 'E_DOCUMENT_TOO_LARGE',
      severity: 'error',
      message: `document is ${bytes} bytes, more than ${limits.maxDocumentBytes} (maxDocumentBytes); move large free data out of it or raise the limit`,
      ...start,
    });
    return;
  }
  into.documents.push({ file: file.path, ...header, start, doc, lines, bytes });
}

/** Whether `apiVersion` is in Ringmaster's API group (any version). */
export function isOurGroup(apiVersion: string): boolean {
  return apiVersion.startsWith('ringmaster.dev/');
}

/** Converts a document to plain data, refusing alias expansion beyond the limit. */
export function documentValue(
  document: YamlDocument,
  limits: ManifestLimits,
): { value: unknown } | { diagnostic: Diagnostic } {
  try {
    return { value: document.doc.toJS({ maxAliasCount: limits.maxAliasCount }) };
  } catch (err) {
    if (err instanceof RangeError) return { diagnostic: tooDeep(document.file, err, document.start) };
    // yaml throws ReferenceErrors for too many aliases, for aliases when the limit is 0,
    // and for an alias used before its anchor: only the first two are the limit.
    if (!(err instanceof ReferenceError) || !/excessive alias|alias resolution is disabled/i.test(err.message)) {
      const why = err instanceof Error ? err.message : String(err);
      const at = unresolvedAlias(document) ?? document.start;
      return { diagnostic: { code: 'E_YAML_SYNTAX', severity: 'error', message: `invalid YAML: ${why}`, ...at } };
    }
    return {
      diagnostic: {
        code: 'E_YAML_ALIAS_LIMIT',
        severity: 'error',
        message: `document expands more than ${limits.maxAliasCount} aliases (maxAliasCount); write the values out or reduce the *alias references`,
        ...document.start,
      },
    };
  }
}

/** Where the first alias without an anchor before it is, if any. */
function unresolvedAlias(document: YamlDocument): SourceLocation | undefined {
  let offset: number | undefined;
  visit(document.doc, {
    Alias(_key, node) {
      if (node.resolve(document.doc) !== undefined || !node.range) return undefined;
      offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? undefined : toLocation(document.lines, document.file, offset);
}

/** A function giving the source location of a JSON pointer inside `document`. */
export function locatorOf(document: YamlDocument): (pointer: string, at?: LocateAt) => SourceLocation {
  return (pointer, at) => locatePointer(document.doc, document.lines, document.file, pointer, at);
}

function readHeader(doc: Document.Parsed): { apiVersion: string | undefined; kind: string | undefined } {
  const contents = doc.contents;
  if (!isMap(contents)) return { apiVersion: undefined, kind: undefined };
  const field = (name: string): string | undefined => {
    const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === name);
    return pair && isScalar(pair.value) && typeof pair.value.value === 'string' ? pair.value.value : undefined;
  };
  return { apiVersion: field('apiVersion'), kind: field('kind') };
}

function checkFileSize(file: ManifestFile, limits: ManifestLimits): Diagnostic | undefined {
  // UTF-16 length never exceeds the UTF-8 length, so a long string is refused without counting.
  const bytes = file.content.length > limits.maxFileBytes ? file.content.length : utf8ByteLength(file.content);
  if (bytes <= limits.maxFileBytes) return undefined;
  return {
    code: 'E_FILE_TOO_LARGE',
    severity: 'error',
    message: `file is larger than ${limits.maxFileBytes} bytes (maxFileBytes); split it into smaller files or raise the limit`,
    file: file.path,
    line: 1,
    column: 1,
  };
}

function tooManyDocuments(file: string, count: number, limits: ManifestLimits): Diagnostic {
  return {
    code: 'E_TOO_MANY_DOCUMENTS',
    severity: 'error',
    message: `file holds ${count} YAML documents, more than ${limits.maxDocumentsPerFile} (maxDocumentsPerFile); split it into several files`,
    file,
    line: 1,
    column: 1,
  };
}

function tooDeep(file: string, err: unknown, at: SourceLocation = { file, line: 1, column: 1 }): Diagnostic {
  const why = err instanceof Error ? err.message : String(err);
  return {
    code: 'E_YAML_TOO_DEEP',
    severity: 'error',
    message: `YAML nesting is too deep to process (${why}); flatten the structure`,
    ...at,
    file,
  };
}

/**
 * After a syntax error the parser's later errors are mostly its consequences: report the
 * first one only, plus every duplicate key (each is an independent mistake).
 */
function reportedErrors<E extends { code: string }>(errors: readonly E[]): E[] {
  const firstSyntax = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  return errors.filter((e) => e.code === 'DUPLICATE_KEY' || e === firstSyntax);
}

function yamlError(file: ManifestFile, lines: LineCounter, error: { code: string; message: string; pos: [number, number] }): Diagnostic {
  if (/call stack/i.test(error.message)) return tooDeep(file.path, error, toLocation(lines, file.path, error.pos[0]));
  const duplicate = error.code === 'DUPLICATE_KEY';
  const key = /^[^:\n]{0,80}/.exec(file.content.slice(error.pos[0], error.pos[0] + 81))?.[0].trim() ?? '';
  return {
    code: duplicate ? 'E_YAML_DUPLICATE_KEY' : 'E_YAML_SYNTAX',
    severity: 'error',
    message: duplicate
      ? `duplicate key ${JSON.stringify(key)} in a mapping: YAML would keep only one of them; remove or rename one`
      : `invalid YAML: ${error.message.split('\n')[0] ?? error.message}`,
    ...toLocation(lines, file.path, error.pos[0]),
  };
}

/** 1-based line and column of an offset, without a LineCounter (the text is not parsed yet). */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
