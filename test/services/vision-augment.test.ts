import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type LoupeApp } from '../../src/main/app';
import { VariantCache } from '../../src/main/services/vision/augmentation';
import { TrainParams, type Run } from '../../src/shared/contract/index';
import { kindPictures, waitFor } from './vision-pictures';

let dir: string;
let app: LoupeApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-vision-aug-'));
  app = await createApp({ dataDir: join(dir, 'data'), shell: 'headless', log: () => {}, vision: { autoTrain: false, debounceMs: 100 } });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const vision = () => app.services.vision;
const db = () => app.services.store.db;

async function finished(runId: string): Promise<Run> {
  return waitFor(() => {
    const r = vision().training.get(runId);
    return r.status === 'queued' || r.status === 'running' ? undefined : r;
  }, `run ${runId} to finish`);
}

function variantRows(): Array<{ hash: string; variant: string; created_at: string }> {
  return db().prepare('SELECT hash, variant, created_at FROM embedding_variants ORDER BY hash, variant').all() as Array<{
    hash: string;
    variant: string;
    created_at: string;
  }>;
}

/** A picture's cached vector: the original's, or one augmented copy's. */
function vectorOf(hash: string, variant?: string): Float32Array {
  const row = (
    variant
      ? db().prepare('SELECT vector FROM embedding_variants WHERE hash = ? AND variant = ?').get(hash, variant)
      : db().prepare('SELECT vector FROM embeddings WHERE hash = ?').get(hash)
  ) as { vector: Buffer };
  return new Float32Array(new Uint8Array(row.vector).buffer);
}

describe('training with augmentation', () => {
  let datasetId: string;
  const perKind = 8;

  beforeAll(async () => {
    datasetId = app.services.library.createDataset('augmented colours').id;
    const files = [
      ...(await kindPictures('red', perKind)).map((bytes, i) => ({ name: `red-${i}.png`, bytes, label: 'red' })),
      ...(await kindPictures('blue', perKind)).map((bytes, i) => ({ name: `blue-${i}.png`, bytes, label: 'blue' })),
    ];
    await app.services.library.upload(datasetId, files);
  });

  it('accepts `augment` as a training parameter, off unless asked for', () => {
    expect(TrainParams.parse({ augment: true })).toEqual({ augment: true });
    expect(TrainParams.safeParse({ augment: 'yes' }).success).toBe(false);
  });

  it('trains without augmented copies by default', async () => {
    const run = await finished(vision().startTraining(datasetId).runId);
    expect(run.status).toBe('succeeded');
    expect(run.params.augment).toBeUndefined();
    expect(run.counts!.augmented).toBeUndefined();
    expect(variantRows()).toHaveLength(0);
  });

  it('embeds flipped, cropped and jittered copies once and trains on those of the training split', async () => {
    const run = await finished(vision().startTraining(datasetId, { augment: true }).runId);
    expect(run.status).toBe('succeeded');
    expect(run.params).toEqual({ augment: true });
    expect(run.metrics!.accuracy).toBeGreaterThanOrEqual(0.99);

    const rows = variantRows();
    expect(rows).toHaveLength(2 * perKind * 3);
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(['crop85', 'flip', 'jitter']));
    // Copies of validation pictures are dropped: three rows per training picture, none more.
    expect(run.counts!.images).toBe(2 * perKind);
    expect(run.counts!.validation).toBeGreaterThan(0);
    expect(run.counts!.augmented).toBe(run.counts!.train * 3);

    // A copy is a different picture to the backbone, not the original's vector again.
    const hash = rows[0].hash;
    const original = vectorOf(hash);
    for (const v of ['flip', 'crop85', 'jitter']) {
      const copy = vectorOf(hash, v);
      expect(copy.length).toBe(original.length);
      expect(copy.some((x, i) => Math.abs(x - original[i]) > 1e-4)).toBe(true);
    }
  });

  it('reads cached copies back on the next run instead of embedding them again', async () => {
    const before = variantRows();
    const embed = vi.spyOn(vision().backbone, 'embed');
    const variants = vi.spyOn(vision().backbone, 'embedVariants');
    try {
      const run = await finished(vision().startTraining(datasetId, { augment: true, seed: 7 }).runId);
      expect(run.status).toBe('succeeded');
      expect(run.counts!.augmented).toBe(run.counts!.train * 3);
      expect(embed).not.toHaveBeenCalled();
      expect(variants).not.toHaveBeenCalled();
    } finally {
      embed.mockRestore();
      variants.mockRestore();
    }
    expect(variantRows()).toEqual(before);
  });

  it('keeps the copies of finished batches when cancelled, and computes only the rest later', async () => {
    const other = app.services.library.createDataset('unlabelled reds').id;
    const more = await kindPictures('red', 20, 100);
    await app.services.library.upload(
      other,
      more.map((bytes, i) => ({ name: `red-more-${i}.png`, bytes })),
    );
    const sources = app.services.store.images.ofDataset(other).map((img) => ({ hash: img.hash, path: app.services.library.files.filePath(img.hash, img.ext) }));
    const cache = new VariantCache(app.services.store.embeddings);
    const backbone = vision().backbone.requireId();
    const stop = new AbortController();
    const before = variantRows().length;
    await expect(
      cache.ensure(backbone, sources, vision().backbone, {
        signal: stop.signal,
        onProgress: (done, total) => {
          if (done > 0 && done < total) stop.abort();
        },
      }),
    ).rejects.toThrow();
    const kept = variantRows().length - before;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(20 * 3);

    const variants = vi.spyOn(vision().backbone, 'embedVariants');
    try {
      const r = await cache.ensure(backbone, sources, vision().backbone);
      expect(r.failed).toEqual([]);
      expect(r.computed).toBe(20 - kept / 3);
      // Only the pictures whose copies were missing go to the inference process, each once.
      expect(variants.mock.calls.flatMap((c) => c[0])).toHaveLength(20 - kept / 3);
      expect(r.vectors.size).toBe(20);
    } finally {
      variants.mockRestore();
    }
    expect(variantRows().length - before).toBe(20 * 3);
  });

  it('makes the copies in the inference process from the backbone’s own resize, the same as made here', async () => {
    const { embedVariantsWith } = await import('../../src/main/services/vision/augmentation');
    const picture = app.services.store.images.ofDataset(datasetId)[0];
    const path = app.services.library.files.filePath(picture.hash, picture.ext);
    const host = vision().backbone;
    const [remote, missing] = await host.embedVariants([path, join(dir, 'missing.png')]);
    // The same steps in this process: resize from the child, variants here, embeddings from the child.
    const [local] = await embedVariantsWith({ preprocess: (p) => host.preprocess(p), inputSize: () => host.inputSize(), embed: (x, o) => host.embed(x, o) }, [
      path,
    ]);
    if (!remote.ok || !local.ok) throw new Error('variants failed');
    expect(remote.embeddings).toHaveLength(3);
    remote.embeddings.forEach((e, k) => expect(Array.from(e)).toEqual(Array.from(local.embeddings[k])));
    expect(missing).toMatchObject({ ok: false, error: { code: 'image_not_found' } });
  });
});
