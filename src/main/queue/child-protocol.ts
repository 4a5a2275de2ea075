import type { StoredError } from './errors';

/** Messages between the pool and a child process (structured-clone safe). */
export interface RunJob {
  id: string;
  kind: string;
  attempt: number;
  idempotencyKey: string;
  module: string;
  exportName: string;
  input: unknown;
}

export type ToChild = { t: 'run'; job: RunJob } | { t: 'abort'; id: string; reason: string };

export type FromChild =
  | { t: 'ready' }
  | { t: 'mem'; rss: number }
  | { t: 'progress'; id: string; progress: number; message: string | null }
  | { t: 'log'; id: string; message: string }
  | { t: 'done'; id: string; ok: true; result: unknown }
  | { t: 'done'; id: string; ok: false; error: StoredError };

/**
 * The minimal process handle a watched child needs (watched-child.ts). The default wraps
 * `child_process.fork`; an Electron shell passes an adapter around `utilityProcess.fork`
 * instead. Messages are untyped here: the pool speaks ToChild/FromChild over it, and a product's
 * own children their own protocols, over the one adapter.
 */
export interface ChildLike {
  readonly pid?: number;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export interface SpawnOptions {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

export type SpawnChild = (entryPath: string, options: SpawnOptions) => ChildLike;
