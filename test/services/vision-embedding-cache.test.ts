// The embedding cache over a real SQLite file: what ensure() embeds, what it reads back, and
// that reading a large dataset's vectors leaves the event loop free (it once froze the API).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/main/store';
import { EmbeddingCache, type Embedder } from '../../src/main/services/vision/embedding-cache';

const DIM = 1536;
const vector = (seed: number): Float32Array => Float32Array.from({ length: DIM }, (_, i) => (seed * 31 + i) % 97);

describe('EmbeddingCache.ensure', () => {
  let dir: string;
  let store: Store;
  let cache: EmbeddingCache;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-cache-'));
    store = openStore(join(dir, 'loupe.db'));
    cache = new EmbeddingCache(store.embeddings);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('embeds only what is missing, once per hash, and reports unreadable pictures', async () => {
    cache.put('bb', 'h0', vector(0));
    const asked: string[] = [];
    const embed: Embedder = async (paths) => {
      asked.push(...paths);
      return paths.map((p) =>
        p.endsWith('bad')
          ? { ok: false as const, error: { code: 'image_corrupt', message: 'not a picture' } }
          : { ok: true as const, embedding: vector(Number(p.slice(1))) },
      );
    };
    const sources = [
      { hash: 'h0', path: 'p0' },
      { hash: 'h1', path: 'p1' },
      { hash: 'h1', path: 'p1' },
      { hash: 'h2', path: 'p2bad' },
    ];
    const r = await cache.ensure('bb', sources, embed);
    expect(asked).toEqual(['p1', 'p2bad']);
    expect(r.computed).toBe(1);
    expect(r.failed).toEqual([{ hash: 'h2', code: 'image_corrupt', message: 'not a picture' }]);
    expect([...r.vectors.keys()].sort()).toEqual(['h0', 'h1']);
    expect(Array.from(r.vectors.get('h1')!.subarray(0, 3))).toEqual(Array.from(vector(1).subarray(0, 3)));
    expect(cache.countCached('bb', ['h0', 'h1', 'h2'])).toBe(2);
  });

  it('with vectors: false fills the cache and reads nothing back', async () => {
    const embed: Embedder = async (paths) => paths.map((_, i) => ({ ok: true as const, embedding: vector(i) }));
    const r = await cache.ensure(
      'bb',
      [
        { hash: 'a', path: 'pa' },
        { hash: 'b', path: 'pb' },
      ],
      embed,
      { vectors: false },
    );
    expect(r.vectors.size).toBe(0);
    expect(r.computed).toBe(2);
    expect(cache.countCached('bb', ['a', 'b'])).toBe(2);
  });

  it('reads thousands of cached vectors a chunk at a time, letting other work run in between', async () => {
    const n = 4000;
    store.db.transaction(() => {
      for (let i = 0; i < n; i++) cache.put('bb', `h${i}`, vector(i));
    })();
    let turns = 0;
    let reading = true;
    const tick = (): void => {
      if (!reading) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const r = await cache.ensure(
      'bb',
      Array.from({ length: n }, (_, i) => ({ hash: `h${i}`, path: `p${i}` })),
      async () => {
        throw new Error('nothing should need embedding');
      },
    );
    reading = false;
    expect(r.vectors.size).toBe(n);
    expect(r.vectors.get('h3999')![5]).toBe(vector(3999)[5]);
    // Read in one go, no other callback would run until it finished.
    expect(turns).toBeGreaterThanOrEqual(n / 400);
    // Each vector is exact and its own length, but they share one block per chunk: one buffer
    // per vector left 60,000 backing stores for the collector to free in one 1.4 s pause.
    for (const i of [0, 399, 400, 3999]) expect(Array.from(r.vectors.get(`h${i}`)!)).toEqual(Array.from(vector(i)));
    expect(new Set([...r.vectors.values()].map((v) => v.buffer)).size).toBeLessThanOrEqual(n / 400);
    expect(new Set([...cache.get('bb', ['h1', 'h2', 'h3']).values()].map((v) => v.buffer)).size).toBe(1);
  });

  it('stops reading when its signal is aborted', async () => {
    store.db.transaction(() => {
      for (let i = 0; i < 2000; i++) cache.put('bb', `h${i}`, vector(i));
    })();
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    const err = await cache
      .ensure(
        'bb',
        Array.from({ length: 2000 }, (_, i) => ({ hash: `h${i}`, path: `p${i}` })),
        async () => [],
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });
});
