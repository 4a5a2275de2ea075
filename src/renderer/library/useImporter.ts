import { useCallback, useRef, useState } from 'react';
import type { ImportProgress } from '../../shared/contract';
import { pickFiles, walkEntries, type PickedFile, type Skipped, type WalkEntry } from '../lib/folder-walk';
import { throttle, CancelledError } from '../lib/upload-batches';
import { useRefresh } from './queries';
import { messageOf } from '../lib/errors';

/**
 * One import at a time, from either shell, as one progress model:
 * - browser: walk what was dropped or picked, then upload the bytes in batches;
 * - Electron: hand the paths to the main process (`imports.start`) and follow its
 *   `import.progress` events. Bytes never cross IPC.
 */

export interface ImportView {
  phase: 'idle' | 'scanning' | 'running' | 'finished' | 'cancelled';
  done: number;
  total: number;
  imported: number;
  duplicates: number;
  failed: Skipped[];
  /** A sentence for the end of the run, or an error that stopped it. */
  message: string | null;
}

const idle: ImportView = { phase: 'idle', done: 0, total: 0, imported: 0, duplicates: 0, failed: [], message: null };

function summary(v: Pick<ImportView, 'imported' | 'duplicates' | 'failed'>): string {
  const parts = [`Added ${v.imported} picture${v.imported === 1 ? '' : 's'}`];
  if (v.duplicates > 0) parts.push(`${v.duplicates} already here`);
  if (v.failed.length > 0) parts.push(`${v.failed.length} could not be read`);
  return parts.join(', ') + '.';
}

/** Electron gives a folder input's files absolute paths; the chosen folder is their common root. */
function chosenFolder(files: File[]): string[] {
  const loupe = window.loupe;
  if (!loupe.pathsForFiles || files.length === 0) return [];
  const first = files[0] as File & { webkitRelativePath?: string };
  const abs = loupe.pathsForFiles([first])[0];
  const rel = first.webkitRelativePath ?? '';
  if (!abs || !rel) return loupe.pathsForFiles(files);
  const sep = abs.includes('\\') ? '\\' : '/';
  const relNative = rel.split('/').join(sep);
  const base = abs.slice(0, abs.length - relNative.length);
  return [base + rel.split('/')[0]];
}

export function useImporter(datasetId: string | null, looseLabel: string | undefined) {
  const [view, setView] = useState<ImportView>(idle);
  const cancelRef = useRef<(() => void) | null>(null);
  /** The dataset the running import fills (the person may have switched to another since). */
  const runningFor = useRef<string | null>(null);
  const refresh = useRefresh();
  const busy = view.phase === 'scanning' || view.phase === 'running';

  const show = useRef(throttle((v: ImportView) => setView(v), 120)).current;

  /** Browser shell: upload what was found. */
  const upload = useCallback(
    async (found: { files: PickedFile[]; skipped: Skipped[] }, ac: AbortController) => {
      if (!datasetId || !window.loupe.upload) return;
      const base = { ...idle, phase: 'running' as const, total: found.files.length, failed: found.skipped };
      show(base);
      try {
        // Labels are made first, in folder-name order, so their shortcuts (creation order)
        // do not depend on which upload batch happens to land first.
        const names = [...new Set(found.files.map((f) => f.label).filter((l): l is string => Boolean(l)))];
        names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }));
        for (const name of names) await window.loupe.call('labels.create', { datasetId, name }).catch(() => undefined);
        const r = await window.loupe.upload(
          datasetId,
          found.files.map((f) => ({ file: f.file, label: f.label, path: f.path })),
          (done, total) => show({ ...base, done, total }),
          ac.signal,
        );
        const failed = [...found.skipped, ...r.failed];
        show({ ...base, phase: 'finished', done: base.total, imported: r.imported, duplicates: r.duplicates, failed, message: summary({ ...r, failed }) });
      } catch (err) {
        const cancelled = err instanceof CancelledError || ac.signal.aborted;
        show({
          ...base,
          phase: cancelled ? 'cancelled' : 'finished',
          message: cancelled ? 'Import cancelled. Pictures already sent are kept.' : messageOf(err),
        });
      }
      show.flush();
      void refresh(datasetId);
    },
    [datasetId, refresh, show],
  );

  /** Electron shell: the main process imports from disk and reports progress as events. */
  const startPaths = useCallback(
    async (paths: string[]) => {
      if (!datasetId || paths.length === 0) return;
      const fromProgress = (p: ImportProgress): ImportView => ({
        phase: p.state === 'running' ? 'running' : p.state === 'cancelled' ? 'cancelled' : 'finished',
        done: p.done,
        total: p.total,
        imported: p.imported,
        duplicates: p.duplicates,
        failed: p.failed,
        message:
          p.state === 'running'
            ? null
            : p.state === 'cancelled'
              ? 'Import cancelled. Pictures already imported are kept.'
              : p.state === 'failed'
                ? (p.message ?? 'The import stopped.') + ' ' + summary(p)
                : summary(p),
      });
      show({ ...idle, phase: 'running' });
      runningFor.current = datasetId;
      let importId: string | null = null;
      const early: ImportProgress[] = [];
      const off = window.loupe.on('import.progress', (p) => {
        if (importId === null) return void early.push(p);
        if (p.importId !== importId) return;
        show(fromProgress(p));
        if (p.state !== 'running') {
          off();
          cancelRef.current = null;
          show.flush();
          void refresh(datasetId);
        }
      });
      try {
        const started = await window.loupe.call('imports.start', { datasetId, paths, labels: 'folders', ...(looseLabel ? { label: looseLabel } : {}) });
        importId = started.importId;
        const id = started.importId;
        cancelRef.current = () => void window.loupe.call('imports.cancel', { importId: id }).catch(() => undefined);
        const latest = [started, ...early.filter((p) => p.importId === id)].sort((a, b) => a.done - b.done).pop()!;
        show(fromProgress(latest));
        if (latest.state !== 'running') {
          off();
          cancelRef.current = null;
          void refresh(datasetId);
        }
      } catch (err) {
        off();
        show({ ...idle, phase: 'finished', message: messageOf(err) });
        show.flush();
      }
    },
    [datasetId, looseLabel, refresh, show],
  );

  const begin = useCallback(() => {
    runningFor.current = datasetId;
    const ac = new AbortController();
    cancelRef.current = () => ac.abort();
    return ac;
  }, [datasetId]);

  /** Dropped entries (browser), or dropped files (Electron, by path). */
  const importDrop = useCallback(
    async (entries: WalkEntry[], loose: File[], all: File[]) => {
      if (busy || !datasetId) return;
      if (window.loupe.pathsForFiles) return startPaths(window.loupe.pathsForFiles(all));
      const ac = begin();
      show({ ...idle, phase: 'scanning' });
      const found = await walkEntries(entries, { looseLabel, signal: ac.signal, onFound: (n) => show({ ...idle, phase: 'scanning', total: n }) });
      if (ac.signal.aborted) {
        show({ ...idle, phase: 'cancelled', message: 'Import cancelled.' });
        return;
      }
      const extra = pickFiles(loose, looseLabel);
      await upload({ files: [...found.files, ...extra.files], skipped: [...found.skipped, ...extra.skipped] }, ac);
    },
    [begin, busy, datasetId, looseLabel, show, startPaths, upload],
  );

  /** Files from the "Add pictures…" or "Add folder…" inputs. */
  const importPicked = useCallback(
    async (files: File[], asFolder: boolean) => {
      if (busy || !datasetId || files.length === 0) return;
      if (window.loupe.pathsForFiles) return startPaths(asFolder ? chosenFolder(files) : window.loupe.pathsForFiles(files));
      const ac = begin();
      show({ ...idle, phase: 'scanning' });
      await upload(pickFiles(files, looseLabel), ac);
    },
    [begin, busy, datasetId, looseLabel, show, startPaths, upload],
  );

  const cancel = useCallback(() => cancelRef.current?.(), []);
  /** Stops the running import if it fills this dataset (before the dataset is deleted). */
  const cancelFor = useCallback((id: string) => {
    if (runningFor.current === id) cancelRef.current?.();
  }, []);
  const dismiss = useCallback(() => {
    show(idle);
    show.flush();
  }, [show]);

  return { view, busy, importDrop, importPicked, cancel, cancelFor, dismiss };
}
