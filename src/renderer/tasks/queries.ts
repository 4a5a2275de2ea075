import { useEffect } from 'react';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import type { Task, TaskInspection, TaskState } from '../../shared/contract';
import { throttle } from '../lib/upload-batches';

/** The Tasks page's reads, kept live by `task.updated` events folded in a few times a second. */

type TaskPage = { items: Task[]; nextCursor: string | null };
export type ListView = 'all' | 'dead';
type ListKey = readonly ['tasks', ListView, TaskState | null, string | null];

const PAGE = 200;
/** Heartbeats move without task events, so the counters also refresh this often while shown. */
const STATS_REFRESH_MS = 10_000;

export function useTaskStats(windowMinutes = 5) {
  return useQuery({
    queryKey: ['task-stats', windowMinutes],
    queryFn: () => window.loupe.call('tasks.stats', { windowMinutes }),
    refetchInterval: STATS_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
}

export function useTaskList(view: ListView, state: TaskState | null, kind: string | null) {
  const key: ListKey = ['tasks', view, view === 'dead' ? 'dead' : state, kind];
  return useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }): Promise<TaskPage> =>
      view === 'dead'
        ? window.loupe.call('tasks.deadLetters', { limit: PAGE, cursor: pageParam })
        : window.loupe.call('tasks.list', { limit: PAGE, cursor: pageParam, ...(state ? { state } : {}), ...(kind ? { kind } : {}) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useInspection(id: string | null) {
  return useQuery({
    queryKey: ['task-inspect', id],
    queryFn: () => window.loupe.call('tasks.inspect', { id: id! }),
    enabled: id !== null,
    placeholderData: keepPreviousData,
  });
}

/** Folds changed tasks into one cached list: updated in place, added on top when new and matching, dropped when they no longer match. */
function fold(old: InfiniteData<TaskPage> | undefined, key: ListKey, changed: Map<string, Task>): InfiniteData<TaskPage> | undefined {
  if (!old || old.pages.length === 0) return old;
  const [, , state, kind] = key;
  const fits = (t: Task) => (state === null || t.state === state) && (kind === null || t.kind === kind);
  const placed = new Set<string>();
  const pages = old.pages.map((p) => {
    let touched = false;
    const items: Task[] = [];
    for (const t of p.items) {
      const next = changed.get(t.id);
      if (!next) {
        items.push(t);
        continue;
      }
      touched = true;
      placed.add(t.id);
      if (fits(next)) items.push(next);
    }
    return touched ? { ...p, items } : p;
  });
  const fresh = [...changed.values()].filter((t) => !placed.has(t.id) && fits(t)).sort((a, b) => Number(b.id) - Number(a.id));
  if (fresh.length > 0) pages[0] = { ...pages[0], items: [...fresh, ...pages[0].items] };
  return { ...old, pages };
}

function applyChanges(queries: QueryClient, changed: Map<string, Task>, watching: () => string[]): void {
  for (const q of queries.getQueryCache().findAll({ queryKey: ['tasks'] })) {
    const key = q.queryKey as unknown as ListKey;
    queries.setQueryData<InfiniteData<TaskPage>>(key, (old) => fold(old, key, changed));
  }
  for (const id of watching()) {
    const seen = queries.getQueryData<TaskInspection>(['task-inspect', id]);
    const related = changed.has(id) || (seen?.children.some((c) => changed.has(c.id)) ?? false) || (seen?.parentId ? changed.has(seen.parentId) : false);
    if (related) void queries.invalidateQueries({ queryKey: ['task-inspect', id] });
  }
}

/**
 * Subscribes to `task.updated` while the page shows. A busy import sends many events a
 * second; they are buffered and applied at most 4 times a second, and the counters are
 * refetched at most once a second — never a request per event.
 */
export function useTaskEvents(selected: string | null): void {
  const queries = useQueryClient();
  useEffect(() => {
    let buffer = new Map<string, Task>();
    const flushStats = throttle(() => void queries.invalidateQueries({ queryKey: ['task-stats'] }), 1000);
    const flush = throttle(() => {
      const changed = buffer;
      buffer = new Map();
      if (changed.size === 0) return;
      applyChanges(queries, changed, () => (selected ? [selected] : []));
      // Progress alone changes no counter: only state changes refetch them.
      if ([...changed.values()].some((t) => t.progress === 0 || t.state !== 'running')) flushStats();
    }, 250);
    const off = window.loupe.on('task.updated', (t) => {
      buffer.set(t.id, t);
      flush();
    });
    return () => {
      off();
      flush.flush();
    };
  }, [queries, selected]);
}

/** Retry, cancel, re-queue and pause, each refreshing what it changed. */
export function useTaskActions() {
  const queries = useQueryClient();
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ['task-stats'] });
    void queries.invalidateQueries({ queryKey: ['task-inspect'] });
  };
  const retry = useMutation({ mutationFn: (id: string) => window.loupe.call('tasks.retry', { id }), onSettled: refresh });
  const cancel = useMutation({ mutationFn: (id: string) => window.loupe.call('tasks.cancel', { id }), onSettled: refresh });
  const requeueAll = useMutation({
    mutationFn: () => window.loupe.call('tasks.requeueDead', {}),
    onSettled: () => {
      refresh();
      void queries.invalidateQueries({ queryKey: ['tasks'] });
    },
  });
  const pause = useMutation({
    mutationFn: ({ queue, paused }: { queue?: string; paused: boolean }) =>
      window.loupe.call(paused ? 'queues.pause' : 'queues.resume', queue ? { queue } : {}),
    onSettled: refresh,
  });
  return { retry, cancel, requeueAll, pause };
}
