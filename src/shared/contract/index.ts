import type { z } from 'zod';
import { appProcedures } from './app';
import { libraryEvents, libraryProcedures } from './library';
import { taskEvents, taskProcedures } from './tasks';
import { queueMonitorProcedures } from './queue-monitor';
import { visionEvents, visionProcedures } from './vision';
import { scriptEvents, scriptProcedures } from './scripts';
import { labellingProcedures } from './labelling';
import { draftProcedures } from './drafts';
import { modelProcedures } from './models';
import { reviewProcedures } from './review';
import { playProcedures } from './play';

export * from './define';
export * from './library';
export * from './app';
export * from './tasks';
export * from './queue-monitor';
export * from './vision';
export * from './scripts';
export * from './labelling';
export * from './drafts';
export * from './models';
export * from './review';
export * from './play';

/**
 * Every procedure and event of the contract, declared once. Later features add their maps
 * here (one line each); nothing else needs to change for a new call to reach both shells.
 */
export const procedures = {
  ...appProcedures,
  ...libraryProcedures,
  ...taskProcedures,
  ...visionProcedures,
  ...queueMonitorProcedures,
  ...scriptProcedures,
  ...labellingProcedures,
  ...draftProcedures,
  ...modelProcedures,
  ...reviewProcedures,
  ...playProcedures,
};
export const events = { ...libraryEvents, ...taskEvents, ...visionEvents, ...scriptEvents };

export type Procedures = typeof procedures;
export type ProcedureName = keyof Procedures;
export type Events = typeof events;
export type EventName = keyof Events;

/** What the caller passes (defaults still optional). */
export type CallInput<K extends ProcedureName> = z.input<Procedures[K]['input']>;
/** What the handler receives after validation (defaults filled in). */
export type HandlerInput<K extends ProcedureName> = z.output<Procedures[K]['input']>;
export type CallOutput<K extends ProcedureName> = z.output<Procedures[K]['output']>;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/**
 * `window.loupe`: the one client the renderer sees. The Electron preload and the browser
 * bootstrap each build one; the renderer cannot tell which it has, except through `shell`
 * for the two things that genuinely differ (how pictures reach the app, how thumbnails load).
 */
export interface LoupeClient {
  readonly shell: 'electron' | 'browser';
  call<K extends ProcedureName>(method: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** A URL the renderer can put in <img src> for an image's 256 px thumbnail. */
  thumbnailUrl(imageId: string): string;
  /** The original picture's URL for the full-size view; a shell without one shows the thumbnail there. */
  imageUrl?(imageId: string): string;
  /**
   * Browser shell only: uploads picked or dropped files (bytes over HTTP multipart, since
   * a browser cannot hand over paths). Resolves when all are stored; failures are listed.
   */
  upload?(
    datasetId: string,
    files: Array<{ file: Blob & { name: string }; label?: string }>,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<{ imported: number; duplicates: number; failed: Array<{ name: string; code: string; message: string }> }>;
  /** Electron shell only: the absolute paths of files dropped from the OS. */
  pathsForFiles?(files: File[]): string[];
}
