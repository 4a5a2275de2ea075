import type { Database } from 'better-sqlite3';
import { toRowId } from '../../store/ids';

/** What training and selection need of each picture of a dataset, in import (id) order. */
export interface DatasetImage {
  id: string;
  hash: string;
  ext: string;
  label: string | null;
  width: number;
  height: number;
}

/** All pictures of a dataset in one query: the vision features always need the whole set. */
export function datasetImages(db: Database, datasetId: string, only: 'all' | 'labelled' | 'unlabelled' = 'all'): DatasetImage[] {
  const ds = toRowId(datasetId);
  if (ds === null) return [];
  const filter = only === 'labelled' ? ' AND i.label_id IS NOT NULL' : only === 'unlabelled' ? ' AND i.label_id IS NULL' : '';
  const rows = db
    .prepare(
      `SELECT i.id, i.hash, i.ext, l.name AS label, i.width, i.height
       FROM images i LEFT JOIN labels l ON l.id = i.label_id
       WHERE i.dataset_id = ?${filter} ORDER BY i.id`,
    )
    .all(ds) as Array<{ id: number; hash: string; ext: string; label: string | null; width: number; height: number }>;
  return rows.map((r) => ({ ...r, id: String(r.id) }));
}
