// The messages between LangTools (lang-tools.ts) and its worker (workers/lang-worker.ts).
import type { Diagnostic } from '../../lang/index';

export type LangRequest = { id: number; op: 'check' | 'format'; source: string };
export type LangReply =
  { id: number; ok: true; diagnostics: Diagnostic[]; more: number } | { id: number; ok: true; source: string } | { id: number; ok: false; message: string };

/** Diagnostics sent back at most, in source order; the rest are counted (`more`). */
export const MAX_DIAGNOSTICS = 100;
