import { events, type EventName, type EventPayload } from '../../shared/contract/index';

export type EventListener = (event: EventName, payload: unknown) => void;

export interface EventBus {
  /** Validates the payload against the contract, then hands it to every subscriber. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Every event, in emission order; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

/**
 * The app's one event stream. Services emit; transports subscribe (each WebSocket, each
 * Electron window) and forward. A payload that breaks the contract is a bug in the
 * emitter: it is logged and dropped rather than sent to a renderer that would misread it.
 */
export function createEventBus(opts: { log?: (message: string, err?: unknown) => void } = {}): EventBus {
  const log = opts.log ?? ((message: string, err?: unknown) => console.error(`loupe: ${message}`, err ?? ''));
  const listeners = new Set<EventListener>();
  return {
    emit(event, payload) {
      const schema = events[event];
      const parsed = schema ? schema.safeParse(payload) : null;
      if (!parsed?.success) {
        log(`event "${String(event)}" dropped: its payload does not match the contract`, parsed?.error);
        return;
      }
      for (const l of [...listeners]) {
        try {
          l(event, parsed.data);
        } catch (err) {
          log(`a listener of "${event}" failed`, err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
