import { useCallback, useState } from 'react';
import type { HistoryEntry } from '../../../shared/contract';
import { messageOf } from '../../lib/errors';
import { useRefresh } from '../queries';

/** What the notice under the toolbar says after an action: its words and the way back. */
export interface UndoNoticeState {
  text: string;
  /** 'undo' offers Undo; 'redo' (after an undo) offers Redo; null offers nothing. */
  offer: 'undo' | 'redo' | null;
  error?: boolean;
}

/**
 * Every labelling action of the Library with its undo: label, clear, accept, delete,
 * and Ctrl+Z / Ctrl+Shift+Z. The main process keeps the history (durable, per dataset);
 * this hook only calls it and says what happened ("7 pictures unlabelled · Undo").
 */
export function useLabelling(datasetId: string | null) {
  const refresh = useRefresh();
  const [notice, setNotice] = useState<UndoNoticeState | null>(null);

  const after = useCallback(
    async (entry: HistoryEntry | null | undefined, bulkOnly: boolean) => {
      if (datasetId) await refresh(datasetId);
      // One picture labelled by a digit needs no notice (the chip shows it); more than one does.
      if (entry && (!bulkOnly || entry.count > 1)) setNotice({ text: entry.summary, offer: 'undo' });
      else if (entry) setNotice(null);
    },
    [datasetId, refresh],
  );

  const failed = useCallback((err: unknown) => setNotice({ text: messageOf(err), offer: null, error: true }), []);

  const assign = useCallback(
    async (ids: string[], label: string | null) => {
      if (ids.length === 0) return;
      try {
        const r = await window.loupe.call('images.setLabel', { ids, label });
        await after(r.entry, label !== null);
      } catch (err) {
        failed(err);
      }
    },
    [after, failed],
  );

  const accept = useCallback(
    async (items: Array<{ id: string; label: string }>) => {
      if (items.length === 0) return setNotice({ text: 'No guess to accept: the model has not predicted these pictures yet.', offer: null });
      try {
        const r = await window.loupe.call('images.accept', { items });
        await after(r.entry, true);
      } catch (err) {
        failed(err);
      }
    },
    [after, failed],
  );

  const remove = useCallback(
    async (ids: string[]) => {
      const r = await window.loupe.call('images.delete', { ids });
      await after(r.entry, false);
    },
    [after],
  );

  /** Any other action that answers with a history entry (label rename, merge, delete, recolour). */
  const did = useCallback((entry: HistoryEntry | null) => after(entry, false), [after]);

  const step = useCallback(
    async (way: 'undo' | 'redo') => {
      if (!datasetId) return;
      try {
        const r = await window.loupe.call(way === 'undo' ? 'history.undo' : 'history.redo', { datasetId });
        await refresh(datasetId);
        setNotice({ text: `${way === 'undo' ? 'Undone' : 'Redone'}: ${r.entry.summary}`, offer: way === 'undo' ? 'redo' : 'undo' });
      } catch (err) {
        failed(err);
      }
    },
    [datasetId, refresh, failed],
  );

  return {
    notice,
    dismiss: () => setNotice(null),
    say: (text: string) => setNotice({ text, offer: null }),
    fail: failed,
    assign,
    accept,
    remove,
    did,
    undo: () => step('undo'),
    redo: () => step('redo'),
  };
}

export type Labelling = ReturnType<typeof useLabelling>;
