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
  let lastSignature = '';
  const clear = (): void => {
    if (o.tty && shownLines > 0) o.write(`\x1b[${shownLines}F\x1b[J`);
    shownLines = 0;
  };
  const draw = (text: string): void => {
    o.write(text);
    shownLines = text.split('\n').length - 1;
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
