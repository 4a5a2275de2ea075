import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { Envelope } from '../shared/contract/define';
import type { CallInput, CallOutput, EventName, EventPayload, LoupeClient, ProcedureName } from '../shared/contract';

/*
 * The desktop shell's `window.loupe`: the typed contract over two IPC channels. Only this
 * frozen object crosses the context bridge; the page never sees ipcRenderer, Node or
 * Electron. Names match src/main/ipc/electron-transport.ts (kept literal here so the
 * sandboxed preload bundles nothing from the main side).
 */
const CALL_CHANNEL = 'loupe:call';
const EVENT_CHANNEL = 'loupe:event';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

// One IPC subscription for all events, fanned out here: the page's listeners are never
// handed to ipcRenderer, so they cannot receive the IpcRendererEvent (and its sender).
ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  for (const l of listeners.get(name) ?? []) {
    try {
      l(payload);
    } catch (err) {
      console.error(err);
    }
  }
});

const client: LoupeClient = {
  shell: 'electron',
  async call<K extends ProcedureName>(method: K, input: CallInput<K>): Promise<CallOutput<K>> {
    const answer = (await ipcRenderer.invoke(CALL_CHANNEL, method, input)) as Envelope<CallOutput<K>>;
    if (answer.ok) return answer.value;
    // A plain object: class instances do not survive the context bridge, their fields do.
    const { code, message, field } = answer.error;
    throw field === undefined ? { name: 'LoupeError', code, message } : { name: 'LoupeError', code, message, field };
  },
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
  thumbnailUrl(imageId: string): string {
    return `loupe-thumb://image/${encodeURIComponent(imageId)}`;
  },
  /** The original picture (full-size viewer), served by the same private scheme (electron.ts). */
  imageUrl(imageId: string): string {
    return `loupe-thumb://file/${encodeURIComponent(imageId)}`;
  },
  pathsForFiles(files: File[]): string[] {
    return files.map((f) => webUtils.getPathForFile(f)).filter((p) => p.length > 0);
  },
};

contextBridge.exposeInMainWorld('loupe', Object.freeze(client));
