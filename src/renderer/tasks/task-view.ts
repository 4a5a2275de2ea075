import type { Task, TaskState } from '../../shared/contract';
import type { KeyLike, ShortcutGroup } from '../lib/grid-keys';

/**
 * What the Tasks page shows, as data: filters, labels and keys. DOM-free so the help
 * dialog lists the same table the page obeys.
 */

export const STATES: TaskState[] = ['queued', 'running', 'failed', 'succeeded', 'dead', 'cancelled'];

export const STATE_TITLES: Record<TaskState, string> = {
  queued: 'Queued',
  running: 'Running',
  failed: 'Failed, will retry',
  succeeded: 'Succeeded',
  dead: 'Failed, will not retry',
  cancelled: 'Cancelled',
};

export interface TaskFilter {
  state: TaskState | null;
  kind: string | null;
  text: string;
}

export const noFilter: TaskFilter = { state: null, kind: null, text: '' };

/** The words a text filter looks through: id, kind, state, messages and the start of the input. */
function haystack(t: Task): string {
  let input = '';
  try {
    input = JSON.stringify(t.input) ?? '';
  } catch {
    input = '';
  }
  return `${t.id} ${t.kind} ${t.state} ${t.progressMessage ?? ''} ${t.error?.message ?? ''} ${t.error?.code ?? ''} ${input.slice(0, 400)}`.toLowerCase();
}

/** Whether a task belongs in the list the filter describes (every word must appear). */
export function matches(t: Task, f: TaskFilter): boolean {
  if (f.state !== null && t.state !== f.state) return false;
  if (f.kind !== null && t.kind !== f.kind) return false;
  const words = f.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const h = haystack(t);
  return words.every((w) => h.includes(w));
}

export const canCancel = (t: Task): boolean => t.state === 'queued' || t.state === 'running' || t.state === 'failed';
export const canRetry = (t: Task): boolean => t.state === 'dead' || t.state === 'failed' || t.state === 'cancelled';

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** How long ago, in words short enough for a table cell. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export type TasksAction = 'next' | 'prev' | 'first' | 'last' | 'retry' | 'cancel' | 'search' | 'pause' | 'dead' | 'close';

/** What a key press on the Tasks page means (none with Ctrl, Alt or ⌘: those belong to the app). */
export function tasksAction(e: KeyLike): TasksAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case 'ArrowDown':
    case 'j':
      return 'next';
    case 'ArrowUp':
    case 'k':
      return 'prev';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'r':
    case 'R':
      return 'retry';
    case 'x':
    case 'X':
      return 'cancel';
    case '/':
      return 'search';
    case 'p':
    case 'P':
      return 'pause';
    case 'd':
    case 'D':
      return 'dead';
    case 'Escape':
      return 'close';
  }
  return null;
}

export const tasksShortcuts: ShortcutGroup = {
  title: 'Tasks',
  items: [
    { keys: ['↑', '↓'], does: 'Select the previous or next task (also K, J)' },
    { keys: ['Home', 'End'], does: 'Select the first or last task' },
    { keys: ['/'], does: 'Filter tasks by text' },
    { keys: ['R'], does: 'Retry the selected task (re-queue a dead one)' },
    { keys: ['X'], does: 'Cancel the selected task' },
    { keys: ['P'], does: 'Pause or resume every queue' },
    { keys: ['D'], does: 'Show the tasks that failed and will not retry, or all tasks again' },
    { keys: ['Esc'], does: 'Close the task’s details' },
  ],
};
