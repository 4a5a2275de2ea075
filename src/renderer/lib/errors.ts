/**
 * Contract calls reject with `{ code, message }`: a LoupeError from the WebSocket client,
 * a plain object from the Electron preload (class instances do not cross contextBridge).
 * These read either, so the UI shows the sentence the main process wrote.
 */
export function messageOf(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string' && err.message.length > 0) return err.message;
  return 'Something went wrong. Try again; if it keeps happening, restart Loupe.';
}

export function codeOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
