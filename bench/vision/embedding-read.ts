// Reading cached embeddings back, as the embedding cache does (400 hashes per `IN (…)`), from
// the table layout before migration 008 (WITHOUT ROWID) and after it (ordinary table with a
// unique key), side by side on the same 60,000 random 1,536-float vectors in two files under
// bench/tmp. CPU µs per row for the two queries the cache runs: which hashes are cached, and
// their vectors.
// Run: npx tsx bench/vision/embedding-read.ts [rows]
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

const N = Number(process.argv[2] ?? 60_000);
const CHUNK = 400;
const BACKBONE = 'mobilenet_v2-nsfwjs-6ab41e85192a';
const LAYOUTS = { 'WITHOUT ROWID (before 008)': ' WITHOUT ROWID', 'rowid + unique key (008)': '' };

function build(file: string, suffix: string, hashes: string[]): void {
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(
    `CREATE TABLE embeddings (hash TEXT NOT NULL, backbone TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (hash, backbone))${suffix}`,
  );
  const ins = db.prepare('INSERT INTO embeddings VALUES (?, ?, 1536, ?, ?)');
  const vec = Buffer.from(new Float32Array(1536).fill(0.5).buffer);
  db.transaction(() => hashes.forEach((h) => ins.run(h, BACKBONE, vec, new Date().toISOString())))();
  db.close();
}

function read(file: string, columns: string, hashes: string[]): number {
  const db = new Database(file, { readonly: true });
  const st = db.prepare(`SELECT hash, ${columns} FROM embeddings WHERE backbone = ? AND hash IN (${new Array<string>(CHUNK).fill('?').join(',')})`);
  const t = process.cpuUsage();
  for (let i = 0; i + CHUNK <= hashes.length; i += CHUNK) st.all(BACKBONE, ...hashes.slice(i, i + CHUNK));
  const c = process.cpuUsage(t);
  db.close();
  return (c.user + c.system) / hashes.length;
}

mkdirSync('bench/tmp', { recursive: true });
const hashes = Array.from({ length: N }, () => randomBytes(32).toString('hex'));
const files = Object.entries(LAYOUTS).map(([name, suffix], i) => {
  const file = `bench/tmp/embedding-read-${i}.db`;
  build(file, suffix, hashes);
  return { name, file };
});
const results = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const { name, file } of files) {
    for (const columns of ['1', 'vector']) {
      const key = `${name} · ${columns === '1' ? 'which are cached' : 'vectors'}`;
      results.set(key, [...(results.get(key) ?? []), read(file, columns, hashes)]);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${N} rows, ${CHUNK} per query, CPU µs per row (median of 3 interleaved rounds):`);
for (const [key, xs] of results) console.log(`  ${key.padEnd(50)} ${median(xs).toFixed(1)}`);
for (const f of files) for (const ext of ['', '-wal', '-shm']) rmSync(`${f.file}${ext}`, { force: true });
