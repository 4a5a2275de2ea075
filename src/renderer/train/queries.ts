import { useEffect } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Model, Run } from '../../shared/contract';

/** The vision reads of the Train and Play pages, kept live by `run.updated` and `model.created`. */

export function useRuns(datasetId: string | null) {
  return useQuery({
    queryKey: ['runs', datasetId],
    queryFn: () => window.loupe.call('runs.list', { datasetId: datasetId!, limit: 50 }),
    enabled: datasetId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useModels(datasetId?: string | null) {
  return useQuery({
    queryKey: ['models', datasetId ?? 'all'],
    queryFn: () => window.loupe.call('models.list', { ...(datasetId ? { datasetId } : {}), limit: 100 }),
    enabled: datasetId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useVisionStatus(datasetId: string | null) {
  return useQuery({
    queryKey: ['vision-status', datasetId],
    queryFn: () => window.loupe.call('vision.status', { datasetId: datasetId! }),
    enabled: datasetId !== null,
  });
}

/** The dataset's stored training preferences (the "Augment" box; automatic retrains follow them). */
export function useTrainPrefs(datasetId: string | null) {
  return useQuery({
    queryKey: ['train-prefs', datasetId],
    queryFn: () => window.loupe.call('training.prefs', { datasetId: datasetId! }),
    enabled: datasetId !== null,
  });
}

/** Folds live run updates into the cached run lists (curves move without refetching). */
export function useVisionLiveUpdates(): void {
  const queries = useQueryClient();
  useEffect(() => {
    const offRun = window.loupe.on('run.updated', (run: Run) => {
      queries.setQueryData(['runs', run.datasetId], (old: { items: Run[]; nextCursor: string | null } | undefined) => {
        if (!old) return old;
        const i = old.items.findIndex((r) => r.id === run.id);
        const items = i === -1 ? [run, ...old.items] : old.items.map((r) => (r.id === run.id ? run : r));
        return { ...old, items };
      });
      if (run.status !== 'running') {
        void queries.invalidateQueries({ queryKey: ['vision-status', run.datasetId] });
        // A finished run may have changed the active model.
        void queries.invalidateQueries({ queryKey: ['model-versions', run.datasetId] });
      }
    });
    const offModel = window.loupe.on('model.created', (m: Model) => {
      void queries.invalidateQueries({ queryKey: ['models'] });
      void queries.invalidateQueries({ queryKey: ['model-versions', m.datasetId] });
      void queries.invalidateQueries({ queryKey: ['vision-status', m.datasetId] });
      void queries.invalidateQueries({ queryKey: ['predictions', m.datasetId] });
    });
    const offEmbed = window.loupe.on('embed.progress', (e) => {
      if (e.done === e.total) void queries.invalidateQueries({ queryKey: ['vision-status', e.datasetId] });
    });
    return () => {
      offRun();
      offModel();
      offEmbed();
    };
  }, [queries]);
}

/** The dataset the Library shows (remembered under the same key), so every page talks of one dataset. */
export function useCurrentDataset() {
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: () => window.loupe.call('datasets.list', {}), placeholderData: keepPreviousData });
  const chosen = localStorage.getItem('loupe.dataset');
  const list = datasets.data ?? [];
  return { dataset: list.find((d) => d.id === chosen) ?? list[0] ?? null, loading: datasets.isPending };
}

export const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
