import type { Database } from 'better-sqlite3';
import { nowIso, toRowId } from './ids';

export interface LabelRecord {
  id: number;
  name: string;
  /** Creation order within the dataset: the digit shortcuts follow it. */
  position: number;
  /** The stored colour, or null for the default colour of the position. */
  color: string | null;
}

/**
 * Labels are per dataset and unique by name within it; they may exist with no image. They
 * keep the order they were made in: a new label goes last, so shortcuts never renumber.
 */
export class LabelRepository {
  constructor(private readonly db: Database) {}

  /** The label's row id, creating the label (last in order) if the dataset does not have it yet. */
  ensure(datasetId: string, name: string): number {
    const ds = toRowId(datasetId);
    if (ds === null) throw new Error(`No dataset ${datasetId}.`);
    this.db
      .prepare(
        `INSERT INTO labels (dataset_id, name, created_at, position)
         VALUES (?, ?, ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM labels WHERE dataset_id = ?))
         ON CONFLICT (dataset_id, name) DO NOTHING`,
      )
      .run(ds, name, nowIso(), ds);
    const row = this.db.prepare('SELECT id FROM labels WHERE dataset_id = ? AND name = ?').get(ds, name) as { id: number };
    return row.id;
  }

  /** Brings a label back where it was (undo of a delete or merge); an existing one is kept as is. */
  restore(datasetId: string, label: { name: string; position: number; color: string | null }): number {
    const ds = toRowId(datasetId);
    if (ds === null) throw new Error(`No dataset ${datasetId}.`);
    this.db
      .prepare(
        `INSERT INTO labels (dataset_id, name, created_at, position, color) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (dataset_id, name) DO NOTHING`,
      )
      .run(ds, label.name, nowIso(), label.position, label.color);
    return this.find(datasetId, label.name)!;
  }

  find(datasetId: string, name: string): number | null {
    return this.get(datasetId, name)?.id ?? null;
  }

  get(datasetId: string, name: string): LabelRecord | null {
    const ds = toRowId(datasetId);
    if (ds === null) return null;
    const row = this.db.prepare('SELECT id, name, position, color FROM labels WHERE dataset_id = ? AND name = ?').get(ds, name) as LabelRecord | undefined;
    return row ?? null;
  }

  count(datasetId: string, name: string): number {
    const id = this.find(datasetId, name);
    if (id === null) return 0;
    return (this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE label_id = ?').get(id) as { n: number }).n;
  }

  /** Ids of the pictures that carry this label. */
  imageIds(labelId: number): string[] {
    return (this.db.prepare('SELECT id FROM images WHERE label_id = ? ORDER BY id').all(labelId) as Array<{ id: number }>).map((r) => String(r.id));
  }

  /** Names in creation order (the order of the digit shortcuts). */
  names(datasetId: string): string[] {
    const ds = toRowId(datasetId);
    if (ds === null) return [];
    return (this.db.prepare('SELECT name FROM labels WHERE dataset_id = ? ORDER BY position, id').all(ds) as Array<{ name: string }>).map((r) => r.name);
  }

  rename(labelId: number, name: string): void {
    this.db.prepare('UPDATE labels SET name = ? WHERE id = ?').run(name, labelId);
  }

  setColor(labelId: number, color: string | null): void {
    this.db.prepare('UPDATE labels SET color = ? WHERE id = ?').run(color, labelId);
  }

  /** Deletes the label; its pictures become unlabelled (the foreign key sets them to null). */
  drop(labelId: number): void {
    this.db.prepare('UPDATE images SET label_id = NULL WHERE label_id = ?').run(labelId);
    this.db.prepare('DELETE FROM labels WHERE id = ?').run(labelId);
  }
}
