import type { Database } from 'better-sqlite3';
import { decodeCursor, encodeCursor, InvalidCursorError, nowIso, toId, toRowId } from './ids';

export interface DatasetRecord {
  id: string;
  name: string;
  imageCount: number;
  createdAt: string;
}

export interface LabelCountRecord {
  name: string;
  count: number;
  position: number;
  /** Null: the default colour of the position (chosen above the store). */
  color: string | null;
}

export interface DatasetDetailRecord extends DatasetRecord {
  labels: LabelCountRecord[];
  unlabeledCount: number;
}

export interface PageRequest {
  limit: number;
  cursor?: string | null;
}

export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

interface Row {
  id: number;
  name: string;
  created_at: string;
  image_count: number;
}

const SELECT = `SELECT d.id, d.name, d.created_at,
  (SELECT COUNT(*) FROM images i WHERE i.dataset_id = d.id) AS image_count
  FROM datasets d`;

function toRecord(r: Row): DatasetRecord {
  return { id: toId(r.id), name: r.name, imageCount: r.image_count, createdAt: r.created_at };
}

/** Datasets, in creation order. Deleting one cascades to its labels and images (FKs). */
export class DatasetRepository {
  constructor(private readonly db: Database) {}

  create(name: string): DatasetRecord {
    const createdAt = nowIso();
    const info = this.db.prepare('INSERT INTO datasets (name, created_at) VALUES (?, ?)').run(name, createdAt);
    return { id: toId(info.lastInsertRowid), name, imageCount: 0, createdAt };
  }

  get(id: string): DatasetRecord | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    const row = this.db.prepare(`${SELECT} WHERE d.id = ?`).get(rowId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  exists(id: string): boolean {
    const rowId = toRowId(id);
    return rowId !== null && this.db.prepare('SELECT 1 FROM datasets WHERE id = ?').get(rowId) !== undefined;
  }

  listAll(): DatasetRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY d.id`).all() as Row[]).map(toRecord);
  }

  list(page: PageRequest): PageOf<DatasetRecord> {
    let after = 0;
    if (page.cursor) {
      const c = decodeCursor(page.cursor);
      if (c === null) throw new InvalidCursorError();
      after = c;
    }
    const rows = this.db.prepare(`${SELECT} WHERE d.id > ? ORDER BY d.id LIMIT ?`).all(after, page.limit + 1) as Row[];
    const more = rows.length > page.limit;
    const items = (more ? rows.slice(0, page.limit) : rows).map(toRecord);
    return { items, nextCursor: more ? encodeCursor(Number(items[items.length - 1].id)) : null };
  }

  rename(id: string, name: string): DatasetRecord | null {
    const rowId = toRowId(id);
    if (rowId === null) return null;
    this.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, rowId);
    return this.get(id);
  }

  /** Removes the dataset with its labels and images. True when it existed. */
  delete(id: string): boolean {
    const rowId = toRowId(id);
    if (rowId === null) return false;
    return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(rowId).changes > 0;
  }

  /** Counts per label (labels with no image included, in creation order) and the unlabelled rest. */
  detail(id: string): DatasetDetailRecord | null {
    const base = this.get(id);
    if (!base) return null;
    const rowId = Number(base.id);
    const labels = this.db
      .prepare(
        `SELECT l.name AS name, COUNT(i.id) AS count, l.position AS position, l.color AS color FROM labels l
         LEFT JOIN images i ON i.label_id = l.id
         WHERE l.dataset_id = ? GROUP BY l.id ORDER BY l.position, l.id`,
      )
      .all(rowId) as LabelCountRecord[];
    const unlabeled = this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ? AND label_id IS NULL').get(rowId) as { n: number };
    return { ...base, labels, unlabeledCount: unlabeled.n };
  }

  /** Marks a change of the dataset's labelled set (call it in the change's transaction). */
  bumpLabelsVersion(id: string): void {
    this.db.prepare('UPDATE datasets SET labels_version = labels_version + 1 WHERE id = ?').run(toRowId(id));
  }

  labelsVersion(id: string): number {
    const r = this.db.prepare('SELECT labels_version AS v FROM datasets WHERE id = ?').get(toRowId(id)) as { v: number } | undefined;
    return r?.v ?? 0;
  }

  /** Picture counts per label (two labels of two pictures each make a dataset trainable). */
  labelCounts(id: string): number[] {
    return (
      this.db
        .prepare('SELECT count(i.id) AS n FROM labels l LEFT JOIN images i ON i.label_id = l.id WHERE l.dataset_id = ? GROUP BY l.id')
        .all(toRowId(id)) as Array<{ n: number }>
    ).map((r) => r.n);
  }

  ids(): string[] {
    return (this.db.prepare('SELECT id FROM datasets ORDER BY id').all() as Array<{ id: number }>).map((r) => toId(r.id));
  }
}
