import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { Context } from './context';
import { HttpError } from './errors';

export type WsHandler<C extends Context = Context> = (socket: WebSocket, ctx: C) => void;

export interface WsOptions {
  /** Largest message accepted, in bytes; bigger ones close the socket with 1009. Default 1 MiB (ws: 100 MiB). */
  maxPayload?: number;
  /** Ping every so often; a client that has not answered the previous ping is dropped. Default 30 s; 0 disables. */
  pingIntervalMs?: number;
  /** `wsSend` closes a client whose unsent data exceeds this (1013). Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Allowed `Origin` values, or a predicate. Default: requests without Origin (non-browser
   * clients) and same-origin requests (Origin host equals Host) are allowed; others get 403.
   */
  origins?: readonly string[] | ((origin: string, ctx: Context) => boolean);
  perMessageDeflate?: boolean;
  /** For the OpenAPI document: what the socket carries. */
  summary?: string;
  description?: string;
  tags?: string[];
}

const bufferLimits = new WeakMap<WebSocket, number>();

/**
 * Sends a message and resolves when it has been handed to the OS, so a producer that
 * awaits it slows to the client's pace. A client already holding more than the route's
 * `maxBufferedBytes` unsent is closed (1013) instead of growing memory without bound.
 */
export function wsSend(socket: WebSocket, data: string | Buffer | RawData): Promise<void> {
  const limit = bufferLimits.get(socket) ?? 4 * 1024 * 1024;
  if (socket.readyState !== 1) return Promise.reject(new Error('WebSocket is not open.'));
  if (socket.bufferedAmount > limit) {
    socket.close(1013, 'Client too slow');
    return Promise.reject(new Error('WebSocket client is too slow; closed.'));
  }
  return new Promise((resolve, reject) => socket.send(data as Buffer, (err) => (err ? reject(err) : resolve())));
}

/** Every open socket of an app, so `close()` can say goodbye (1001) and then terminate. */
export class WsHub {
  readonly clients = new Set<WebSocket>();
  private readonly servers: WebSocketServer[] = [];

  /** Builds the terminal step of a ws route: checks, then the handshake. */
  terminal(handler: WsHandler, options: WsOptions): (ctx: Context) => void {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      perMessageDeflate: options.perMessageDeflate ?? false,
      clientTracking: false,
    });
    this.servers.push(wss);
    const alive = new WeakSet<WebSocket>();
    const own = new Set<WebSocket>();
    const every = options.pingIntervalMs ?? 30_000;
    let timer: NodeJS.Timeout | null = null;
    const tick = () => {
      for (const s of own) {
        if (!alive.has(s)) {
          s.terminate();
          continue;
        }
        alive.delete(s);
        s.ping();
      }
    };
    return (ctx: Context) => {
      const up = ctx.upgrade;
      if (up === null) {
        throw new HttpError(426, 'upgrade_required', 'This endpoint speaks WebSocket; send an Upgrade request.', {
          headers: { Upgrade: 'websocket', Connection: 'Upgrade' },
        });
      }
      checkHandshake(ctx);
      checkOrigin(ctx, options.origins);
      ctx.claim();
      ctx.res.detachSocket(up.socket as import('node:net').Socket);
      wss.handleUpgrade(ctx.req, up.socket, up.head, (socket) => {
        bufferLimits.set(socket, options.maxBufferedBytes ?? 4 * 1024 * 1024);
        this.clients.add(socket);
        own.add(socket);
        alive.add(socket);
        socket.on('pong', () => alive.add(socket));
        socket.on('error', () => socket.terminate());
        socket.once('close', () => {
          this.clients.delete(socket);
          own.delete(socket);
          if (own.size === 0 && timer) {
            clearInterval(timer);
            timer = null;
          }
        });
        if (every > 0 && timer === null) {
          timer = setInterval(tick, every);
          timer.unref();
        }
        try {
          handler(socket, ctx);
        } catch {
          socket.close(1011, 'Internal error');
        }
      });
    };
  }

  /** Sends 1001 to every client; terminates those still open after `graceMs`. */
  async closeAll(graceMs: number): Promise<void> {
    if (this.clients.size === 0) return;
    const open = [...this.clients];
    for (const s of open) s.close(1001, 'Server shutting down');
    const deadline = Date.now() + graceMs;
    while (this.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.clients) s.terminate();
    for (const w of this.servers) w.close();
  }
}

function checkHandshake(ctx: Context): void {
  const h = ctx.req.headers;
  const upgrade = h.upgrade;
  if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') {
    throw new HttpError(400, 'bad_request', 'Only WebSocket upgrades are accepted here.');
  }
  const key = h['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key)) {
    throw new HttpError(400, 'bad_request', 'Missing or invalid Sec-WebSocket-Key.');
  }
  if (h['sec-websocket-version'] !== '13' && h['sec-websocket-version'] !== '8') {
    throw new HttpError(400, 'bad_request', 'Unsupported WebSocket version; use 13.', {
      headers: { 'Sec-WebSocket-Version': '13' },
    });
  }
}

function checkOrigin(ctx: Context, allow: WsOptions['origins']): void {
  const origin = ctx.req.headers.origin;
  if (origin === undefined) return;
  let ok: boolean;
  if (typeof allow === 'function') ok = allow(origin, ctx);
  else if (allow) ok = allow.includes(origin) || allow.includes('*');
  else {
    try {
      ok = new URL(origin).host === ctx.req.headers.host;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new HttpError(403, 'forbidden_origin', `Origin ${origin} may not open a WebSocket here.`);
}
