import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { datasetImages } from '../../src/main/services/vision/dataset-images';
import { findNearDuplicates } from '../../src/main/vision/index';

/** A picture of its own: random shapes in random colours on a random background (SVG through sharp). */
function scene(seed: number): Promise<Buffer> {
  let s = (seed * 2654435761) >>> 0 || 1;
  const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  const colour = () => `rgb(${Math.floor(r() * 256)},${Math.floor(r() * 256)},${Math.floor(r() * 256)})`;
  const shapes: string[] = [];
  for (let i = 0; i < 6; i++) {
    if (r() < 0.5) shapes.push(`<circle cx="${r() * 128}" cy="${r() * 128}" r="${8 + r() * 40}" fill="${colour()}"/>`);
    else shapes.push(`<rect x="${r() * 100}" y="${r() * 100}" width="${10 + r() * 60}" height="${10 + r() * 60}" fill="${colour()}" transform="rotate(${r() * 90} 64 64)"/>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="${colour()}"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

// Near-duplicate groups of a real dataset (real backbone, real SQLite) read the embeddings a
// slice at a time: the same groups as comparing them all at once, without ever loading all.

let dir: string;
let app: LoupeApp;
let datasetId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-dups-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false } });
  datasetId = app.services.library.createDataset('with copies').id;
  const originals = await Promise.all(Array.from({ length: 30 }, (_, i) => scene(i + 1)));
  // Copies at other sizes and re-encoded ones: other bytes, nearly the same picture.
  const copies = await Promise.all([
    sharp(originals[0]).resize(160, 160).png().toBuffer(),
    sharp(originals[0]).resize(100, 100).png().toBuffer(),
    sharp(originals[5]).resize(110, 110).jpeg({ quality: 92 }).toBuffer(),
    sharp(originals[12]).resize(140, 140).png().toBuffer(),
    sharp(originals[20]).jpeg({ quality: 95 }).toBuffer(),
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
  const images = datasetImages(app.services.store.db, datasetId);
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

describe('near duplicates of a dataset, slice by slice', () => {
  it.each([0.999, 0.995, 0.99, 0.95])('finds the all-at-once groups at threshold %f whatever the slice size, reading at most a slice at a time', (threshold) => {
    const vision = app.services.vision;
    const expected = allAtOnce(threshold);
    expect(expected.length).toBeGreaterThanOrEqual(1);
    const readInto = vi.spyOn(vision.cache, 'readInto');
    const get = vi.spyOn(vision.cache, 'get');
    try {
      for (const blockRows of [1, 4, 7, 4096]) {
        readInto.mockClear();
        const { groups } = vision.selection.nearDuplicates(datasetId, threshold, { blockRows });
        expect(groups).toEqual(expected);
        const sizes = readInto.mock.calls.map((c) => c[1].length);
        expect(sizes.length).toBeGreaterThan(0);
        expect(Math.max(...sizes)).toBeLessThanOrEqual(blockRows);
      }
      // The per-picture vectors are never loaded as a whole map.
      expect(get).not.toHaveBeenCalled();
    } finally {
      readInto.mockRestore();
      get.mockRestore();
    }
  });

  it('groups the copies with their originals, keeping the largest', () => {
    const images = datasetImages(app.services.store.db, datasetId);
    const byName = new Map(images.map((i) => [i.id, i]));
    const { groups } = app.services.vision.selection.nearDuplicates(datasetId, 0.999, { blockRows: 5 });
    const names = app.services.store.db.prepare('SELECT id, file_name FROM images WHERE dataset_id = ?').all(Number(datasetId)) as Array<{ id: number; file_name: string }>;
    const nameOf = new Map(names.map((n) => [String(n.id), n.file_name]));
    const first = groups.find((g) => g.members.some((m) => nameOf.get(m.id) === 'scene-0.png'));
    expect(first).toBeDefined();
    expect(first!.members.map((m) => nameOf.get(m.id)).sort()).toEqual(expect.arrayContaining(['copy-0', 'copy-1', 'scene-0.png']));
    // 160×160 is the largest of the three.
    expect(nameOf.get(first!.keeper)).toBe('copy-0');
    expect(byName.get(first!.keeper)!.width).toBe(160);
  });
});
