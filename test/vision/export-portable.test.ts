import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { exportModel } from '../../src/main/vision/node/export/export-model';
import { predict } from '../../src/main/vision/pure/forward';
import type { HeadWeights } from '../../src/main/vision/pure/head';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import type { ModelCard } from '../../src/main/vision/node/inference/model-card';
import { decodeUpright } from '../../src/main/vision/node/preprocess/preprocess';
import { noiseJpeg } from './helpers/images';

/*
 * An exported file answers like the app when someone else prepares the pixels: Pillow
 * (python3-pil) follows the file's `preprocessing` metadata (decode only; the file resizes
 * inside), and the file's answers match the app's engine + head. The full measurement on
 * 1,000 Fashion-MNIST test pictures is bench/vision/export-agreement.ts.
 */

const PY = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0);
const PILLOW = join(__dirname, '../../bench/vision/pillow_pixels.py');

let dir: string;
let modelPath: string;
let card: ModelCard;
let engine: InferenceEngine;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-portable-'));
  ({ modelPath, card } = writeDefaultBackbone(dir));
  engine = await InferenceEngine.open({ modelPath, threads: 2 });
}, 120_000);
afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

function head(seed: number): HeadWeights {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const dim = card.output.dim;
  return {
    kind: 'softmax',
    inputDim: dim,
    mean: new Float32Array(dim),
    std: new Float32Array(dim).fill(1),
    labels: ['a', 'b', 'c', 'd'],
    layers: [{ inDim: dim, outDim: 4, weight: Float32Array.from({ length: 4 * dim }, () => r() / 8), bias: new Float32Array(4), activation: 'none' }],
  };
}

/** Pictures of the kinds people have: greyscale PNG (Fashion-MNIST-like), RGBA PNG, a JPEG turned by EXIF, a wide photo-like JPEG. */
async function pictures(): Promise<Record<string, Buffer>> {
  const grey = Buffer.from(Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256));
  return {
    'grey.png': await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toBuffer(),
    'alpha.png': await sharp(Buffer.from(Array.from({ length: 40 * 30 * 4 }, (_, i) => (i * 11) % 256)), { raw: { width: 40, height: 30, channels: 4 } })
      .png()
      .toBuffer(),
    'turned.jpg': await sharp(await noiseJpeg(90, 60, 3))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer(),
    'wide.jpg': await noiseJpeg(640, 360, 9),
  };
}

describe.skipIf(!PY)(`an exported file fed Pillow's pixels${PY ? '' : ' (SKIPPED: no python3 with Pillow; apt-get install python3-pil)'}`, () => {
  it('gets Loupe’s decoded pixels from Pillow, and the app’s answers', async () => {
    const h = head(7);
    const session = await ort.InferenceSession.create(await exportModel({ backbonePath: modelPath, card, head: h }));
    for (const [name, bytes] of Object.entries(await pictures())) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const ours = await decodeUpright(file, { side: 224 });
      if (name === 'turned.jpg') expect([ours.width, ours.height]).toEqual([60, 90]);
      const raw = join(dir, `${name}.u8`);
      const py = spawnSync(PY!, [PILLOW, raw, '0', file], { encoding: 'utf8' });
      expect(py.status, py.stderr).toBe(0);
      const theirs = readFileSync(raw);
      expect(theirs.length, name).toBe(ours.pixels.length);
      let diff = 0;
      for (let i = 0; i < theirs.length; i++) diff = Math.max(diff, Math.abs(theirs[i] - ours.pixels[i]));
      // PNG decodes bit for bit; compositing alpha and JPEG decoders may round a level apart.
      expect(diff, name).toBeLessThanOrEqual(name === 'grey.png' ? 0 : 2);
      const out = await session.run({ image: new ort.Tensor('uint8', theirs, [1, ours.height, ours.width, 3]) });
      const got = out.probabilities.data as Float32Array;
      const [emb] = await engine.embed([bytes]);
      if (!emb.ok) throw new Error(emb.error.message);
      const want = predict(h, [emb.embedding]);
      const argmax = (p: ArrayLike<number>) => Array.from(p).indexOf(Math.max(...Array.from(p)));
      expect(argmax(got), name).toBe(argmax(want));
      if (diff === 0) for (let k = 0; k < 4; k++) expect(Math.abs(got[k] - want[k]), name).toBeLessThan(1e-5);
    }
    await session.release();
  });
});
