// One child process, started with a heap cap, watched against a resident-memory cap from its
// own reports, and reported once when it exits, with how it ended. The process pool runs its
// tasks in these; a product may start its own long-lived children (an inference host, a
// trainer) the same way, speaking its own messages over the same channel.
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { ChildLike, SpawnChild } from './child-protocol';

/** The default spawn: `child_process.fork` with V8 serialization, so typed arrays cross as they are. */
export const forkChild: SpawnChild = (entry, opts) => {
  const cp = fork(entry, [], { execArgv: opts.execArgv, env: opts.env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A child that died leaves its channel closed: a late send must not throw in the parent.
  cp.on('error', () => undefined);
  return {
    pid: cp.pid,
    send: (m) => {
      if (cp.connected) cp.send(m as object, (err) => err && undefined);
    },
    onMessage: (l) => void cp.on('message', l),
    onExit: (l) => void cp.on('exit', (code, signal) => l(code, signal)),
    kill: () => void cp.kill('SIGKILL'),
  };
};

/**
 * How a watched child ended. `why` says it in words that read after "The process …":
 * "was stopped: it used 900 MB, more than its cap of 800 MB", "ran out of its 512 MB heap",
 * "stopped unexpectedly (signal SIGKILL)", or the reason its owner gave to kill().
 */
export type ChildExit =
  | { cause: 'killed'; why: string }
  | { cause: 'memory'; why: string; rssMb: number; capMb: number }
  | { cause: 'heap'; why: string; heapMb: number }
  | { cause: 'crashed'; why: string; code: number | null; signal: string | null };

export interface WatchedChildOptions {
  /** Path of the child's entry module. */
  entry: string;
  /** Node flags besides the heap cap (e.g. a TypeScript loader). */
  execArgv?: string[];
  /** V8 heap cap, passed as --max-old-space-size, MB. */
  heapMb: number;
  /** Resident memory cap, MB, checked against the child's `{ t: 'mem', rss }` reports; none when absent. */
  rssCapMb?: number;
  /** How to start the process (default forkChild; Electron passes utilityProcess.fork). */
  spawn?: SpawnChild;
  /**
   * How much nicer than its parent the child runs (0–19, default 0), every thread of it.
   * Background work that may spin (a script at its time limit, inference, training) must not
   * take the CPU from the parent's event loop.
   */
  niceness?: number;
  /** Every message but the channel's own `ready` and `mem`. */
  onMessage(message: unknown): void;
  /** Called once, when the process is gone. */
  onExit(exit: ChildExit): void;
}

/**
 * Linux keeps a priority per thread, and setpriority(pid) reaches only the main one: the V8
 * helpers that collect a script's garbage and onnxruntime's pool were started before and would
 * keep the parent's priority. So every thread listed under /proc is lowered; threads started
 * later inherit from a lowered one. Best effort: a platform or sandbox that refuses leaves the
 * child (or a thread of it) at the parent's priority.
 */
function lowerPriority(pid: number, niceness: number): void {
  const target = Math.min(19, getPriority() + niceness);
  let threads: number[] = [pid];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // No /proc (macOS, Windows): the process's priority is all there is.
  }
  for (const tid of threads) {
    try {
      setPriority(tid, target);
    } catch {
      // Not fatal: that thread only runs at the parent's priority (or has just ended).
    }
  }
}

export class WatchedChild {
  private readonly child: ChildLike;
  private readonly readyPromise: Promise<void>;
  private killedFor: ChildExit | null = null;
  private exitedFlag = false;
  private markExited!: () => void;
  /** The last resident size the child reported, bytes. */
  rss = 0;
  /** Resolves once the child has exited, however it ended. */
  readonly whenExited = new Promise<void>((resolve) => (this.markExited = resolve));

  constructor(private readonly opts: WatchedChildOptions) {
    const execArgv = [...(opts.execArgv ?? []), `--max-old-space-size=${opts.heapMb}`];
    this.child = (opts.spawn ?? forkChild)(opts.entry, { execArgv, env: process.env });
    // At once where the pid is known: loading a child's modules is CPU work too.
    if (opts.niceness && this.child.pid !== undefined) lowerPriority(this.child.pid, opts.niceness);
    let ready!: () => void;
    let failed!: (err: Error) => void;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    // Nobody may be waiting on ready(): its rejection must not surface as unhandled.
    this.readyPromise.catch(() => undefined);
    this.child.onMessage((raw) => {
      const m = raw as { t?: unknown; rss?: unknown };
      if (m.t === 'ready') {
        // Again at ready: the threads the runtime started meanwhile, and Electron's utility
        // process, which has no pid until it has started.
        if (opts.niceness && this.child.pid !== undefined) lowerPriority(this.child.pid, opts.niceness);
        ready();
      } else if (m.t === 'mem' && typeof m.rss === 'number') this.watch(m.rss);
      else opts.onMessage(raw);
    });
    this.child.onExit((code, signal) => {
      this.exitedFlag = true;
      const oom = code === 134 || signal === 'SIGABRT' || signal === 'SIGTRAP';
      const exit: ChildExit =
        this.killedFor ??
        (oom
          ? { cause: 'heap', why: `ran out of its ${opts.heapMb} MB heap`, heapMb: opts.heapMb }
          : { cause: 'crashed', why: `stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`, code, signal });
      failed(new Error(exit.why));
      this.markExited();
      opts.onExit(exit);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exitedFlag;
  }

  /** Killed (by its owner or for memory) and not gone yet. */
  get dying(): boolean {
    return this.killedFor !== null && !this.exitedFlag;
  }

  /** Resolves when the child says it listens; rejects with how it ended if it dies first. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  send(message: unknown): void {
    if (!this.exitedFlag) this.child.send(message);
  }

  /** Ends the child at once; `why` is what its exit reports. Resolves once it is gone. */
  kill(why: string): Promise<void> {
    return this.end({ cause: 'killed', why });
  }

  private watch(rss: number): void {
    this.rss = rss;
    const cap = this.opts.rssCapMb;
    if (!cap || rss <= cap * 1048576 || this.killedFor) return;
    const rssMb = Math.round(rss / 1048576);
    void this.end({ cause: 'memory', why: `was stopped: it used ${rssMb} MB, more than its cap of ${cap} MB`, rssMb, capMb: cap });
  }

  private end(exit: ChildExit): Promise<void> {
    if (this.exitedFlag) return Promise.resolve();
    this.killedFor ??= exit;
    this.child.kill();
    return this.whenExited;
  }
}
