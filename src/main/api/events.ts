import type { WebSocket } from 'ws';
import type { Blueprint, Context } from '../http/index';
import { serveContractSocket } from '../ipc/index';
import { MAX_CALL_BYTES, type ImportProgress } from '../../shared/contract/index';
import type { ApiDeps } from './deps';

/** Browsers send Origin; the page's own origin and the configured ones may open sockets. */
export function socketOrigins(deps: ApiDeps): (origin: string, ctx: Context) => boolean {
  return (origin, ctx) => {
    try {
      const u = new URL(origin);
      if (u.host === ctx.req.headers.host) return true;
    } catch {
      return false;
    }
    return deps.apiSettings.allowedOrigins.includes(origin);
  };
}

function send(socket: WebSocket, message: unknown): void {
  // A client this far behind misses events rather than growing the server's memory.
  if (socket.readyState === socket.OPEN && socket.bufferedAmount < 4 * 1024 * 1024) socket.send(JSON.stringify(message));
}

/**
 * `GET /v1/events` (WebSocket): the API's change feed for outside clients, as JSON
 * messages `{"type":"task","task":{…}}`, `{"type":"import","import":{…}}` and
 * `{"type":"dataset","datasetId","reason"}`. And `/ipc`: the contract itself, for the
 * browser shell's `window.loupe`.
 */
export function eventRoutes(app: Blueprint, deps: ApiDeps): void {
  const origins = socketOrigins(deps);
  app.ws(
    '/v1/events',
    (socket) => {
      const off = deps.bus.subscribe((event, payload) => {
        if (event === 'task.updated') send(socket, { type: 'task', task: payload });
        else if (event === 'import.progress') send(socket, { type: 'import', import: payload as ImportProgress });
        else if (event === 'run.updated') send(socket, { type: 'run', run: payload });
        else if (event === 'dataset.changed') {
          send(socket, { type: 'dataset', ...(payload as object) });
        } else {
          send(socket, { type: event, payload });
        }
      });
      socket.on('close', off);
      socket.on('message', () => socket.close(1003, 'This feed only sends; use the HTTP routes to act.'));
    },
    {
      origins,
      summary: 'Change feed (WebSocket; token as header or ?token=)',
      description:
        'Sends JSON messages `{"type":"task","task"}`, `{"type":"import","import"}`, `{"type":"run","run"}` and `{"type":"dataset","datasetId","reason"}`; it reads nothing. A plain GET answers 426.',
      tags: ['events'],
    },
  );

  app.ws('/ipc', (socket) => serveContractSocket(socket, deps), {
    origins,
    maxPayload: MAX_CALL_BYTES,
    summary: 'The typed contract over WebSocket (the browser shell’s window.loupe)',
    description:
      'Text frames `{"id","method","params"}` answered by `{"id","ok","value"|"error"}`; events pushed as `{"event","payload"}`. A plain GET answers 426.',
    tags: ['events'],
  });
}
