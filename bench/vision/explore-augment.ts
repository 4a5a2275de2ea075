// Asks whether the app's augmented copies (flip, crop85, jitter: src/main/services/vision/augmentation.ts)
// raise the default backbone's accuracy on Fashion-MNIST, and which of them, on a held-out split
// of the TRAIN set (never the test set). Pictures go through the app's own path: PNG files on
// disk, the engine's resize, embedVariantsWith for the copies. Embeddings are cached under
// bench/tmp/augment so a second run only trains.
// Run: npx tsx bench/vision/explore-augment.ts [fitCount] [valCount]
//   HEADS=softmax,mlp  which heads to train (default softmax)
//   SETS=none,flip     which augmentation sets to score (default all)
//   OPTS='{"lrDecayFactor":1}|{}'  training options to compare, each scored on every set
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InferenceEngine } from '../../src/main/vision/index';
import { embedVariantsWith, VARIANTS, type Variant } from '../../src/main/services/vision/augmentation';
import { trainHead } from '../../src/main/vision/pure/train';
import type { AugmentedExample, TrainOptions } from '../../src/main/vision/pure/train/types';
import { heldOutAccuracy, readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';

const fitN = Number(process.argv[2] ?? 10000);
const valN = Number(process.argv[3] ?? 2000);
const CACHE = 'bench/tmp/augment';
const PNG_DIR = join(CACHE, 'png');

async function writePngs(idx: number[]): Promise<string[]> {
  const imgs = readIdxImages('train');
  const px = imgs.rows * imgs.cols;
  mkdirSync(PNG_DIR, { recursive: true });
  const paths = idx.map((i) => join(PNG_DIR, `${i}.png`));
  for (let s = 0; s < idx.length; s += 64) {
    await Promise.all(
      idx.slice(s, s + 64).map(async (i, k) => {
        if (existsSync(paths[s + k])) return;
        await sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
          .png()
          .toFile(paths[s + k]);
      }),
    );
  }
  return paths;
}

function load(file: string): Float32Array | null {
  if (!existsSync(file)) return null;
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

async function originals(engine: InferenceEngine, paths: string[], name: string): Promise<Float32Array> {
  const file = join(CACHE, `${name}-${paths.length}-orig.f32`);
  const hit = load(file);
  if (hit) return hit;
  const D = engine.report().featureDim;
  const out = new Float32Array(paths.length * D);
  const t0 = Date.now();
  for (let s = 0; s < paths.length; s += 256) {
    const rs = await engine.embed(paths.slice(s, s + 256));
    rs.forEach((r, k) => {
      if (!r.ok) throw new Error(r.error.message);
      out.set(r.embedding, (s + k) * D);
    });
    console.error(`${name} originals: ${s + rs.length}/${paths.length} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(file, Buffer.from(out.buffer));
  return out;
}

async function variants(engine: InferenceEngine, paths: string[]): Promise<Record<Variant, Float32Array>> {
  const files = Object.fromEntries(VARIANTS.map((v) => [v, join(CACHE, `fit-${paths.length}-${v}.f32`)])) as Record<Variant, string>;
  const hits = VARIANTS.map((v) => load(files[v]));
  if (hits.every((h) => h)) return Object.fromEntries(VARIANTS.map((v, i) => [v, hits[i]!])) as Record<Variant, Float32Array>;
  const D = engine.report().featureDim;
  const out = Object.fromEntries(VARIANTS.map((v) => [v, new Float32Array(paths.length * D)])) as Record<Variant, Float32Array>;
  const t0 = Date.now();
  for (let s = 0; s < paths.length; s += 64) {
    const rs = await embedVariantsWith(
      { preprocess: (p) => engine.preprocess(p), inputSize: () => engine.report().input, embed: (x, o) => engine.embed(x, o) },
      paths.slice(s, s + 64),
    );
    rs.forEach((r, k) => {
      if (!r.ok) throw new Error(r.error.message);
      VARIANTS.forEach((v, j) => out[v].set(r.embeddings[j], (s + k) * D));
    });
    if ((s / 64) % 10 === 0) console.error(`variants: ${s + rs.length}/${paths.length} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  for (const v of VARIANTS) writeFileSync(files[v], Buffer.from(out[v].buffer));
  return out;
}

async function main(): Promise<void> {
  const order = shuffledIndices(60000, 6);
  const fitIdx = order.slice(0, fitN);
  const valIdx = order.slice(fitN, fitN + valN);
  const labels = readIdxLabels('train');
  const engine = await InferenceEngine.open({ modelPath: 'models/mobilenet_v2.onnx', providers: ['cpu'], maxBatch: 32 });
  const D = engine.report().featureDim;
  const fitPaths = await writePngs(fitIdx);
  const valPaths = await writePngs(valIdx);
  const fit = await originals(engine, fitPaths, 'fit');
  const val = await originals(engine, valPaths, 'val');
  const aug = await variants(engine, fitPaths);
  await engine.close();
  const fitLabels = fitIdx.map((i) => String(labels[i]));
  const sets: Record<string, Variant[]> = {
    none: [],
    flip: ['flip'],
    crop85: ['crop85'],
    jitter: ['jitter'],
    'flip+crop85': ['flip', 'crop85'],
    all: [...VARIANTS],
  };
  const only = process.env.SETS?.split(',');
  const optsList = (process.env.OPTS ?? '{}').split('|').map((j) => JSON.parse(j) as TrainOptions);
  for (const kind of (process.env.HEADS ?? 'softmax').split(',') as Array<'softmax' | 'mlp'>) {
    for (const [name, vs] of Object.entries(sets))
      for (const extra of optsList) {
        if (only && !only.includes(name)) continue;
        const augmented: AugmentedExample[] = vs.flatMap((v) =>
          fitLabels.map((label, n) => ({ features: aug[v].subarray(n * D, (n + 1) * D), label, source: n })),
        );
        const t0 = process.cpuUsage();
        const r = await trainHead({ features: fit, labels: fitLabels, augmented }, { kind, validationFraction: 0.1, ...extra });
        const acc = heldOutAccuracy(
          r.head,
          val,
          valIdx.map((i) => String(labels[i])),
        );
        const cpu = process.cpuUsage(t0);
        console.log(
          `${kind.padEnd(7)} ${name.padEnd(12)} ${JSON.stringify(extra).padEnd(40)} held-out ${(100 * acc).toFixed(2)} % (epochs ${r.history.length}, best ${r.bestEpoch}, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
        );
      }
  }
}

void main();
