import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { TaskState } from '../../shared/contract';
import { isTyping } from '../app/App';
import { messageOf } from '../lib/errors';
import { StatsPanel } from './StatsPanel';
import { TaskDetail } from './TaskDetail';
import { TaskList } from './TaskList';
import { useInspection, useTaskActions, useTaskEvents, useTaskList, useTaskStats, type ListView } from './queries';
import { canCancel, canRetry, matches, noFilter, STATES, STATE_TITLES, tasksAction, type TaskFilter } from './task-view';
import './tasks.css';
import { Notice } from '../app/Notice';
import { useTaskNames } from './useTaskNames';

const TEXT_SEARCH_PAGES = 10;

/**
 * Every long job Loupe runs, live: counts, throughput and workers on the right, the
 * filtered list in the middle, one task's details beside it. Updates arrive as
 * `task.updated` events; nothing polls but a slow refresh of the heartbeats.
 */
export function TasksPage() {
  const [view, setView] = useState<ListView>('all');
  const [filter, setFilter] = useState<TaskFilter>(noFilter);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);

  useTaskEvents(selected);
  const stats = useTaskStats();
  const list = useTaskList(view, filter.state, filter.kind);
  const inspection = useInspection(selected);
  const actions = useTaskActions();
  const names = useTaskNames();

  const all = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const shown = useMemo(() => (filter.text ? all.filter((t) => matches(t, { ...filter, state: null, kind: null })) : all), [all, filter]);
  const kinds = useMemo(() => Object.keys(stats.data?.counts ?? {}).sort(), [stats.data]);
  const deadCount = stats.data?.totals.dead ?? 0;
  const allPaused = stats.data?.paused.includes('*') ?? false;

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  // A text filter pages through older tasks on its own, but only so far: then it asks.
  const [searchPages, setSearchPages] = useState(TEXT_SEARCH_PAGES);
  const loadedPages = list.data?.pages.length ?? 0;
  const searchCapped = filter.text !== '' && hasNextPage && loadedPages >= searchPages;
  const more = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const report = useCallback((p: Promise<unknown>) => {
    setNotice(null);
    p.catch((err) => setNotice(messageOf(err)));
  }, []);
  const retry = useCallback((id: string) => report(actions.retry.mutateAsync(id)), [actions.retry, report]);
  const cancel = useCallback((id: string) => report(actions.cancel.mutateAsync(id)), [actions.cancel, report]);
  const pause = useCallback((queue: string | undefined, paused: boolean) => report(actions.pause.mutateAsync({ queue, paused })), [actions.pause, report]);

  const selectedTask = inspection.data?.task ?? shown.find((t) => t.id === selected) ?? null;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // A dialog (help, a confirmation) owns the keyboard while it is open.
      if (e.defaultPrevented || document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
      if (isTyping(e.target)) {
        if (e.key === 'Escape' && e.target === search.current) search.current?.blur();
        return;
      }
      const action = tasksAction(e);
      if (!action) return;
      const at = shown.findIndex((t) => t.id === selected);
      const go = (i: number) => shown.length > 0 && setSelected(shown[Math.max(0, Math.min(shown.length - 1, i))].id);
      switch (action) {
        case 'next':
          go(at + 1);
          break;
        case 'prev':
          go(at <= 0 ? 0 : at - 1);
          break;
        case 'first':
          go(0);
          break;
        case 'last':
          go(shown.length - 1);
          break;
        case 'search':
          search.current?.focus();
          break;
        case 'retry':
          if (selectedTask && canRetry(selectedTask)) retry(selectedTask.id);
          break;
        case 'cancel':
          if (selectedTask && canCancel(selectedTask)) cancel(selectedTask.id);
          break;
        case 'pause':
          pause(undefined, !allPaused);
          break;
        case 'dead':
          setView((v) => (v === 'dead' ? 'all' : 'dead'));
          break;
        case 'close':
          if (selected === null) return;
          setSelected(null);
          break;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shown, selected, selectedTask, retry, cancel, pause, allPaused]);

  const busy = actions.retry.isPending || actions.cancel.isPending;
  const emptyText = list.isPending
    ? 'Reading tasks…'
    : view === 'dead'
      ? 'Nothing has failed for good: every task that failed will still retry or succeeded.'
      : filter.text || filter.state || filter.kind
        ? 'No task matches this filter.'
        : 'No tasks yet. Imports, training runs and scripts show here while they run.';

  return (
    <section className="page tasks" aria-labelledby="page-title">
      <div className="toolbar">
        <h1 id="page-title" className="toolbar-title">
          Tasks
        </h1>
        <div className="view-switch" role="group" aria-label="Which tasks">
          <button type="button" className="button small" aria-pressed={view === 'all'} onClick={() => setView('all')}>
            All tasks
          </button>
          <button type="button" className="button small" aria-pressed={view === 'dead'} onClick={() => setView('dead')} title="D">
            Failed, will not retry ({deadCount})
          </button>
        </div>
        {view === 'all' ? (
          <>
            <label className="visually-hidden" htmlFor="task-state">
              State
            </label>
            <select id="task-state" value={filter.state ?? ''} onChange={(e) => setFilter({ ...filter, state: (e.target.value || null) as TaskState | null })}>
              <option value="">Every state</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {STATE_TITLES[s]}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <label className="visually-hidden" htmlFor="task-kind">
          Kind
        </label>
        <select id="task-kind" value={filter.kind ?? ''} onChange={(e) => setFilter({ ...filter, kind: e.target.value || null })}>
          <option value="">Every kind</option>
          {[...new Set([...kinds, ...(filter.kind ? [filter.kind] : [])])].map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <input
          ref={search}
          className="task-search"
          type="search"
          placeholder="Filter by text  /"
          aria-label="Filter tasks by text"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
        />
        <span className="spacer" />
        {view === 'dead' && deadCount > 0 ? (
          <button type="button" className="button small" disabled={actions.requeueAll.isPending} onClick={() => report(actions.requeueAll.mutateAsync())}>
            Re-queue all {deadCount}
          </button>
        ) : null}
        <button type="button" className="button small" onClick={() => pause(undefined, !allPaused)} title="P">
          {allPaused ? 'Resume all queues' : 'Pause all queues'}
        </button>
      </div>
      <Notice text={notice} onDismiss={() => setNotice(null)} />
      {allPaused ? (
        <p className="paused-banner" role="status">
          Every queue is paused: running tasks finish, nothing new starts until you resume.
        </p>
      ) : null}
      <div className={`tasks-body${selected ? ' with-detail' : ''}`}>
        <div className="task-list-box">
          <TaskList
            tasks={shown}
            selected={selected}
            onSelect={setSelected}
            hasMore={hasNextPage && !searchCapped}
            onMore={more}
            empty={emptyText}
            names={names}
          />
          {searchCapped ? (
            <p className="task-list-foot muted small">
              Searched the newest {all.length} tasks.{' '}
              <button type="button" className="link" onClick={() => setSearchPages(loadedPages + TEXT_SEARCH_PAGES)}>
                Search older ones
              </button>
            </p>
          ) : null}
        </div>
        {selected ? (
          <TaskDetail
            inspection={inspection.data?.task.id === selected ? inspection.data : undefined}
            loadError={inspection.isError ? messageOf(inspection.error) : null}
            busy={busy}
            onRetry={retry}
            onCancel={cancel}
            onSelect={setSelected}
            onClose={() => setSelected(null)}
            names={names}
          />
        ) : null}
        <StatsPanel
          stats={stats.data}
          onState={(s) => {
            setView('all');
            setFilter({ ...filter, state: s });
          }}
          onKind={(k) => setFilter({ ...filter, kind: k })}
          onPause={(q, paused) => pause(q, paused)}
        />
      </div>
    </section>
  );
}
