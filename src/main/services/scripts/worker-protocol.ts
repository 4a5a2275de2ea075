// The messages between a script worker and the thread that started it. Host calls are
// synchronous for the script: the worker posts a `call`, then sleeps on a shared Int32
// until the main thread has written the JSON answer into a shared byte buffer.

/** Slots of the control array (Int32Array over `control`). */
export const CTRL_STATE = 0; // 0: waiting, 1: answer ready
export const CTRL_LENGTH = 1; // byte length of the answer in `data`
export const CTRL_ABORT = 2; // 1: the caller asked the script to stop
export const CTRL_OUT_WRITE = 3; // bytes written into `output`, modulo OUT_WRAP
export const CTRL_OUT_READ = 4; // bytes the main thread has taken, modulo OUT_WRAP
export const CTRL_SLOTS = 6;

/**
 * `print` output goes through a shared ring rather than one message per line: the worker
 * never yields, so only memory both threads see lets the main thread pick up output of a
 * script that prints once and then computes for a minute, and a script that prints in a
 * tight loop waits for the reader instead of flooding it.
 */
export const OUT_BYTES = 1 << 20;
export const OUT_WRAP = 1 << 30;

/** Largest answer a host call can return (JSON, UTF-8). */
export const DATA_BYTES = 8 * 1024 * 1024;

export interface WorkerInit {
  /** Tests only (see ChildRun). */
  maxElements?: number;
  source: string;
  mainPath: string;
  budget: number;
  timeoutMs: number;
  maxMemory: number;
  /** The `loupe` module's functions and their arity, [min, max]. */
  hostFunctions: Array<{ name: string; arity: [number, number] }>;
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  output: SharedArrayBuffer;
}

export interface ScriptFailure {
  kind: 'compile' | 'runtime' | 'limit';
  message: string;
  line: number;
  column: number;
  path?: string;
}

export type FromWorker =
  { t: 'call'; name: string; args: unknown[] } | { t: 'done'; ok: true; value: unknown } | { t: 'done'; ok: false; error: ScriptFailure };

/** The answer to one host call, written into `data` as JSON. */
export type HostAnswer = { ok: true; value: unknown } | { ok: false; message: string };

// ---- the app and the script child process (workers/script-child.ts) -------------------

/** One run as the child needs it: the worker's settings, without the shared memory it makes itself. */
export interface ChildRun {
  id: number;
  source: string;
  mainPath: string;
  budget: number;
  timeoutMs: number;
  maxMemory: number;
  /** Heap cap of the run's worker thread, MiB. */
  memoryMb: number;
  hostFunctions: Array<{ name: string; arity: [number, number] }>;
  /** Tests only: raise the engine's list cap to reach V8's own fatal limits on purpose. */
  maxElements?: number;
}

export type ToChild =
  | { t: 'run'; run: ChildRun }
  /** The host call's answer as JSON (HostAnswer), already within DATA_BYTES. */
  | { t: 'answer'; id: number; json: string }
  | { t: 'stop'; id: number }
  /** The run's output budget is spent (limits.ts OutputBudget): drain the ring, forward nothing. */
  | { t: 'quiet'; id: number };

export type FromChild =
  | { t: 'call'; id: number; name: string; args: unknown[] }
  | { t: 'out'; id: number; text: string }
  | { t: 'done'; id: number; ok: true; value: unknown }
  | { t: 'done'; id: number; ok: false; error: ScriptFailure };
