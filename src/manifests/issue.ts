/**
 * A problem found inside one object, addressed by JSON pointer. The loader turns issues
 * into diagnostics by locating the pointer in the object's source.
 */
import type { DiagnosticCode } from './diagnostic.ts';
import type { LocateAt } from './yaml-locator.ts';

export interface ObjectIssue {
  code: DiagnosticCode;
  message: string;
  /** JSON pointer of the offending node inside the object. */
  pointer: string;
  /** Point at the mapping key (unknown or missing fields) rather than at the value. */
  at?: LocateAt;
}

/** Renders a JSON pointer the way users read paths: `spec.rings[0].bake`. */
export function fieldPath(pointer: string): string {
  if (pointer === '') return '(document)';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^(0|[1-9][0-9]*)$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
