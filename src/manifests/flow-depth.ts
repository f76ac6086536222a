/**
 * A cheap pre-parse scan for deeply nested flow collections (`[[[[…`): the YAML parser
 * recurses on them and takes seconds to fail on a 1 MiB file of brackets, so such input is
 * refused before parsing. The scan is linear and skips quoted strings and comments.
 */

/** Offset where flow nesting first exceeds `limit`, or undefined when it never does. */
export function findExcessiveFlowDepth(text: string, limit: number): number | undefined {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      comment = false;
      // A line starting in column 0 with a key or a document marker ends any flow context;
      // resetting keeps stray brackets in plain scalars (`pattern: ^[a-z`) from adding up.
      const next = text[i + 1];
      if (quote === undefined && next !== undefined && /[^\s\]},]/.test(next)) depth = 0;
      continue;
    }
    if (comment) continue;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) comment = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth > limit) return i;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
