// The child's end of a watched child's channel (watched-child.ts): `process.parentPort` under
// Electron's utilityProcess, `process.send` under child_process.fork. The pool's child-entry
// uses it, and so may any other child entry that a WatchedChild starts.

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

export function sendToParent(message: unknown): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

/** Listens to the parent, tells it the child is ready, and exits when the parent goes away. */
export function listenToParent(listener: (message: unknown) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data));
  else process.on('message', listener);
  // An orphan must not outlive its parent: when the parent dies the IPC channel closes. It
  // has nothing to save (its work is the parent's, kept durable there), and a clean exit
  // while onnxruntime or libvips still run on its threads aborted in their teardown
  // ("terminate called after throwing an instance of 'Napi::Error'"): it just stops.
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  sendToParent({ t: 'ready' });
}

/** Reports resident memory every 200 ms so the parent can stop a child past its cap. */
export function reportMemory(): void {
  setInterval(() => sendToParent({ t: 'mem', rss: process.memoryUsage.rss() }), 200).unref();
}
