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

/** Thresholds that make groups on this backbone's features: cosine similarities of actual pairs. */
function thresholds(): number[] {
  const vision = app.services.vision;
  const images = datasetImages(app.services.store.db, datasetId);
  const vectors = vision.cache.get(
    vision.backbone.requireId(),
    images.map((i) => i.hash),
  );
  const units = images.map((i) => {
    const v = vectors.get(i.hash)!;
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const sims: number[] = [];
  for (let a = 0; a < units.length; a++) {
    for (let b = a + 1; b < units.length; b++) sims.push(units[a].reduce((s, x, k) => s + x * units[b][k], 0));
  }
  sims.sort((x, y) => y - x);
  // The closest pairs (the copies), then looser ones that chain many pictures together.
  return [sims[2] - 1e-6, sims[Math.floor(sims.length * 0.02)], sims[Math.floor(sims.length * 0.2)]].map((t) => Math.min(1, Math.max(0.5, t)));
}

describe('near duplicates of a dataset, slice by slice', () => {
  it('finds the all-at-once groups whatever the slice size, reading at most a slice at a time', () => {
    const vision = app.services.vision;
    const cases = thresholds().map((threshold) => ({ threshold, expected: allAtOnce(threshold) }));
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

  it('groups the copies with their originals, keeping the largest', () => {
    const db = app.services.store.db;
    const rows = db.prepare('SELECT id, file_name, width, height FROM images WHERE dataset_id = ?').all(Number(datasetId)) as Array<{ id: number; file_name: string; width: number; height: number }>;
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    const [closest] = thresholds();
    const { groups } = app.services.vision.selection.nearDuplicates(datasetId, closest, { blockRows: 5 });
    const first = groups.find((g) => g.members.some((m) => byId.get(m.id)!.file_name === 'scene-0.png'));
    expect(first).toBeDefined();
    expect(first!.members.map((m) => byId.get(m.id)!.file_name)).toEqual(expect.arrayContaining(['copy-0', 'copy-1', 'scene-0.png']));
    const area = (id: string) => byId.get(id)!.width * byId.get(id)!.height;
    expect(first!.members.every((m) => area(m.id) <= area(first!.keeper))).toBe(true);
  });
});
