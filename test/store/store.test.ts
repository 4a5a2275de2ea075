import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError, migrate, MIGRATIONS, openStore, type Store } from '../../src/main/store';

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-store-'));
  store = openStore(join(dir, 'loupe.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function addImage(datasetId: string, hash: string, labelId: number | null = null) {
  return store.images.insert({ datasetId, hash, ext: 'png', fileName: `${hash}.png`, labelId, width: 4, height: 3 });
}

describe('migrations', () => {
  it('applies every migration once, records it, and uses WAL with foreign keys on', () => {
    const rows = store.db.prepare('SELECT version, name FROM schema_migrations').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(migrate(store.db)).toEqual([]);
  });

  it('rolls back every pending migration when one of them fails', () => {
    const db = new BetterSqlite3(join(dir, 'broken.db'));
    const bad = [...MIGRATIONS, { version: 2, name: '002_bad', sql: 'CREATE TABLE x (a INT); NOT SQL' }];
    expect(() => migrate(db, bad)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('datasets','x')").all()).toEqual([]);
    db.close();
  });

  it('refuses a database written by a newer schema', () => {
    store.db.prepare("INSERT INTO schema_migrations VALUES (99, '099_future', 'x')").run();
    store.close();
    expect(() => openStore(join(dir, 'loupe.db'))).toThrow(/newer Loupe/);
    store = openStore(join(dir, 'other.db'));
  });
});

describe('repositories', () => {
  it('creates, lists with keyset pages, renames and finds datasets by string id', () => {
    const made = ['a', 'b', 'c', 'd', 'e'].map((n) => store.datasets.create(n));
    expect(made[0].id).toMatch(/^\d+$/);
    const first = store.datasets.list({ limit: 2 });
    expect(first.items.map((d) => d.name)).toEqual(['a', 'b']);
    const second = store.datasets.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((d) => d.name)).toEqual(['c', 'd']);
    const third = store.datasets.list({ limit: 2, cursor: second.nextCursor });
    expect(third.items.map((d) => d.name)).toEqual(['e']);
    expect(third.nextCursor).toBeNull();
    expect(() => store.datasets.list({ limit: 2, cursor: 'garbage' })).toThrow(InvalidCursorError);
    expect(store.datasets.rename(made[1].id, 'bee')?.name).toBe('bee');
    expect(store.datasets.get('nope')).toBeNull();
    expect(store.datasets.get('999')).toBeNull();
  });

  it('keeps labels with no images and counts per label and unlabelled', () => {
    const ds = store.datasets.create('pets');
    const cats = store.labels.ensure(ds.id, 'cats');
    expect(store.labels.ensure(ds.id, 'cats')).toBe(cats);
    store.labels.ensure(ds.id, 'dogs');
    addImage(ds.id, 'h1', cats);
    addImage(ds.id, 'h2', cats);
    addImage(ds.id, 'h3');
    const detail = store.datasets.detail(ds.id)!;
    expect(detail.imageCount).toBe(3);
    expect(detail.labels).toEqual([
      { name: 'cats', count: 2, position: 0, color: null },
      { name: 'dogs', count: 0, position: 1, color: null },
    ]);
    expect(detail.unlabeledCount).toBe(1);
  });

  it('stores the same picture once per dataset but once in each dataset', () => {
    const a = store.datasets.create('a');
    const b = store.datasets.create('b');
    const first = addImage(a.id, 'same');
    const again = addImage(a.id, 'same');
    expect(first.inserted).toBe(true);
    expect(again.inserted).toBe(false);
    expect(again.image.id).toBe(first.image.id);
    expect(addImage(b.id, 'same').inserted).toBe(true);
    expect(store.images.countInDataset(a.id)).toBe(1);
  });

  it('filters and pages images, relabels them, and cascades a dataset deletion', () => {
    const ds = store.datasets.create('x');
    const cats = store.labels.ensure(ds.id, 'cats');
    const ids = Array.from({ length: 7 }, (_, i) => addImage(ds.id, `h${i}`, i % 2 ? cats : null).image.id);
    const page1 = store.images.list({ datasetId: ds.id, label: 'cats', limit: 2 });
    const page2 = store.images.list({ datasetId: ds.id, label: 'cats', limit: 2, cursor: page1.nextCursor });
    expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual([ids[1], ids[3], ids[5]]);
    expect(page2.nextCursor).toBeNull();
    expect(store.images.list({ datasetId: ds.id, unlabeled: true, limit: 50 }).items).toHaveLength(4);
    expect(store.images.list({ datasetId: ds.id, label: 'nothing', limit: 50 }).items).toHaveLength(0);

    const dogs = store.labels.ensure(ds.id, 'dogs');
    expect(store.images.setLabel(ds.id, [ids[0], ids[2]], dogs)).toBe(2);
    expect(store.images.get(ids[0])?.label).toBe('dogs');

    expect(store.datasets.delete(ds.id)).toBe(true);
    const left = store.db.prepare('SELECT (SELECT COUNT(*) FROM images) AS i, (SELECT COUNT(*) FROM labels) AS l').get();
    expect(left).toEqual({ i: 0, l: 0 });
    expect(store.images.isHashUsed('h1')).toBe(false);
  });

  it('lists pictures still to embed or predict past a cursor, in id order, so a long run never walks them twice', () => {
    const ds = store.datasets.create('cursor').id;
    const ids = ['a', 'b', 'c', 'd', 'e'].map((h) => addImage(ds, h.repeat(64)).image.id);
    store.embeddings.put('bb', 'b'.repeat(64), new Float32Array(4));
    const all = store.predictions.unembedded(ds, 'bb', 10);
    expect(all.map((p) => p.id)).toEqual([ids[0], ids[2], ids[3], ids[4]]);
    // Past 'c': only what comes after it, even though 'a' is still missing.
    expect(store.predictions.unembedded(ds, 'bb', 10, [], ids[2]).map((p) => p.id)).toEqual([ids[3], ids[4]]);
    expect(store.predictions.unembedded(ds, 'bb', 1, [], ids[3]).map((p) => p.id)).toEqual([ids[4]]);
    expect(store.predictions.unembedded(ds, 'bb', 10, [], ids[4])).toEqual([]);
    // A picture stored later is past any cursor taken before it.
    const later = addImage(ds, 'f'.repeat(64)).image.id;
    expect(store.predictions.unembedded(ds, 'bb', 10, ['e'.repeat(64)], ids[4]).map((p) => p.id)).toEqual([later]);
    // The same for predictions (a model that predicted nothing yet).
    for (const h of ['a', 'c', 'd', 'e', 'f']) store.embeddings.put('bb', h.repeat(64), new Float32Array(4));
    expect(store.predictions.unpredicted(ds, 'bb', '999', 10).map((p) => p.id)).toEqual([...ids, later]);
    expect(store.predictions.unpredicted(ds, 'bb', '999', 2, ids[2]).map((p) => p.id)).toEqual([ids[3], ids[4]]);
  });

  it('never hands out a deleted image id again (clients cache thumbnails by id)', () => {
    const ds = store.datasets.create('x');
    addImage(ds.id, 'a');
    const last = addImage(ds.id, 'b').image.id;
    store.images.delete([last]);
    expect(Number(addImage(ds.id, 'c').image.id)).toBeGreaterThan(Number(last));
  });

  it('migrates a database made by an older schema without losing images', () => {
    const old = new BetterSqlite3(join(dir, 'old.db'));
    old.pragma('foreign_keys = ON');
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version < 4),
    );
    old.prepare("INSERT INTO datasets (name, created_at) VALUES ('d', 'now')").run();
    old.prepare("INSERT INTO images (dataset_id, hash, ext, file_name, width, height, created_at) VALUES (1, 'h', 'png', 'f', 1, 1, 'now')").run();
    old.close();
    store.close();
    store = openStore(join(dir, 'old.db'));
    expect(store.images.get('1')).toMatchObject({ hash: 'h', datasetId: '1' });
  });

  it('keeps cached embeddings when their tables become ordinary (rowid) tables', () => {
    const old = new BetterSqlite3(join(dir, 'emb.db'));
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version < 8),
    );
    const vector = Buffer.from(Float32Array.from([1.5, -2, 3]).buffer);
    old.prepare("INSERT INTO embeddings VALUES ('h1', 'bb', 3, ?, 'then')").run(vector);
    old.prepare("INSERT INTO embedding_variants VALUES ('h1', 'bb', 'flip', 3, ?, 'then')").run(vector);
    old.close();
    store.close();
    store = openStore(join(dir, 'emb.db'));
    const row = store.db.prepare("SELECT dim, vector, created_at FROM embeddings WHERE hash = 'h1' AND backbone = 'bb'").get() as {
      dim: number;
      vector: Buffer;
      created_at: string;
    };
    expect(row).toMatchObject({ dim: 3, created_at: 'then' });
    expect(Array.from(new Float32Array(new Uint8Array(row.vector).buffer))).toEqual([1.5, -2, 3]);
    expect((store.db.prepare('SELECT count(*) AS n FROM embedding_variants').get() as { n: number }).n).toBe(1);
    // The (hash, backbone) key still refuses a second copy, and the tables are no longer WITHOUT ROWID.
    expect(() => store.db.prepare("INSERT INTO embeddings VALUES ('h1', 'bb', 3, x'00', 'now')").run()).toThrow(/UNIQUE/);
    const sql = (store.db.prepare("SELECT group_concat(sql) AS s FROM sqlite_master WHERE name IN ('embeddings', 'embedding_variants')").get() as { s: string })
      .s;
    expect(sql).not.toMatch(/WITHOUT ROWID/i);
  });

  it('keeps settings as JSON values and everything survives reopening the file', () => {
    const ds = store.datasets.create('kept');
    store.labels.ensure(ds.id, 'only-label');
    store.settings.set('api.allowedOrigins', ['http://x.test']);
    store.close();
    store = openStore(join(dir, 'loupe.db'));
    expect(store.settings.get<string[]>('api.allowedOrigins')).toEqual(['http://x.test']);
    expect(store.datasets.detail(ds.id)?.labels).toEqual([{ name: 'only-label', count: 0, position: 0, color: null }]);
  });
});
