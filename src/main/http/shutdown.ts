import type { Server } from 'node:http';
import type { WsHub } from './websocket';

/**
 * One graceful stop of a server. `server.close()` stops accepting; idle keep-alive sockets
 * are closed at once and again every few ms as in-flight answers finish (their sockets
 * become idle); WebSocket clients get 1001; at the deadline every socket is destroyed.
 */
export class Shutdown {
  readonly done: Promise<void>;

  constructor(server: Server, hub: WsHub, timeoutMs: number) {
    this.done = new Promise<void>((resolve) => {
      let finished = false;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const poll = setInterval(() => server.closeIdleConnections(), 25);
      const deadline = setTimeout(() => {
        server.closeAllConnections();
      }, timeoutMs);
      const ws = hub.closeAll(Math.min(timeoutMs, 2_000));
      void Promise.all([closed, ws]).then(() => {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(deadline);
        resolve();
      });
    });
  }
}
