import type { Database } from 'better-sqlite3';
import { nowIso, toRowId } from './ids';

/** Labels are per dataset and unique by name within it; they may exist with no image. */
export class LabelRepository {
  constructor(private readonly db: Database) {}

  /** The label's row id, creating the label if the dataset does not have it yet. */
  ensure(datasetId: string, name: string): number {
    const ds = toRowId(datasetId);
    if (ds === null) throw new Error(`No dataset ${datasetId}.`);
    this.db
      .prepare('INSERT INTO labels (dataset_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (dataset_id, name) DO NOTHING')
      .run(ds, name, nowIso());
    const row = this.db.prepare('SELECT id FROM labels WHERE dataset_id = ? AND name = ?').get(ds, name) as { id: number };
    return row.id;
  }

  find(datasetId: string, name: string): number | null {
    const ds = toRowId(datasetId);
    if (ds === null) return null;
    const row = this.db.prepare('SELECT id FROM labels WHERE dataset_id = ? AND name = ?').get(ds, name) as
      | { id: number }
      | undefined;
    return row ? row.id : null;
  }

  count(datasetId: string, name: string): number {
    const id = this.find(datasetId, name);
    if (id === null) return 0;
    return (this.db.prepare('SELECT COUNT(*) AS n FROM images WHERE label_id = ?').get(id) as { n: number }).n;
  }

  names(datasetId: string): string[] {
    const ds = toRowId(datasetId);
    if (ds === null) return [];
    return (this.db.prepare('SELECT name FROM labels WHERE dataset_id = ? ORDER BY name').all(ds) as Array<{ name: string }>).map(
      (r) => r.name,
    );
  }
}
