import type { PolicySummary } from '../api/policy-summary.ts';
import { renderStatusFrame } from '../dashboard/terminal-frame.ts';

export interface DemoDisplay {
  /** Shows the current state: redrawn in place on a terminal, printed on change otherwise. */
  frame(policies: readonly PolicySummary[], now: number): void;
  /** A line of narrative, printed above the live frame. */
  line(text: string): void;
  /** Leaves the last frame on screen. */
  end(): void;
}

/**
 * On a terminal the frame (one progress bar per ring, from `ringmaster status`) redraws in
 * place. Without one (CI, a pipe) a frame is printed only when a ring's phase changes,
 * so the log reads as the rollout's story rather than hundreds of repeated bars.
 */
export function createDemoDisplay(o: { tty: boolean; width: number; write: (text: string) => void }): DemoDisplay {
  let shownLines = 0;
  let lastFrame = '';
  let lastSignature: string | undefined;
  const clear = (): void => {
    if (o.tty && shownLines > 0) o.write(`\x1b[${shownLines}F\x1b[J`);
    shownLines = 0;
  };
  const draw = (text: string): void => {
    o.write(text);
    shownLines = screenRows(text, o.width);
  };
  return {
    frame(policies, now) {
      const text = renderStatusFrame(policies, { width: o.width, now, color: o.tty });
      if (o.tty) {
        if (text === lastFrame) return;
        clear();
        draw(text);
      } else {
        const signature = policies.map((p) => `${p.name}:${p.phase}:${p.rings.map((r) => r.phase).join(',')}`).join('|');
        if (signature === lastSignature) return;
        lastSignature = signature;
        o.write(`\n${text}`);
      }
      lastFrame = text;
    },
    line(text) {
      if (!o.tty) return o.write(`${text}\n`);
      clear();
      o.write(`${text}\n`);
      if (lastFrame) draw(lastFrame);
    },
    end() {
      shownLines = 0;
    },
  };
}

/** An ANSI CSI sequence (colours, cursor movement): zero columns wide. */
const ANSI_SEQUENCE = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, 'g');

/**
 * Rows `text` occupies on a terminal `width` columns wide: a line longer than the width
 * wraps, and moving the cursor up must account for that or stale rows stay on screen.
 */
export function screenRows(text: string, width: number): number {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let rows = 0;
  for (const line of lines) {
    const visible = [...line.replace(ANSI_SEQUENCE, '')].length;
    rows += Math.max(1, Math.ceil(visible / Math.max(1, width)));
  }
  return rows;
}
