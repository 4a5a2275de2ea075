import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { DEFAULT_DUPLICATE_THRESHOLD, findNearDuplicates } from '../../src/main/vision/index';
import { scene } from './scene-pictures';

// Near-duplicate groups of a real dataset (real backbone, real SQLite) read the embeddings a
// slice at a time: the same groups as comparing them all at once, without ever loading all.
// With the default threshold the copies, and only they, are grouped: the similarity is taken on
// standardised embeddings (the raw cosine of this backbone is 0.97-0.99 for unrelated pictures).

let dir: string;
let app: LoupeApp;
let datasetId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-dups-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  datasetId = app.services.library.createDataset('with copies').id;
  const originals = await Promise.all(Array.from({ length: 30 }, (_, i) => scene(i + 1)));
  // Copies at other sizes and re-encoded ones: other bytes, nearly the same picture. (JPEG with
  // 4:2:0 chroma moves the saturated edges of these flat-colour scenes too far for the default
  // threshold: see docs/vision-training.md.)
  const copies = await Promise.all([
    sharp(originals[0]).resize(160, 160).png().toBuffer(),
    sharp(originals[0]).resize(112, 112).png().toBuffer(),
    sharp(originals[5]).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(),
    sharp(originals[12]).resize(140, 140).png().toBuffer(),
    sharp(originals[20]).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(),
  ]);
  await app.services.library.upload(datasetId, [
    ...originals.map((bytes, i) => ({ name: `scene-${i}.png`, bytes })),
    ...copies.map((bytes, i) => ({ name: `copy-${i}`, bytes })),
  ]);
  await app.services.vision.embedDataset(datasetId);
}, 120_000);
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The groups the way they were found before: every embedding in memory, compared at once. */
function allAtOnce(threshold: number) {
  const vision = app.services.vision;
  const backbone = vision.backbone.requireId();
  const images = app.services.store.images.ofDataset(datasetId);
  const vectors = vision.cache.get(
    backbone,
    images.map((i) => i.hash),
  );
  const items = images.filter((i) => vectors.has(i.hash));
  const r = findNearDuplicates({
    ids: items.map((i) => i.id),
    features: items.map((i) => vectors.get(i.hash)!),
    threshold,
    keeper: 'largest',
    sizes: items.map((i) => i.width * i.height),
  });
  return r.groups;
}

/** The default, and looser thresholds that also link some unrelated pictures (bigger groups, chains). */
const THRESHOLDS = [DEFAULT_DUPLICATE_THRESHOLD, 0.75, 0.6];

describe('near duplicates of a dataset, slice by slice', () => {
  it('finds the all-at-once groups whatever the slice size, reading at most a slice at a time', () => {
    const vision = app.services.vision;
    const cases = THRESHOLDS.map((threshold) => ({ threshold, expected: allAtOnce(threshold) }));
    const readInto = vi.spyOn(vision.cache, 'readInto');
    const get = vi.spyOn(vision.cache, 'get');
    try {
      for (const { threshold, expected } of cases) {
        expect(expected.length).toBeGreaterThanOrEqual(1);
        for (const blockRows of [1, 4, 7, 4096]) {
          readInto.mockClear();
          const { groups } = vision.selection.nearDuplicates(datasetId, threshold, { blockRows });
          expect(groups).toEqual(expected);
          const sizes = readInto.mock.calls.map((c) => c[1].length);
          expect(sizes.length).toBeGreaterThan(0);
          expect(Math.max(...sizes)).toBeLessThanOrEqual(blockRows);
        }
      }
      // The per-picture vectors are never loaded as a whole map.
      expect(get).not.toHaveBeenCalled();
    } finally {
      readInto.mockRestore();
      get.mockRestore();
    }
  });

  it('groups the copies with their originals at the default threshold, keeping the largest, and nothing else', () => {
    const db = app.services.store.db;
    const rows = db.prepare('SELECT id, file_name, width, height FROM images WHERE dataset_id = ?').all(Number(datasetId)) as Array<{
      id: number;
      file_name: string;
      width: number;
      height: number;
    }>;
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    expect(DEFAULT_DUPLICATE_THRESHOLD).toBe(0.9);
    const { groups } = app.services.vision.selection.nearDuplicates(datasetId, DEFAULT_DUPLICATE_THRESHOLD, { blockRows: 5 });
    const names = groups.map((g) => g.members.map((m) => byId.get(m.id)!.file_name).sort()).sort((a, b) => a[0].localeCompare(b[0]));
    // Resized and re-encoded copies join their originals; the other 26 scenes stay alone.
    expect(names).toEqual([
      ['copy-0', 'copy-1', 'scene-0.png'],
      ['copy-2', 'scene-5.png'],
      ['copy-3', 'scene-12.png'],
      ['copy-4', 'scene-20.png'],
    ]);
    for (const g of groups) {
      const area = (id: string) => byId.get(id)!.width * byId.get(id)!.height;
      expect(g.members.every((m) => area(m.id) <= area(g.keeper))).toBe(true);
    }
    // The contract's default is the engine's.
    expect(app.services.vision.selection.nearDuplicates(datasetId, 0.9)).toEqual({ groups });
  });
});
