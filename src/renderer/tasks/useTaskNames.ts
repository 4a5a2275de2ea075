import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { Names } from './task-title';

/** Dataset and script names for task titles, from the lists the other pages read too. */
export function useTaskNames(): Names {
  const datasets = useQuery({ queryKey: ['datasets'], queryFn: () => window.loupe.call('datasets.list', {}) });
  const scripts = useQuery({ queryKey: ['scripts.list'], queryFn: () => window.loupe.call('scripts.list', {}) });
  return useMemo(() => {
    const ds = new Map((datasets.data ?? []).map((d) => [d.id, d.name]));
    const sc = new Map((scripts.data?.items ?? []).map((s) => [s.id, s.name]));
    return { dataset: (id) => ds.get(id) ?? null, script: (id) => sc.get(id) ?? null };
  }, [datasets.data, scripts.data]);
}
