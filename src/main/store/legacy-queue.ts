import { existsSync, renameSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/**
 * Loupe before "one database" kept its task queue in DATA/queue.db. At the first start with
 * the queue's tables in loupe.db, the tasks that were still to run (queued, running, waiting
 * to retry) move over, ids kept, and the old file is renamed aside (queue.db.moved), so a
 * pending import is not lost by the upgrade. Finished history stays in the renamed file.
 * Runs after the queue engine made its tables here and before it starts; a no-op afterwards.
 */
export function adoptLegacyQueue(db: Database, file: string): number {
  if (!existsSync(file)) return 0;
  const ours = (db.prepare('SELECT count(*) AS n FROM queue_tasks').get() as { n: number }).n;
  let moved = 0;
  db.prepare('ATTACH DATABASE ? AS legacy').run(file);
  try {
    const hasTable = db.prepare(`SELECT 1 FROM legacy.sqlite_master WHERE type = 'table' AND name = 'queue_tasks'`).get() !== undefined;
    // Only into an empty queue: ids of the old file could collide with tasks made here.
    if (hasTable && ours === 0) {
      const cols = (db.prepare('SELECT name FROM pragma_table_info(?)').all('queue_tasks') as Array<{ name: string }>).map((c) => c.name);
      const old = new Set((db.prepare(`SELECT name FROM legacy.pragma_table_info('queue_tasks')`).all() as Array<{ name: string }>).map((c) => c.name));
      const shared = cols.filter((c) => old.has(c)).join(', ');
      moved = db.transaction(
        () =>
          db.prepare(`INSERT INTO queue_tasks (${shared}) SELECT ${shared} FROM legacy.queue_tasks WHERE state IN ('queued', 'running', 'failed')`).run()
            .changes,
      )();
    }
  } finally {
    db.prepare('DETACH DATABASE legacy').run();
  }
  renameSync(file, `${file}.moved`);
  for (const side of ['-wal', '-shm']) if (existsSync(`${file}${side}`)) renameSync(`${file}${side}`, `${file}.moved${side}`);
  return moved;
}
