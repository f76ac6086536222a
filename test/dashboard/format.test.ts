import { describe, expect, it } from 'vitest';
import { formatAgo, formatClock, formatRemaining } from '../../src/dashboard/format.ts';
import { escapeHtml, html } from '../../src/dashboard/html.ts';

describe('formatting', () => {
  it.each([[0, '0s'], [-5000, '0s'], [999, '1s'], [59_000, '59s'], [61_000, '1m 01s'], [3_599_000, '59m 59s'], [3_600_000, '1h 00m'], [7_500_000, '2h 05m']])(
    'formatRemaining(%i) = %s', (ms, want) => expect(formatRemaining(ms)).toBe(want),
  );
  it('formats relative and clock times', () => {
    const now = Date.parse('2026-11-21T09:00:00Z');
    expect([5_000, 180_000, 7_200_000, 345_600_000].map((d) => formatAgo(now - d, now))).toEqual(['5s ago', '3m ago', '2h ago', '4d ago']);
    expect(formatAgo(now + 10_000, now)).toBe('0s ago');
    expect(formatClock(now + 61_000)).toBe('09:01:01');
  });
});

describe('html', () => {
  it('escapes interpolations, keeps nested html, drops null/undefined/false', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${`"'&`}">${inner}${null}${undefined}${false}${0}${['a', html`<br>`]}</p>`.value).toBe('<p title="&quot;&#39;&amp;"><b>&lt;i&gt;</b>0a<br></p>');
    expect(escapeHtml('<script>')).toBe('&lt;script&gt;');
  });
});
