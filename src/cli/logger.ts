import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino redacts wherever they appear in a log record: secrets never reach a log. */
export const REDACTED_PATHS = [
  'token', '*.token', 'tokens', '*.tokens', 'authorization', '*.authorization', 'headers.authorization',
  '*.headers.authorization', 'req.headers.authorization', 'password', '*.password', 'secret', '*.secret',
];

/**
 * The process logger for long-running commands: JSON lines for machines, or human-readable
 * lines when stderr is a terminal (or `pretty` is forced).
 */
export function createCliLogger(level: string, options: { pretty?: boolean } = {}): Logger {
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  const base = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (!usePretty) return pino(base, pino.destination({ dest: 2, sync: false }));
  return pino(base, pretty({ destination: 2, colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', sync: true }));
}
