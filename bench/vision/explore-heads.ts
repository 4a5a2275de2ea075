// Scores heads, training options and flipped copies at full size on the Fashion-MNIST TRAIN
// set (never the test set): the seed-6 shuffle cut into six chunks of 10,000 pictures, the
// first FIT chunks to train on and the last chunk (10,000 pictures) to score. Pictures go
// through the app's path (PNG on disk, the engine's resize); embeddings are cached per chunk
// under bench/tmp/heads, so later runs only train.
// Run: npx tsx bench/vision/explore-heads.ts
//   FIT=5          chunks to train on (1-5)
//   FLIP=1         also embed horizontally flipped copies of the training chunks and compare
//   HEADS=softmax,mlp   OPTS='{}|{"hiddenUnits":256}'   (each scored on every set)
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { InferenceEngine } from '../../src/main/vision/index';
import { trainHead } from '../../src/main/vision/pure/train';
import type { AugmentedExample, TrainOptions } from '../../src/main/vision/pure/train/types';
import { heldOutAccuracy, readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';

const CHUNK = 10_000;
const CACHE = 'bench/tmp/heads';
const fitChunks = Number(process.env.FIT ?? 5);
const flip = process.env.FLIP === '1';

function load(file: string): Float32Array | null {
  if (!existsSync(file)) return null;
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
}

/** One chunk's embeddings (original or flipped), computed through the engine and cached. */
async function chunk(engine: () => Promise<InferenceEngine>, idx: number[], c: number, flipped: boolean): Promise<Float32Array> {
  const file = join(CACHE, `chunk${c}-${flipped ? 'flip' : 'orig'}.f32`);
  const hit = load(file);
  if (hit) return hit;
  const e = await engine();
  const D = e.report().featureDim;
  const { width, height } = e.report().input;
  const imgs = readIdxImages('train');
  const px = imgs.rows * imgs.cols;
  const dir = join(CACHE, `png${c}`);
  mkdirSync(dir, { recursive: true });
  const out = new Float32Array(idx.length * D);
  const t0 = Date.now();
  for (let s = 0; s < idx.length; s += 128) {
    const part = idx.slice(s, s + 128);
    const paths = await Promise.all(
      part.map(async (i) => {
        const p = join(dir, `${i}.png`);
        if (!existsSync(p))
          await sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
            .png()
            .toFile(p);
        return p;
      }),
    );
    const inputs = flipped
      ? await Promise.all(
          paths.map(async (p) => ({
            pixels: await sharp(await e.preprocess(p), { raw: { width, height, channels: 3 } })
              .flop()
              .raw()
              .toBuffer(),
          })),
        )
      : paths;
    const rs = await e.embed(inputs);
    rs.forEach((r, k) => {
      if (!r.ok) throw new Error(r.error.message);
      out.set(r.embedding, (s + k) * D);
    });
    if ((s / 128) % 20 === 0)
      console.error(`chunk ${c}${flipped ? ' flipped' : ''}: ${s + part.length}/${idx.length} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(file, Buffer.from(out.buffer));
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const order = shuffledIndices(60000, 6);
  const labels = readIdxLabels('train');
  let opened: InferenceEngine | null = null;
  const engine = async () => (opened ??= await InferenceEngine.open({ modelPath: 'models/mobilenet_v2.onnx', providers: ['cpu'], maxBatch: 32 }));
  const idxOf = (c: number) => order.slice(c * CHUNK, (c + 1) * CHUNK);
  const val = await chunk(engine, idxOf(5), 5, false);
  const fitParts: Float32Array[] = [];
  const flipParts: Float32Array[] = [];
  for (let c = 0; c < fitChunks; c++) {
    fitParts.push(await chunk(engine, idxOf(c), c, false));
    if (flip) flipParts.push(await chunk(engine, idxOf(c), c, true));
  }
  await (opened as InferenceEngine | null)?.close();
  const D = val.length / CHUNK;
  const fitIdx = order.slice(0, fitChunks * CHUNK);
  const fitLabels = fitIdx.map((i) => String(labels[i]));
  const valLabels = idxOf(5).map((i) => String(labels[i]));
  const fit = new Float32Array(fitIdx.length * D);
  fitParts.forEach((p, c) => fit.set(p, c * CHUNK * D));
  const sets: Record<string, boolean> = flip ? { none: false, flip: true } : { none: false };
  const optsList = (process.env.OPTS ?? '{}').split('|').map((j) => JSON.parse(j) as TrainOptions);
  for (const kind of (process.env.HEADS ?? 'softmax').split(',') as Array<'softmax' | 'mlp'>) {
    for (const [name, useFlip] of Object.entries(sets))
      for (const extra of optsList) {
        const augmented: AugmentedExample[] = useFlip
          ? fitLabels.map((label, n) => ({ features: flipParts[Math.floor(n / CHUNK)].subarray((n % CHUNK) * D, ((n % CHUNK) + 1) * D), label, source: n }))
          : [];
        const t0 = process.cpuUsage();
        const r = await trainHead({ features: fit, labels: fitLabels, augmented }, { kind, ...extra });
        const acc = heldOutAccuracy(r.head, val, valLabels);
        const cpu = process.cpuUsage(t0);
        console.log(
          `${fitIdx.length} fit ${kind.padEnd(7)} ${name.padEnd(5)} ${JSON.stringify(extra).padEnd(40)} held-out ${(100 * acc).toFixed(2)} % (run's own val ${(100 * (r.history[r.bestEpoch - 1].valAcc ?? 0)).toFixed(2)}, epochs ${r.history.length}, best ${r.bestEpoch}, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
        );
      }
  }
}

void main();
