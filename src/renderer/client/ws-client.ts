import type { CallFrame, EventFrame, ReplyFrame } from '../../shared/contract/define';
import type { CallInput, CallOutput, EventName, EventPayload, LoupeClient, ProcedureName } from '../../shared/contract';
import type { AppErrorShape } from '../../shared/errors';
import { uploadFiles } from './upload';

/**
 * `window.loupe` for the browser shell: the contract over the WebSocket at /ipc. It
 * reconnects with backoff when the connection drops; calls in flight at that moment are
 * rejected (the caller may retry, react-query does), calls made while it reconnects wait
 * for the connection for a while before giving up.
 */

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** The page learns about the connection through this DOM event (for the "Reconnecting…" bar). */
export const CONNECTION_EVENT = 'loupe:connection';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const WAIT_FOR_OPEN_MS = 15_000;

/**
 * The rejection value of a call: shaped like shared/errors' LoupeError, but defined here
 * so the page does not bundle zod just to throw an error.
 */
export class CallError extends Error implements AppErrorShape {
  readonly code: string;
  readonly field?: string;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'LoupeError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

export function createWsClient(opts: { token: string | null }): LoupeClient {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, Pending>();
  let waiting: Array<() => void> = [];
  let nextId = 1;
  let ws: WebSocket | null = null;
  let state: ConnectionState = 'closed';
  let retry = 0;

  const setState = (s: ConnectionState) => {
    state = s;
    window.dispatchEvent(new CustomEvent(CONNECTION_EVENT, { detail: s }));
  };

  const url = () => {
    const u = new URL('/ipc', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (opts.token) u.searchParams.set('token', opts.token);
    return u.toString();
  };

  const connect = () => {
    setState('connecting');
    const sock = new WebSocket(url());
    ws = sock;
    sock.onopen = () => {
      retry = 0;
      setState('open');
      const w = waiting;
      waiting = [];
      for (const go of w) go();
    };
    sock.onmessage = (ev) => {
      let frame: ReplyFrame | EventFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ReplyFrame | EventFrame;
      } catch {
        return;
      }
      if ('id' in frame && typeof frame.id === 'number') {
        const p = pending.get(frame.id);
        if (!p) return;
        pending.delete(frame.id);
        if (frame.ok) p.resolve(frame.value);
        else p.reject(new CallError(frame.error.code, frame.error.message, frame.error.field));
      } else if ('event' in frame) {
        for (const l of listeners.get(frame.event) ?? []) {
          try {
            l(frame.payload);
          } catch (err) {
            console.error(err);
          }
        }
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      ws = null;
      setState('closed');
      for (const [, p] of pending) p.reject(new CallError('unavailable', 'Lost the connection to Loupe. It is reconnecting; try again in a moment.'));
      pending.clear();
      const delay = Math.min(10_000, 250 * 2 ** retry++);
      setTimeout(connect, delay);
    };
  };

  const whenOpen = () =>
    new Promise<void>((resolve, reject) => {
      if (ws && state === 'open') return resolve();
      const timer = setTimeout(() => {
        waiting = waiting.filter((w) => w !== go);
        reject(new CallError('unavailable', 'Cannot reach Loupe. Check that `loupe serve` is still running, then reload.'));
      }, WAIT_FOR_OPEN_MS);
      const go = () => {
        clearTimeout(timer);
        resolve();
      };
      waiting.push(go);
    });

  connect();

  const client: LoupeClient = {
    shell: 'browser',
    async call<K extends ProcedureName>(method: K, input: CallInput<K>): Promise<CallOutput<K>> {
      await whenOpen();
      const id = nextId++;
      const frame: CallFrame = { id, method, params: input };
      return new Promise<CallOutput<K>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws!.send(JSON.stringify(frame));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    thumbnailUrl(imageId: string): string {
      return `/v1/images/${encodeURIComponent(imageId)}/thumbnail`;
    },
    imageUrl(imageId: string): string {
      return `/v1/images/${encodeURIComponent(imageId)}/file`;
    },
    upload(datasetId, files, onProgress, signal) {
      return uploadFiles({ token: opts.token, datasetId, files, onProgress, signal });
    },
  };
  return client;
}
