import { describe, expect, it } from 'vitest';
import { createDemoDisplay, screenRows } from '../../src/demo/display.ts';

describe('demo display', () => {
  it('counts wrapped rows and ignores colour codes', () => {
    expect(screenRows('a\nb\n', 80)).toBe(2);
    expect(screenRows(`${'x'.repeat(81)}\n`, 80)).toBe(2);
    expect(screenRows(`\x1b[32m${'█'.repeat(80)}\x1b[0m\n`, 80)).toBe(1);
    expect(screenRows('\n\n', 80)).toBe(2);
  });

  it('on a terminal, moves up exactly the rows the last frame used before redrawing', () => {
    const out: string[] = [];
    const d = createDemoDisplay({ tty: true, width: 20, write: (t) => out.push(t) });
    d.frame([], 0); // "No rollout policies yet." wraps to 2 rows at width 20
    d.line('hello');
    expect(out[1]).toBe('\x1b[2F\x1b[J');
    expect(out[2]).toBe('hello\n');
  });

  it('without a terminal, prints narrative lines as they come and no cursor movement', () => {
    const out: string[] = [];
    const d = createDemoDisplay({ tty: false, width: 20, write: (t) => out.push(t) });
    d.frame([], 0);
    d.frame([], 1);
    d.line('hello');
    expect(out.join('')).not.toContain('\x1b[');
    expect(out.filter((t) => t.includes('No rollout policies yet.'))).toHaveLength(1);
  });
});
