import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoredError } from './errors';
import type { ChildLike, FromChild, RunJob, SpawnChild } from './child-protocol';

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
  child: ChildLike;
  job: RunJob | null;
  hooks: PoolHooks | null;
  resolve: ((r: PoolResult) => void) | null;
  rss: number;
  killedFor: StoredError | null;
  killTimer: NodeJS.Timeout | null;
  exited: boolean;
}

function defaultEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `child-entry${path.extname(here)}`);
}

export const forkChild: SpawnChild = (entry, opts) => {
  const cp = fork(entry, [], { execArgv: opts.execArgv, env: opts.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    pid: cp.pid,
    send: (m) => void cp.send(m, (err) => err && undefined),
    onMessage: (l) => void cp.on('message', (m) => l(m as FromChild)),
    onExit: (l) => void cp.on('exit', (code, signal) => l(code, signal)),
    kill: () => void cp.kill('SIGKILL'),
  };
};

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
    for (const s of this.slots) if (s.job || !s.exited && s.killedFor) busy++;
    return this.size - busy;
  }

  run(job: RunJob, hooks: PoolHooks): Promise<PoolResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'stopped', message: 'The process pool is closed.', retryable: true } });
    let slot = [...this.slots].find((s) => !s.job && !s.killedFor && !s.exited);
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
    const execArgv = [...(this.opts.execArgv ?? []), `--max-old-space-size=${this.heapMb}`];
    const child = (this.opts.spawn ?? forkChild)(this.opts.entry ?? defaultEntry(), { execArgv, env: process.env });
    const slot: Slot = { child, job: null, hooks: null, resolve: null, rss: 0, killedFor: null, killTimer: null, exited: false };
    this.slots.add(slot);
    child.onMessage((m) => this.onMessage(slot, m));
    child.onExit((code, signal) => this.onExit(slot, code, signal));
    return slot;
  }

  private onMessage(slot: Slot, m: FromChild): void {
    if (m.t === 'mem') {
      slot.rss = m.rss;
      if (m.rss > this.rssMb * 1024 * 1024 && !slot.killedFor) {
        void this.kill(slot, memoryError(`used ${Math.round(m.rss / 1048576)} MB, more than its cap of ${this.rssMb} MB`));
      }
      return;
    }
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

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    slot.exited = true;
    this.slots.delete(slot);
    if (!slot.job) return;
    const oom = code === 134 || signal === 'SIGABRT' || signal === 'SIGTRAP';
    const error: StoredError = slot.killedFor
      ?? (oom
        ? memoryError(`ran out of its ${this.heapMb} MB heap`)
        : {
            code: 'worker_crashed',
            message: `The process running this task exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}).`,
            retryable: true,
          });
    this.release(slot, { ok: false, error });
  }

  private kill(slot: Slot, reason: StoredError): Promise<void> {
    if (slot.exited) return Promise.resolve();
    slot.killedFor = reason;
    return new Promise<void>((resolve) => {
      slot.child.onExit(() => resolve());
      slot.child.kill();
    });
  }
}

function memoryError(what: string): StoredError {
  return { code: 'memory_limit', message: `The process running this task ${what}, so it was stopped.`, retryable: true };
}
