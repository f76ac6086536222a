/**
 * Diagnostics: every problem the loader finds, as data. Each has a stable `code`
 * (documented in docs/manifests.md), the file and 1-based line/column of the offending node,
 * and a message that says what is wrong and how to fix it.
 */

export type Severity = 'error' | 'warning';

/**
 * One problem in the manifests. `line` and `column` are 1-based; both are 0 when the object
 * did not come from a file (Kubernetes API objects), and `file` is then the origin given to
 * `validateObjects`. `pointer` is the JSON pointer of the node inside its object, when known.
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  pointer?: string;
}

/** Every diagnostic code the loader emits. Codes are stable: tools may match on them. */
export const DIAGNOSTIC_CODES = {
  E_READ: 'error',
  E_ENCODING: 'error',
  E_TOO_MANY_FILES: 'error',
  E_TREE_TOO_LARGE: 'error',
  E_FILE_TOO_LARGE: 'error',
  E_TOO_MANY_DOCUMENTS: 'error',
  E_DOCUMENT_TOO_LARGE: 'error',
  E_YAML_SYNTAX: 'error',
  E_YAML_DUPLICATE_KEY: 'error',
  E_YAML_ALIAS_LIMIT: 'error',
  E_YAML_TOO_DEEP: 'error',
  E_SCHEMA: 'error',
  E_NAME: 'error',
  E_DUPLICATE_NAME: 'error',
  E_RELEASE_NOT_FOUND: 'error',
  E_RELEASE_INVALID: 'error',
  E_DUPLICATE_PLATFORM: 'error',
  E_SEMVER: 'error',
  E_SHA256: 'error',
  E_SIGNATURE: 'error',
  E_URL: 'error',
  E_DURATION: 'error',
  E_PERCENT: 'error',
  E_SELECTOR: 'error',
  E_TIME_ZONE: 'error',
  E_DUPLICATE_RING: 'error',
  E_NO_RINGS: 'error',
  E_POLICY_OVERLAP: 'error',
  W_UNREACHABLE_RING: 'warning',
  W_UNSIGNED_RELEASE: 'warning',
  W_UNKNOWN_APPROVAL: 'warning',
  W_UNKNOWN_KIND: 'warning',
} as const satisfies Record<string, Severity>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/**
 * Renders `file:line:col: error CODE message` — the shape editors and CI logs make
 * clickable. Without a position (line 0) it renders `file: error CODE message (at pointer)`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  if (d.line > 0) return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`;
  const where = d.pointer ? ` (at ${d.pointer})` : '';
  return `${d.file}: ${d.severity} ${d.code} ${d.message}${where}`;
}

/** Orders diagnostics by file, line, column, then code: stable output for CLIs and diffs. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareText(a.file, b.file) || a.line - b.line || a.column - b.column || compareText(a.code, b.code),
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
