import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/main/store/statement-cache';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-stmt-'));
  dirs.push(dir);
  const db = new BetterSqlite3(join(dir, 'loupe.db'));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  return db;
}

describe('the repositories’ statement cache', () => {
  it('prepares each SQL text once and still runs it with fresh arguments', () => {
    const db = open();
    const cached = withStatementCache(db);
    const insert = cached.prepare('INSERT INTO t (v) VALUES (?)');
    expect(cached.prepare('INSERT INTO t (v) VALUES (?)')).toBe(insert);
    insert.run('a');
    cached.prepare('INSERT INTO t (v) VALUES (?)').run('b');
    expect(cached.prepare('SELECT v FROM t ORDER BY id').all()).toEqual([{ v: 'a' }, { v: 'b' }]);
    db.close();
  });

  it('is the same connection otherwise: transactions roll back, getters answer', () => {
    const db = open();
    const cached = withStatementCache(db);
    expect(cached.open).toBe(true);
    expect(() =>
      cached.transaction(() => {
        cached.prepare('INSERT INTO t (v) VALUES (?)').run('lost');
        expect(cached.inTransaction).toBe(true);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    db.close();
    expect(cached.open).toBe(false);
  });

  it('keeps at most 512 texts, dropping the least recently used', () => {
    const db = open();
    const cached = withStatementCache(db);
    const first = cached.prepare('SELECT 0');
    const kept = cached.prepare('SELECT 1');
    for (let i = 2; i < 600; i++) {
      cached.prepare(`SELECT ${i}`);
      if (i % 100 === 0) expect(cached.prepare('SELECT 1')).toBe(kept);
    }
    expect(cached.prepare('SELECT 1')).toBe(kept);
    expect(cached.prepare('SELECT 0')).not.toBe(first);
    db.close();
  });
});
