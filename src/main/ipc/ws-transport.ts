import type { RawData, WebSocket } from 'ws';
import { MAX_CALL_BYTES, type CallFrame, type EventFrame, type ReplyFrame } from '../../shared/contract/index';
import type { Dispatcher } from './dispatcher';
import type { EventBus } from './event-bus';

/** Events are dropped for a client this far behind (a stalled tab must not grow memory). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

function parseCall(data: RawData): CallFrame | null {
  const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  if (text.length > MAX_CALL_BYTES) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null) return null;
  const f = frame as Record<string, unknown>;
  if (typeof f.id !== 'number' || !Number.isSafeInteger(f.id) || typeof f.method !== 'string') return null;
  return { id: f.id, method: f.method, params: f.params };
}

/**
 * Serves the contract over one authenticated WebSocket (the headless shell's
 * `window.loupe`): each text frame is a CallFrame answered by a ReplyFrame with the same
 * id, and every bus event is pushed as an EventFrame. Authentication happened at the
 * upgrade, in the HTTP middleware; this only speaks the protocol.
 */
export function serveContractSocket(socket: WebSocket, deps: { dispatcher: Dispatcher; bus: EventBus }): void {
  const send = (frame: ReplyFrame | EventFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const unsubscribe = deps.bus.subscribe((event, payload) => {
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    send({ event, payload });
  });
  socket.on('message', (data, isBinary) => {
    const call = isBinary ? null : parseCall(data);
    if (!call) {
      // Without a readable id there is nobody to answer: the client is broken, end it.
      socket.close(1003, 'Expected a JSON call frame {id, method, params}.');
      return;
    }
    void deps.dispatcher.call(call.method, call.params, { transport: 'websocket' }).then((envelope) => send({ id: call.id, ...envelope }));
  });
  socket.on('close', unsubscribe);
  socket.on('error', unsubscribe);
}
