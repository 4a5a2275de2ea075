import { randomUUID } from 'node:crypto';
import { FileRefused } from '../../vision/node/preprocess/read-file';
import type { ImportFailure, ImportProgress } from '../../../shared/contract';
import type { Emit } from '../events';
import { ImageRejection } from './decode';
import { DatasetGoneError, type Ingestor } from './ingest';
import { ReadAheadQueue, ReaderThread, type ReadAhead } from './read-ahead';
import { walkPaths, type FoundFile } from './walk';

/** The per-file limit for imports and uploads alike (API.md: 50 MiB per image). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
const PROGRESS_EVERY_MS = 100;
const CHANGED_EVERY_MS = 1000;
/** Files being ingested at once (read and hashed ahead of them on the reading thread), so disk and CPU overlap. */
const FILES_IN_FLIGHT = 4;

export interface ImportRequest {
  datasetId: string;
  paths: string[];
  labels: 'folders' | 'none';
  label?: string;
}

interface Job {
  req: ImportRequest;
  progress: ImportProgress;
  controller: AbortController;
  /** Settles when the import has stopped touching the library (or never started). */
  finished: Promise<void>;
  settle: () => void;
  started: boolean;
  onProgress?: (p: ImportProgress) => void;
  checkFile?: (realPath: string) => void;
}

export interface ExecuteOptions {
  /** Aborting it cancels the import (the task queue's cancel). */
  signal?: AbortSignal;
  /** Called with each (throttled) progress report, e.g. to update a task's progress. */
  onProgress?: (p: ImportProgress) => void;
  /**
   * Set when a script queued the import: each file found is read through its real path,
   * which must pass this check (it throws to refuse); a refused file is a failure
   * `forbidden`, not a read.
   */
  checkFile?: (realPath: string) => void;
}

/**
 * Runs imports of files and folders already on this machine. Each import reports
 * progress at most ~10 times a second (and always its last state), can be cancelled,
 * and stops promptly when its dataset is deleted. An import can be registered before it
 * runs (queued as a task) and executed later; finished imports are remembered (the last
 * 200) so a late `imports.get` still answers.
 */
export class Importer {
  private readonly jobs = new Map<string, Job>();
  /** Reads every import's files (read-ahead.ts); its thread runs only while files are read. */
  private readonly reader = new ReaderThread();

  constructor(
    private readonly ingestor: Ingestor,
    private readonly emit: Emit,
    private readonly log: (err: unknown) => void = () => {},
  ) {}

  /** Registers and runs an import in this process at once. */
  start(req: ImportRequest, importId: string = randomUUID()): ImportProgress {
    const first = this.register(req, importId);
    void this.execute(req, importId);
    return first;
  }

  /** Makes an import known (state `running`, "waiting to start") before it runs. */
  register(req: ImportRequest, importId: string): ImportProgress {
    const existing = this.jobs.get(importId);
    if (existing) return snapshot(existing.progress);
    let settle!: () => void;
    const finished = new Promise<void>((r) => (settle = r));
    const job: Job = {
      req,
      progress: {
        importId,
        datasetId: req.datasetId,
        state: 'running',
        total: 0,
        done: 0,
        imported: 0,
        duplicates: 0,
        failed: [],
        message: 'Waiting to start…',
      },
      controller: new AbortController(),
      finished,
      settle,
      started: false,
    };
    this.jobs.set(importId, job);
    this.forgetOld();
    return snapshot(job.progress);
  }

  /** Runs a registered import (registering it if needed, e.g. a task re-run after a restart). */
  async execute(req: ImportRequest, importId: string, opts: ExecuteOptions = {}): Promise<ImportProgress> {
    this.register(req, importId);
    const job = this.jobs.get(importId)!;
    if (job.started || job.progress.state !== 'running') {
      await job.finished;
      return snapshot(job.progress);
    }
    job.started = true;
    job.onProgress = opts.onProgress;
    job.checkFile = opts.checkFile;
    if (opts.signal) {
      if (opts.signal.aborted) job.controller.abort();
      else opts.signal.addEventListener('abort', () => job.controller.abort(), { once: true });
    }
    try {
      await this.run(job, req);
    } catch (err) {
      this.log(err);
    } finally {
      job.settle();
    }
    return snapshot(job.progress);
  }

  get(importId: string): ImportProgress | null {
    const job = this.jobs.get(importId);
    return job ? snapshot(job.progress) : null;
  }

  /** Asks an import to stop; resolves once it has (its state is then `cancelled`). */
  async cancel(importId: string): Promise<ImportProgress | null> {
    const job = this.jobs.get(importId);
    if (!job) return null;
    this.abort(job);
    await job.finished;
    return this.get(importId);
  }

  /** Stops every import into a dataset (queued ones included) and waits until none touches it. */
  /** An import into the dataset is storing pictures in this process right now. */
  isImporting(datasetId: string): boolean {
    for (const j of this.jobs.values()) if (j.started && j.progress.datasetId === datasetId && j.progress.state === 'running') return true;
    return false;
  }

  async stopDataset(datasetId: string): Promise<void> {
    const live = [...this.jobs.values()].filter((j) => j.progress.datasetId === datasetId && j.progress.state === 'running');
    for (const j of live) this.abort(j);
    await Promise.all(live.map((j) => j.finished));
  }

  /** Resolves when the import has finished, whatever its outcome. */
  async wait(importId: string): Promise<ImportProgress | null> {
    await this.jobs.get(importId)?.finished;
    return this.get(importId);
  }

  async stopAll(): Promise<void> {
    const live = [...this.jobs.values()].filter((j) => j.progress.state === 'running');
    for (const j of live) this.abort(j);
    await Promise.all(live.map((j) => j.finished));
    await this.reader.close();
  }

  private abort(job: Job): void {
    job.controller.abort();
    if (!job.started && job.progress.state === 'running') {
      // Never ran: nothing to wait for, it is simply cancelled.
      job.progress.state = 'cancelled';
      job.progress.message = 'The import was cancelled before it started.';
      this.emit('import.progress', snapshot(job.progress));
      job.settle();
    }
  }

  private async run(job: Job, req: ImportRequest): Promise<void> {
    const { progress, controller } = job;
    const signal = controller.signal;
    progress.message = 'Looking for pictures…';
    let lastProgress = 0;
    let lastChanged = 0;
    const report = (force = false) => {
      const now = Date.now();
      if (force || now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        const p = snapshot(progress);
        this.emit('import.progress', p);
        job.onProgress?.(p);
      }
      if (progress.imported > 0 && (force || now - lastChanged >= CHANGED_EVERY_MS)) {
        lastChanged = now;
        this.emit('dataset.changed', { datasetId: req.datasetId, reason: 'images-added' });
      }
    };
    try {
      const { files, failures } = await walkPaths(req.paths, { labels: req.labels, label: req.label, signal, checkFile: job.checkFile });
      progress.failed.push(...failures);
      // Labels are made before the pictures stream in, in folder-name order, so their
      // shortcuts (creation order) do not depend on which picture happened to land first.
      this.ingestor.ensureLabels(
        req.datasetId,
        files.map((f) => f.label),
      );
      progress.total = files.length + failures.length;
      progress.done = failures.length;
      progress.message = files.length === 0 && failures.length === 0 ? 'No pictures found there.' : null;
      report(true);
      let next = 0;
      let gone = false;
      // take() answers in call order, so the n-th call gets files[n].
      const reads = new ReadAheadQueue(
        this.reader,
        files.map((f) => f.path),
        MAX_FILE_BYTES,
        signal,
      );
      const worker = async () => {
        while (!signal.aborted && next < files.length) {
          const file = files[next++];
          const read = await reads.take();
          if (!read) break;
          const failure = await this.importOne(req.datasetId, file, read, signal);
          if (failure === 'gone') {
            gone = true;
            controller.abort();
            break;
          }
          if (failure === 'skipped') break;
          if (failure === 'imported') progress.imported++;
          else if (failure === 'duplicate') progress.duplicates++;
          else progress.failed.push(failure);
          progress.done++;
          report();
        }
      };
      await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, files.length) }, worker));
      progress.state = signal.aborted ? 'cancelled' : 'succeeded';
      progress.message = gone ? 'The dataset was deleted.' : signal.aborted ? 'The import was cancelled.' : summary(progress);
    } catch {
      progress.state = 'failed';
      progress.message = 'The import stopped because of an internal error.';
    }
    report(true);
  }

  private async importOne(
    datasetId: string,
    file: FoundFile,
    read: ReadAhead,
    signal: AbortSignal,
  ): Promise<'imported' | 'duplicate' | 'gone' | 'skipped' | ImportFailure> {
    const fail = (code: string, message: string): ImportFailure => ({ name: file.name, code, message });
    try {
      // Read as readRegularFile reads: a name swapped for a named pipe or a device is refused, never waited on.
      if (!read.ok) throw read.error;
      if (signal.aborted) return 'skipped';
      const r = await this.ingestor.ingest({ datasetId, bytes: read.bytes, hash: read.hash, fileName: file.name, label: file.label });
      return r.status;
    } catch (err) {
      if (err instanceof DatasetGoneError) return 'gone';
      if (err instanceof ImageRejection) return fail(err.code, err.message);
      if (err instanceof FileRefused) {
        if (err.reason === 'too_large') return fail('too_large', 'The file is larger than 50 MiB.');
        if (err.reason === 'empty') return fail('empty_file', 'The file is empty.');
        if (err.reason === 'not_a_file') return fail('not_a_file', 'This is a named pipe, device or folder, not a picture file; it was skipped.');
        return fail('unreadable', 'The file cannot be read.');
      }
      if (isFsError(err)) return fail('unreadable', 'The file cannot be read.');
      // One bad file must not end the import; the rest goes on.
      this.log(err);
      return fail('internal', 'Loupe could not store this picture.');
    }
  }

  private forgetOld(): void {
    if (this.jobs.size <= 200) return;
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= 200) break;
      if (job.progress.state !== 'running') this.jobs.delete(id);
    }
  }
}

function snapshot(p: ImportProgress): ImportProgress {
  return { ...p, failed: [...p.failed] };
}

function isFsError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && 'syscall' in err;
}

function summary(p: ImportProgress): string {
  const parts = [`${p.imported} imported`];
  if (p.duplicates) parts.push(`${p.duplicates} already there`);
  if (p.failed.length) parts.push(`${p.failed.length} skipped`);
  return parts.join(', ') + '.';
}
