// docs/map.md stays true of the code: every table the app's database holds and every event
// the contract declares is on the map, and every doc in docs/ is linked from the README.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { events } from '../../src/shared/contract/index';
import { openStore } from '../../src/main/store/index';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('docs/map.md', () => {
  const map = read('docs/map.md');

  it("names every table of loupe.db, the queue engine's included", () => {
    const store = openStore(':memory:');
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    store.close();
    const queueTables = [...read('src/main/queue/store/schema.ts').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]);
    expect(queueTables.length).toBeGreaterThan(0);
    const missing = [...tables, ...queueTables].filter((t) => !map.includes(`\`${t}\``));
    expect(missing).toEqual([]);
  });

  it('names every event of the contract', () => {
    const missing = Object.keys(events).filter((e) => !map.includes(`\`${e}\``));
    expect(missing).toEqual([]);
  });

  it('names only source files that exist', () => {
    const named = [...map.matchAll(/\b((?:services|store|workers|ipc|api|queue|http)\/[\w/-]+\.ts)\b/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    const gone = named.filter((f) => {
      try {
        readFileSync(path.join(ROOT, 'src/main', f));
        return false;
      } catch {
        return true;
      }
    });
    expect(gone).toEqual([]);
  });
});

describe('README.md', () => {
  it('links every doc in docs/', () => {
    const readme = read('README.md');
    const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    expect(docs.filter((f) => !readme.includes(`](docs/${f})`))).toEqual([]);
  });
});
