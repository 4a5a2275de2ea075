import type { Database } from 'better-sqlite3';
import { nowIso, toId, toRowId } from './ids';
import type { StoredFile } from './images';

export interface HistoryRecord {
  id: string;
  datasetId: string;
  action: string;
  summary: string;
  /** How many pictures (or labels) the action touched. */
  count: number;
  /** JSON: the steps that take the dataset back to before the action. */
  undo: string;
  /** JSON: the steps that do the action again. */
  redo: string;
  undone: boolean;
  createdAt: string;
}

export interface NewHistoryEntry {
  datasetId: string;
  action: string;
  summary: string;
  count: number;
  undo: string;
  redo: string;
  /** Library files the undo may need back (deleted pictures). */
  files: readonly StoredFile[];
}

interface Row {
  id: number;
  dataset_id: number;
  action: string;
  summary: string;
  count: number;
  undo: string;
  redo: string;
  undone: number;
  created_at: string;
}

const COLUMNS = 'id, dataset_id, action, summary, count, undo, redo, undone, created_at';

function toRecord(r: Row): HistoryRecord {
  return {
    id: toId(r.id),
    datasetId: toId(r.dataset_id),
    action: r.action,
    summary: r.summary,
    count: r.count,
    undo: r.undo,
    redo: r.redo,
    undone: r.undone === 1,
    createdAt: r.created_at,
  };
}

/**
 * A dataset's undo history, durable like everything else. The undone rows are the redo
 * stack: recording a new action drops them. Only the newest `keep` rows are kept.
 */
export class HistoryRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records an action. Returns the files that dropped rows held (the redo stack and rows
   * past the limit), for the library to release once nothing else uses them.
   */
  record(entry: NewHistoryEntry, keep: number): { id: string; released: StoredFile[] } {
    const ds = toRowId(entry.datasetId);
    if (ds === null) throw new Error(`No dataset ${entry.datasetId}.`);
    const released = this.filesOf('h.dataset_id = ? AND h.undone = 1', ds);
    this.db.prepare('DELETE FROM label_history WHERE dataset_id = ? AND undone = 1').run(ds);
    const info = this.db
      .prepare('INSERT INTO label_history (dataset_id, action, summary, count, undo, redo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(ds, entry.action, entry.summary, entry.count, entry.undo, entry.redo, nowIso());
    const id = Number(info.lastInsertRowid);
    const file = this.db.prepare('INSERT OR IGNORE INTO label_history_files (entry_id, hash, ext) VALUES (?, ?, ?)');
    for (const f of entry.files) file.run(id, f.hash, f.ext);
    const cutoff = this.db.prepare('SELECT id FROM label_history WHERE dataset_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?').get(ds, keep) as
      { id: number } | undefined;
    if (cutoff) {
      released.push(...this.filesOf('h.dataset_id = ? AND h.id <= ?', ds, cutoff.id));
      this.db.prepare('DELETE FROM label_history WHERE dataset_id = ? AND id <= ?').run(ds, cutoff.id);
    }
    return { id: toId(id), released };
  }

  /** The action an undo would take back: the newest one not undone. */
  nextUndo(datasetId: string): HistoryRecord | null {
    const ds = toRowId(datasetId);
    if (ds === null) return null;
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM label_history WHERE dataset_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1`).get(ds) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** The action a redo would do again: the oldest undone one. */
  nextRedo(datasetId: string): HistoryRecord | null {
    const ds = toRowId(datasetId);
    if (ds === null) return null;
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM label_history WHERE dataset_id = ? AND undone = 1 ORDER BY id LIMIT 1`).get(ds) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  get(id: string): HistoryRecord | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM label_history WHERE id = ?`).get(toRowId(id)) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  setUndone(id: string, undone: boolean): void {
    this.db.prepare('UPDATE label_history SET undone = ? WHERE id = ?').run(undone ? 1 : 0, toRowId(id));
  }

  /** Newest first. */
  list(datasetId: string, limit: number): HistoryRecord[] {
    const ds = toRowId(datasetId);
    if (ds === null) return [];
    return (this.db.prepare(`SELECT ${COLUMNS} FROM label_history WHERE dataset_id = ? ORDER BY id DESC LIMIT ?`).all(ds, limit) as Row[]).map(toRecord);
  }

  private filesOf(where: string, ...args: number[]): StoredFile[] {
    return this.db
      .prepare(`SELECT DISTINCT f.hash, f.ext FROM label_history_files f JOIN label_history h ON h.id = f.entry_id WHERE ${where}`)
      .all(...args) as StoredFile[];
  }
}
