import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Task } from '../../shared/contract';
import { formatTime } from './task-view';
import { stateTag, taskTitle, type Names } from './task-title';

const ROW = 44;

function Row({ task, selected, onSelect, names }: { task: Task; selected: boolean; onSelect: () => void; names: Names }) {
  const live = task.state === 'running';
  return (
    <div
      role="option"
      aria-selected={selected}
      id={`task-${task.id}`}
      data-task-id={task.id}
      data-state={task.state}
      className={`task-row${selected ? ' selected' : ''}`}
      onClick={onSelect}
    >
      <span className={`state-tag st-${task.state}`}>{stateTag(task)}</span>
      <span className="task-kind" title={task.kind}>
        {taskTitle(task, names)}
      </span>
      <span className="task-id muted">#{task.id}</span>
      <span className="task-note">
        {task.error ? (
          <span className="task-error">{task.error.message}</span>
        ) : live ? (
          <span className="task-progress">
            <span className="progress mini" aria-hidden="true">
              <span className="progress-fill" style={{ width: `${Math.round(task.progress * 100)}%` }} />
            </span>
            <span className="muted small">{task.progressMessage ?? `${Math.round(task.progress * 100)} %`}</span>
          </span>
        ) : (
          <span className="muted small">{task.progressMessage ?? ''}</span>
        )}
      </span>
      <span className="task-time muted small">{formatTime(task.finishedAt ?? task.startedAt ?? task.createdAt)}</span>
    </div>
  );
}

/** Every task the filter holds, virtualised: only the rows in view exist in the page. */
export function TaskList(props: {
  tasks: Task[];
  selected: string | null;
  onSelect: (id: string) => void;
  hasMore: boolean;
  onMore: () => void;
  empty: string;
  names: Names;
}) {
  const scroll = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: props.tasks.length, getScrollElement: () => scroll.current, estimateSize: () => ROW, overscan: 8 });
  const items = virtual.getVirtualItems();
  const last = items.length > 0 ? items[items.length - 1].index : 0;
  const { hasMore, onMore } = props;
  useEffect(() => {
    if (hasMore && last >= props.tasks.length - 20) onMore();
  }, [hasMore, onMore, last, props.tasks.length]);

  const index = props.selected === null ? -1 : props.tasks.findIndex((t) => t.id === props.selected);
  useEffect(() => {
    if (index >= 0) virtual.scrollToIndex(index, { align: 'auto' });
  }, [index, virtual]);

  if (props.tasks.length === 0) return <div className="task-list-empty muted">{props.empty}</div>;
  return (
    <div
      ref={scroll}
      className="task-list"
      role="listbox"
      aria-label="Tasks"
      aria-activedescendant={props.selected ? `task-${props.selected}` : undefined}
      tabIndex={0}
    >
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {items.map((v) => {
          const t = props.tasks[v.index];
          return (
            <div key={t.id} className="task-row-box" style={{ transform: `translateY(${v.start}px)`, height: ROW }}>
              <Row task={t} selected={t.id === props.selected} onSelect={() => props.onSelect(t.id)} names={props.names} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
