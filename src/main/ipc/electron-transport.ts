import type { Envelope, EventName } from '../../shared/contract/index';
import type { Dispatcher } from './dispatcher';
import type { EventBus } from './event-bus';

/*
 * Electron's IPC, typed structurally so this folder never imports 'electron' (only
 * src/main/electron.ts does). The shapes are the parts of Electron's own types we use.
 */
export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null | undefined;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}
export interface WebContentsLike {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** Channel of every contract call: `ipcRenderer.invoke('loupe:call', method, params)` → Envelope. */
export const CALL_CHANNEL = 'loupe:call';
/** Channel of every event: `webContents.send('loupe:event', event, payload)`. */
export const EVENT_CHANNEL = 'loupe:event';

export interface ElectronTransportOptions {
  ipcMain: IpcMainLike;
  dispatcher: Dispatcher;
  bus: EventBus;
  /** The windows that receive events (those alive now; destroyed ones are skipped). */
  getWebContents: () => WebContentsLike | readonly WebContentsLike[] | null | undefined;
  /** True for the app's own origin (the packaged file:// page or the dev server). */
  isTrustedFrame: (frameUrl: string) => boolean;
}

/**
 * Serves the contract to the desktop renderer. Calls answer with an Envelope rather than
 * rejecting, because Electron flattens a rejected invoke into a bare message and the
 * renderer needs the error's code and field. Calls from any frame that is not the app's
 * own page (an iframe, a navigated-away window) are refused.
 */
export function registerElectronTransport(opts: ElectronTransportOptions): () => void {
  const { ipcMain, dispatcher, bus, getWebContents, isTrustedFrame } = opts;
  ipcMain.handle(CALL_CHANNEL, async (event, method, params): Promise<Envelope> => {
    const url = event.senderFrame?.url;
    if (typeof url !== 'string' || !isTrustedFrame(url)) {
      return { ok: false, error: { code: 'forbidden', message: 'Calls are only accepted from Loupe’s own window.' } };
    }
    if (typeof method !== 'string') {
      return { ok: false, error: { code: 'validation', message: 'The method name must be a string.', field: 'method' } };
    }
    return dispatcher.call(method, params, { transport: 'electron' });
  });
  const unsubscribe = bus.subscribe((event: EventName, payload: unknown) => {
    const targets = getWebContents();
    const list = targets == null ? [] : Array.isArray(targets) ? targets : [targets as WebContentsLike];
    for (const wc of list) if (!wc.isDestroyed()) wc.send(EVENT_CHANNEL, event, payload);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
