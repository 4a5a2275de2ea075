import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoredError } from './errors';
import type { FromChild, RunJob, SpawnChild } from './child-protocol';
import { WatchedChild, type ChildExit } from './watched-child';

export interface ProcessPoolOptions {
  /** Child processes at most (default 2). */
  size?: number;
  /** V8 heap cap per child, passed as --max-old-space-size (default 512). */
  maxOldSpaceMb?: number;
  /** Resident memory cap per child, watched from its reports (default 1024). */
  maxRssMb?: number;
  /** Extra Node flags for the child, e.g. ['--import', 'tsx'] to run TypeScript modules. */
  execArgv?: string[];
  /** Path of the child entry; bundlers that move files must pass the built child-entry. */
  entry?: string;
  spawn?: SpawnChild;
  /** How long a child may ignore an abort before it is killed (default 2000). */
  killGraceMs?: number;
}

export interface PoolHooks {
  onProgress(progress: number, message: string | null): void;
  onLog(message: string): void;
}

export type PoolResult = { ok: true; result: unknown } | { ok: false; error: StoredError };

interface Slot {
  child: WatchedChild;
  job: RunJob | null;
  hooks: PoolHooks | null;
  resolve: ((r: PoolResult) => void) | null;
  /** The error its task gets when the pool itself killed the child (abort ignored, queue stopped). */
  killedFor: StoredError | null;
  killTimer: NodeJS.Timeout | null;
}

function defaultEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `child-entry${path.extname(here)}`);
}

/**
 * A pool of child processes for CPU-heavy kinds, one task per child at a time. A child that
 * crashes, outgrows its memory cap or ignores an abort is killed and replaced on demand;
 * its task gets an error that says which of these happened.
 */
export class ProcessPool {
  private readonly slots = new Set<Slot>();
  private readonly size: number;
  private readonly heapMb: number;
  private readonly rssMb: number;
  private readonly graceMs: number;
  private closed = false;

  constructor(private readonly opts: ProcessPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? 2);
    this.heapMb = opts.maxOldSpaceMb ?? 512;
    this.rssMb = opts.maxRssMb ?? 1024;
    this.graceMs = opts.killGraceMs ?? 2000;
  }

  /** Slots that can take a task now (busy or dying children hold theirs). */
  free(): number {
    let busy = 0;
    for (const s of this.slots) if (s.job || s.child.dying) busy++;
    return this.size - busy;
  }

  run(job: RunJob, hooks: PoolHooks): Promise<PoolResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'stopped', message: 'The process pool is closed.', retryable: true } });
    let slot = [...this.slots].find((s) => !s.job && !s.child.dying && !s.child.exited);
    if (!slot) slot = this.spawn();
    const s = slot;
    return new Promise<PoolResult>((resolve) => {
      s.job = job;
      s.hooks = hooks;
      s.resolve = resolve;
      s.child.send({ t: 'run', job });
    });
  }

  /** Asks the child to abort the task; kills it if it has not let go after the grace period. */
  abort(id: string, reason: StoredError): void {
    const s = [...this.slots].find((x) => x.job?.id === id);
    if (!s || s.killTimer) return;
    s.child.send({ t: 'abort', id, reason: reason.code });
    s.killTimer = setTimeout(() => this.kill(s, reason), this.graceMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.slots].map((s) => this.kill(s, { code: 'stopped', message: 'The queue stopped.', retryable: true }));
    await Promise.all(exits);
  }

  private spawn(): Slot {
    // The child's callbacks run later, once the slot exists.
    const box: { slot?: Slot } = {};
    const child = new WatchedChild({
      entry: this.opts.entry ?? defaultEntry(),
      execArgv: this.opts.execArgv,
      heapMb: this.heapMb,
      rssCapMb: this.rssMb,
      spawn: this.opts.spawn,
      onMessage: (m) => box.slot && this.onMessage(box.slot, m as FromChild),
      onExit: (exit) => box.slot && this.onExit(box.slot, exit),
    });
    const slot: Slot = (box.slot = { child, job: null, hooks: null, resolve: null, killedFor: null, killTimer: null });
    this.slots.add(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: FromChild): void {
    if (!slot.job || !('id' in m) || m.id !== slot.job.id) return;
    if (m.t === 'progress') slot.hooks?.onProgress(m.progress, m.message);
    else if (m.t === 'log') slot.hooks?.onLog(m.message);
    else if (m.t === 'done') this.release(slot, m.ok ? { ok: true, result: m.result } : { ok: false, error: m.error });
  }

  private release(slot: Slot, r: PoolResult): void {
    const resolve = slot.resolve;
    if (slot.killTimer) clearTimeout(slot.killTimer);
    slot.killTimer = null;
    slot.job = null;
    slot.hooks = null;
    slot.resolve = null;
    resolve?.(r);
  }

  private onExit(slot: Slot, exit: ChildExit): void {
    this.slots.delete(slot);
    if (!slot.job) return;
    this.release(slot, { ok: false, error: slot.killedFor ?? taskError(exit) });
  }

  private kill(slot: Slot, reason: StoredError): Promise<void> {
    if (slot.child.exited) return Promise.resolve();
    slot.killedFor ??= reason;
    return slot.child.kill(reason.message);
  }
}

/** What a task whose child ended under it is told. */
function taskError(exit: ChildExit): StoredError {
  switch (exit.cause) {
    case 'memory':
      return memoryError(`used ${exit.rssMb} MB, more than its cap of ${exit.capMb} MB`);
    case 'heap':
      return memoryError(exit.why);
    case 'crashed':
      return {
        code: 'worker_crashed',
        message: `The process running this task exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}).`,
        retryable: true,
      };
    case 'killed':
      return { code: 'worker_crashed', message: `The process running this task ${exit.why}.`, retryable: true };
  }
}

function memoryError(what: string): StoredError {
  return { code: 'memory_limit', message: `The process running this task ${what}, so it was stopped.`, retryable: true };
}
