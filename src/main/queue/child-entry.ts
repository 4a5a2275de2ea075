/**
 * Entry point of a pooled child process. It loads handler modules on demand, runs one task
 * at a time, forwards progress and logs, aborts on request, and reports its memory so the
 * pool can stop a process that grows past its cap. It speaks over `process.send` (Node's
 * child_process) or `process.parentPort` (Electron's utilityProcess): see parent-channel.ts.
 */
import { pathToFileURL } from 'node:url';
import { toStoredError } from './errors';
import { listenToParent, reportMemory, sendToParent } from './parent-channel';
import type { FromChild, RunJob, ToChild } from './child-protocol';
import type { Handler, TaskContext } from './types';

function send(message: FromChild): void {
  sendToParent(message);
}

const handlers = new Map<string, Handler>();
const controllers = new Map<string, AbortController>();

async function load(job: RunJob): Promise<Handler> {
  const key = `${job.module}#${job.exportName}`;
  let fn = handlers.get(key);
  if (!fn) {
    const mod = (await import(pathToFileURL(job.module).href)) as Record<string, unknown>;
    const found = mod[job.exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[job.exportName];
    if (typeof found !== 'function')
      throw Object.assign(new Error(`Module ${job.module} has no function export "${job.exportName}".`), { code: 'bad_module', retryable: false });
    fn = found as Handler;
    handlers.set(key, fn);
  }
  return fn;
}

async function run(job: RunJob): Promise<void> {
  const controller = new AbortController();
  controllers.set(job.id, controller);
  const ctx: TaskContext = {
    id: job.id,
    kind: job.kind,
    attempt: job.attempt,
    idempotencyKey: job.idempotencyKey,
    signal: controller.signal,
    progress: (fraction, message) => send({ t: 'progress', id: job.id, progress: fraction, message: message ?? null }),
    log: (message) => send({ t: 'log', id: job.id, message: String(message) }),
  };
  try {
    const fn = await load(job);
    const result = await fn(job.input, ctx);
    send({ t: 'done', id: job.id, ok: true, result });
  } catch (err) {
    send({ t: 'done', id: job.id, ok: false, error: toStoredError(err) });
  } finally {
    controllers.delete(job.id);
  }
}

function onMessage(raw: unknown): void {
  const msg = raw as ToChild;
  if (msg.t === 'run') void run(msg.job);
  else if (msg.t === 'abort') controllers.get(msg.id)?.abort(Object.assign(new Error(msg.reason), { name: 'AbortError', code: msg.reason }));
}

listenToParent(onMessage);
reportMemory();
