import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { throttle } from '../lib/upload-batches';

/**
 * Keeps every open view current: the main process says "this dataset changed" and we
 * refetch what shows it. An import of a thousand pictures sends a thousand of those, so
 * they are folded into at most a few refetches a second per dataset.
 */
export function useLiveUpdates(): void {
  const queries = useQueryClient();
  useEffect(() => {
    const perDataset = new Map<string, () => void>();
    const refreshFor = (datasetId: string) => {
      let fn = perDataset.get(datasetId);
      if (!fn) {
        fn = throttle(() => {
          void queries.invalidateQueries({ queryKey: ['datasets'] });
          void queries.invalidateQueries({ queryKey: ['dataset', datasetId] });
          void queries.invalidateQueries({ queryKey: ['images', datasetId] });
        }, 700);
        perDataset.set(datasetId, fn);
      }
      fn();
    };
    return window.loupe.on('dataset.changed', (e) => refreshFor(e.datasetId));
  }, [queries]);
}
