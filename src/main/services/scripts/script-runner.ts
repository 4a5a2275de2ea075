// Starts one script run in a child process (workers/script-child.ts, which hosts the run's
// worker thread) and serves its host calls here, where the database and the vision engine
// live. The child is what keeps the app alive: a V8 fatal error, a heap abort or a SIGKILL
// ends the child, and the run reports it as its error.
//
// Host calls stay synchronous for the script: its worker thread blocks on Atomics.wait
// against the child's main thread, which relays the call over process IPC (see
// docs/scripts.md). A child is kept warm between runs (one run per child at a time), so a
// short run costs a message round trip and a worker start, not a process start.
import type { SpawnChild, WatchedChild } from '../../queue/index';
import { startWorker } from '../worker-entry';
import { DATA_BYTES, type ChildRun, type FromChild, type HostAnswer, type ScriptFailure } from './worker-protocol';
import { OutputBudget } from './limits';

export type { ScriptFailure } from './worker-protocol';

/** A host function: plain JSON-shaped values in and out; a throw becomes a catchable script error. */
export type HostImpl = (...args: unknown[]) => unknown;
export interface HostEntry {
  arity: number | [number, number];
  call: HostImpl;
}
export type HostApi = Record<string, HostEntry>;

export interface ScriptRunOptions {
  source: string;
  /** The `loupe` module; as a function it receives `write`, which adds to the run's output in order with its prints. */
  host?: HostApi | ((write: (text: string) => void) => HostApi);
  /** Wall-clock limit in ms (default 30 s). */
  timeoutMs?: number;
  /** Instruction budget (function entries + loop iterations; default 2·10⁹). */
  budget?: number;
  /** Heap cap of the worker in MiB (default 512). */
  memoryMb?: number;
  signal?: AbortSignal;
  /** Each chunk of `print` output as it arrives. */
  onOutput?: (text: string) => void;
  /** Name shown in error positions (default `script.loupe`). */
  mainPath?: string;
  /** The children to run in (default: a shared pool of `child_process.fork` children). */
  children?: ScriptChildren;
  /** Tests only: turn the engine's size counting off, to reach V8's own fatal limits on purpose. */
  unsafeNoCounting?: boolean;
}

export type ScriptOutcome = { ok: true; output: string; value: unknown } | { ok: false; output: string; error: ScriptFailure };

/** How long a script may take to notice a stop or timeout before its child is killed. */
const STOP_GRACE_MS = 2000;
/** An idle warm child is ended after this long. */
const IDLE_MS = 60_000;
/** Heap of the child's own (relaying) thread; each run's worker has its own cap. */
const CHILD_HEAP_MB = 128;

function arityOf(a: number | [number, number]): [number, number] {
  return typeof a === 'number' ? [a, a] : a;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The run a child is serving, told of every message and of the child's death. */
interface Tenant {
  onMessage(m: FromChild): void;
  onExit(why: string): void;
}

/** A started child with the run it serves (at most one at a time). */
class ScriptChild {
  tenant: Tenant | null = null;
  idleTimer: NodeJS.Timeout | null = null;
  readonly process: WatchedChild;
  constructor(spawn: SpawnChild | undefined, memoryMb: number) {
    this.process = startWorker('script-child', {
      spawn,
      heapMb: CHILD_HEAP_MB,
      // A script at its time limit spins a core; the app's event loop (health, the UI's API)
      // must win that core whenever it wants it.
      niceness: 10,
      // The worker's heap, its typed arrays and the relay: far past that is a runaway.
      rssCapMb: CHILD_HEAP_MB + memoryMb * 3,
      onMessage: (m) => this.tenant?.onMessage(m as unknown as FromChild),
      onExit: (exit) => this.tenant?.onExit(exit.why),
    });
  }
}

/**
 * Script children: one run per child, a warm one kept for the next run. Pass the Electron
 * shell's utilityProcess adapter as `spawn`; headless and in tests it is child_process.fork.
 */
export class ScriptChildren {
  private idle: ScriptChild[] = [];
  private all = new Set<ScriptChild>();
  private closed = false;
  constructor(
    private readonly spawn?: SpawnChild,
    private readonly keepWarm = 1,
  ) {}

  /** A ready child for one run (a warm one when there is one). */
  async acquire(memoryMb: number): Promise<ScriptChild> {
    if (this.closed) throw new Error('Scripts are shutting down.');
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (c.idleTimer) clearTimeout(c.idleTimer);
      if (!c.process.exited) return c;
    }
    const c = new ScriptChild(this.spawn, memoryMb);
    this.all.add(c);
    void c.process.whenExited.then(() => this.all.delete(c));
    await c.process.ready();
    return c;
  }

  private warming = false;

  /**
   * Starts a child ahead of the first run (the Scripts page calls this when its editor
   * first checks), so the first run does not pay for a process start (about 1 s).
   */
  prewarm(memoryMb = 512): void {
    if (this.closed || this.warming || this.idle.length > 0) return;
    this.warming = true;
    this.acquire(memoryMb).then(
      (c) => {
        this.warming = false;
        this.release(c, true);
      },
      () => {
        this.warming = false;
      },
    );
  }

  /** Back to the pool after a run that ended cleanly; a child in doubt is ended. */
  release(c: ScriptChild, healthy: boolean): void {
    c.tenant = null;
    if (!healthy || this.closed || c.process.exited || this.idle.length >= this.keepWarm) {
      void c.process.kill('done');
      return;
    }
    c.idleTimer = setTimeout(() => {
      this.idle = this.idle.filter((x) => x !== c);
      void c.process.kill('idle');
    }, IDLE_MS);
    c.idleTimer.unref();
    this.idle.push(c);
  }

  /** Ends every child (app shutdown); runs in them end with their process. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.all];
    for (const c of all) void c.process.kill('Loupe is shutting down');
    await Promise.all(all.map((c) => c.process.whenExited));
  }
}

let defaultChildren: ScriptChildren | null = null;
let nextRunId = 1;

/** Runs a script in a child process; resolves when it ends, whatever the way. Never rejects. */
export function runScript(opts: ScriptRunOptions): Promise<ScriptOutcome> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const memoryMb = opts.memoryMb ?? 512;
  const children = opts.children ?? (defaultChildren ??= new ScriptChildren());
  let kept = '';
  // Host output (loupe.log) joins the prints: the child forwards prints before each call.
  // One budget for both (limits.ts): lines and the run's total are cut, and past the total
  // nothing more is kept, streamed or stored (the child is told to stop decoding, below).
  const budget = new OutputBudget();
  const write = (text: string) => {
    const shown = budget.take(text);
    if (!shown) return;
    kept += shown;
    opts.onOutput?.(shown);
  };
  const host: HostApi = typeof opts.host === 'function' ? opts.host(write) : (opts.host ?? {});
  const run: ChildRun = {
    id: nextRunId++,
    source: opts.source,
    mainPath: opts.mainPath ?? 'script.loupe',
    budget: opts.budget ?? 2e9,
    timeoutMs,
    maxMemory: opts.unsafeNoCounting ? 2 ** 50 : 256 * 1024 * 1024,
    memoryMb,
    hostFunctions: Object.entries(host).map(([name, h]) => ({ name, arity: arityOf(h.arity) })),
    ...(opts.unsafeNoCounting ? { maxElements: 2 ** 32 } : {}),
  };

  return new Promise<ScriptOutcome>((resolve) => {
    let settled = false;
    let stopReason: 'Cancelled.' | 'Time limit exceeded.' | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let deadline: NodeJS.Timeout | null = null;
    let child: ScriptChild | null = null;
    let quiet = false;

    const finish = (outcome: ScriptOutcome, healthy: boolean) => {
      if (settled) return;
      settled = true;
      if (deadline) clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (child) children.release(child, healthy);
      resolve(outcome);
    };
    const failed = (message: string, kind: ScriptFailure['kind'], healthy: boolean) =>
      finish({ ok: false, output: kept, error: { kind, message, line: 1, column: 1 } }, healthy);

    const answer = (a: HostAnswer) => {
      if (settled || !child) return;
      let json = JSON.stringify(a);
      // Characters, not bytes: a cheap first check; the child checks the encoded size.
      if (json.length > DATA_BYTES)
        json = JSON.stringify({ ok: false, message: 'The answer of this call is too large (more than 8 MB); ask for less at a time.' });
      child.process.send({ t: 'answer', id: run.id, json });
    };

    // Ask politely (the child sets the engine's abort flag), then kill the child.
    const stop = (reason: 'Cancelled.' | 'Time limit exceeded.') => {
      if (settled || stopReason) return;
      stopReason = reason;
      if (!child) return failed(reason, 'limit', true);
      child.process.send({ t: 'stop', id: run.id });
      killTimer = setTimeout(() => failed(reason, 'limit', false), STOP_GRACE_MS);
    };
    const onAbort = () => stop('Cancelled.');
    if (opts.signal?.aborted) return failed('Cancelled.', 'limit', true);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const tenant: Tenant = {
      onMessage: (m) => {
        if (settled || m.id !== run.id) return;
        if (m.t === 'out') {
          write(m.text);
          // Past the output cap the child only empties the ring, so a script printing in a
          // loop runs on without decoding or IPC for output nobody keeps.
          if (budget.exhausted && !quiet) {
            quiet = true;
            child?.process.send({ t: 'quiet', id: run.id });
          }
        } else if (m.t === 'call') {
          const h = host[m.name];
          if (!h) return answer({ ok: false, message: `No host function ${m.name}.` });
          Promise.resolve()
            .then(() => h.call(...m.args))
            .then(
              (value) => answer({ ok: true, value: value ?? null }),
              (err) => answer({ ok: false, message: describe(err) }),
            );
        } else if (m.ok) finish({ ok: true, output: kept, value: m.value }, true);
        else {
          // A stop that the engine noticed reads as the engine's own message ("Cancelled.").
          const error = stopReason && m.error.message === 'Cancelled.' ? { ...m.error, message: stopReason } : m.error;
          finish({ ok: false, output: kept, error }, true);
        }
      },
      // The child died under the run: a V8 fatal error, a heap abort, a kill from outside.
      onExit: (why) =>
        failed(stopReason ?? `The script's process ended abnormally (${why}); Loupe itself is unaffected.`, stopReason ? 'limit' : 'runtime', false),
    };

    children.acquire(memoryMb).then(
      (c) => {
        if (settled) return children.release(c, true);
        child = c;
        c.tenant = tenant;
        c.process.send({ t: 'run', run });
        // The engine enforces timeoutMs itself (from when the worker is up); this also catches
        // a script stuck in a host call, allowing for the worker's start.
        deadline = setTimeout(() => stop('Time limit exceeded.'), timeoutMs + 2000);
        if (stopReason) {
          const r = stopReason;
          stopReason = null;
          stop(r);
        }
      },
      (err) => failed(`The script could not start: ${describe(err)}`, 'runtime', false),
    );
  });
}
