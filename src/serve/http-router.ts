import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** A mountable handler: returns true when it took the request (it then owns the response). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/**
 * One port serves everything (DESIGN: OpAMP, artifacts, webhooks, API, dashboard, metrics,
 * health). Handlers are asked in order; the first that returns true owns the request.
 * A handler that throws gets a 500 for that request only — never a crashed process.
 */
export function createRouter(handlers: readonly RequestHandler[], upgrades: readonly UpgradeHandler[], logger: Logger) {
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void dispatch(handlers, req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'request handler failed');
      if (!res.headersSent) sendJsonError(res, 500, 'E_INTERNAL', 'internal error');
      else res.destroy();
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      for (const h of upgrades) if (h(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } catch (err) {
      logger.error({ err, url: req.url }, 'upgrade handler failed');
      socket.destroy();
    }
  };
  return { onRequest, onUpgrade };
}

async function dispatch(handlers: readonly RequestHandler[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const h of handlers) if (await h(req, res)) return;
  sendJsonError(res, 404, 'E_NOT_FOUND', `no route for ${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://x').pathname}`);
}

/** Writes `{error: {code, message}}` with the given status. */
export function sendJsonError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
