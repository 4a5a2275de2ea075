import type { FileRefusalReason } from '../../vision/node/preprocess/read-file';

/** What the read-ahead thread (workers/read-ahead-worker.ts) is asked: files in order, until `budget` bytes are read. */
export interface ReadRequest {
  id: number;
  paths: readonly string[];
  maxBytes: number;
  budget: number;
}

/** One file's answer: its bytes (a whole, transferred ArrayBuffer) and SHA-256, or why it was refused. */
export type WireResult =
  { ok: true; bytes: ArrayBuffer; offset: number; length: number; hash: string } | { ok: false; reason: FileRefusalReason | 'unreadable'; message: string };
