import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TaskQueue } from '../../src/main/queue';
import { adoptLegacyQueue, openStore } from '../../src/main/store';

/* Upgrading from a data folder whose tasks lived in queue.db: the unfinished ones move into loupe.db. */

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loupe-legacy-queue-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const define = (q: TaskQueue) => q.define('probe', { input: z.object({ n: z.number() }), handler: () => null });

describe('adoptLegacyQueue', () => {
  it('moves queued tasks (ids and inputs kept), leaves finished ones behind, renames the old file, and runs once', () => {
    const oldDb = new BetterSqlite3(join(dir, 'queue.db'));
    const old = define(new TaskQueue(oldDb));
    const waiting = old.enqueue('probe', { n: 1 });
    const done = old.enqueue('probe', { n: 2 });
    old.cancel(done.id);
    oldDb.close();

    const store = openStore(join(dir, 'loupe.db'));
    const q = define(new TaskQueue(store.db));
    expect(adoptLegacyQueue(store.db, join(dir, 'queue.db'))).toBe(1);
    expect(q.get(waiting.id)).toMatchObject({ kind: 'probe', state: 'queued', input: { n: 1 } });
    expect(q.get(done.id)).toBeNull();
    expect(existsSync(join(dir, 'queue.db'))).toBe(false);
    expect(existsSync(join(dir, 'queue.db.moved'))).toBe(true);
    expect(adoptLegacyQueue(store.db, join(dir, 'queue.db'))).toBe(0);
    store.close();
  });
});
