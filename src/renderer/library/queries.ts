import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { filterKey, gridQueryKey, listArgs, type Filter, type GridQuery } from './filter';

/** Everything the Library reads from the contract, keyed so that live updates can refetch it. */

/** Pictures per images.list call; `loupe.pageSize` in localStorage overrides it (the browser tests page through a few dozen). */
export const PAGE_SIZE = Number(globalThis.localStorage?.getItem('loupe.pageSize')) || 400;

export function useDatasets() {
  // Creating a dataset sends no event, so a list made in another window is picked up on focus.
  return useQuery({
    queryKey: ['datasets'],
    queryFn: () => window.loupe.call('datasets.list', {}),
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: true,
  });
}

export function useDataset(id: string | null) {
  return useQuery({
    queryKey: ['dataset', id],
    queryFn: () => window.loupe.call('datasets.get', { id: id! }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

export function useImagePages(datasetId: string | null, filter: Filter, grid: GridQuery = {}) {
  return useInfiniteQuery({
    queryKey: ['images', datasetId, filterKey(filter), gridQueryKey(grid)],
    enabled: datasetId !== null,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      window.loupe.call('images.list', {
        datasetId: datasetId!,
        limit: PAGE_SIZE,
        cursor: pageParam,
        ...listArgs(filter, grid),
      }),
    getNextPageParam: (last) => last.nextCursor,
    // Within a dataset the old view stays up until the new filter's is ready (the grid
    // never blinks empty); another dataset's pictures are never shown in its place.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === datasetId ? previous : undefined),
  });
}

/** Refetches what a change to this dataset can touch. */
export function useRefresh() {
  const queries = useQueryClient();
  return (datasetId: string) =>
    Promise.all([
      queries.invalidateQueries({ queryKey: ['datasets'] }),
      queries.invalidateQueries({ queryKey: ['dataset', datasetId] }),
      queries.invalidateQueries({ queryKey: ['images', datasetId] }),
    ]);
}

export function useSetLabel(datasetId: string | null) {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (v: { ids: string[]; label: string | null }) => window.loupe.call('images.setLabel', v),
    onSettled: () => (datasetId ? refresh(datasetId) : undefined),
  });
}

export function useDeleteImages(datasetId: string | null) {
  const refresh = useRefresh();
  return useMutation({
    mutationFn: (ids: string[]) => window.loupe.call('images.delete', { ids }),
    onSettled: () => (datasetId ? refresh(datasetId) : undefined),
  });
}
