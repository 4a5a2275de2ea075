// Does an exported ONNX file answer like the app when someone else prepares the pixels?
// Trains the product's head on Fashion-MNIST train pictures, exports the model, then on
// 1,000 Fashion-MNIST *test* pictures (PNG files, as a user would have them) compares the
// app's top-1 with the exported file's top-1 (onnxruntime-node) on
//   1. Loupe's own pixels (preprocessImage), and
//   2. Pillow's pixels (python3 + python3-pil), prepared by bench/vision/pillow_pixels.py
//      from the words of the file's `preprocessing` metadata.
// Targets (issue 15): 100 % and ≥ 99.5 %.
// Run: npx tsx bench/vision/export-agreement.ts [fit=2000] [test=1000]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { exportModel } from '../../src/main/vision/node/export/export-model';
import { readModelCard, modelFileOf } from '../../src/main/vision/node/inference/model-card';
import { sessionOptions } from '../../src/main/vision/node/inference/providers';
import { decodeUpright, preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { predict, trainHead } from '../../src/main/vision/pure/train';
import { FASHION_LABELS, readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';

const fitN = Number(process.argv[2] ?? 2000);
const testN = Number(process.argv[3] ?? 1000);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tmp = join(root, 'bench/tmp/vision/export-agreement');
const SIDE = 224;

function python(): string {
  for (const p of [process.env.PYTHON, '/usr/bin/python3', 'python3']) {
    if (!p) continue;
    if (spawnSync(p, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0) return p;
  }
  throw new Error('No python3 with Pillow (Debian: apt-get install python3-pil).');
}

async function writePngs(split: 'train' | 't10k', indices: number[], dir: string): Promise<string[]> {
  const imgs = readIdxImages(split);
  const px = imgs.rows * imgs.cols;
  mkdirSync(dir, { recursive: true });
  return Promise.all(
    indices.map(async (i) => {
      const file = join(dir, `${split}-${i}.png`);
      if (!existsSync(file)) {
        await sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
          .png()
          .toFile(file);
      }
      return file;
    }),
  );
}

async function run(session: ort.InferenceSession, pixels: Buffer, n: number, output: string, side = SIDE): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  const per = side * side * 3;
  for (let i = 0; i < n; i += 32) {
    const m = Math.min(32, n - i);
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('uint8', pixels.subarray(i * per, (i + m) * per), [m, side, side, 3]) });
    parts.push(out[output].data as Float32Array);
  }
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

function top1(probs: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < probs.length / k; n++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[n * k + j] > probs[n * k + best]) best = j;
    out.push(best);
  }
  return out;
}

const agree = (a: number[], b: number[]): number => a.filter((x, i) => x === b[i]).length / a.length;

async function main(): Promise<void> {
  const t0 = Date.now();
  const cardPath = join(root, 'models/mobilenet_v2.json');
  const card = readModelCard(cardPath);
  const backbonePath = modelFileOf(cardPath, card);
  const backbone = await ort.InferenceSession.create(backbonePath, sessionOptions('cpu', 2));

  const trainLabels = readIdxLabels('train');
  const fitIdx = shuffledIndices(60000, 15).slice(0, fitN);
  const fitFiles = await writePngs('train', fitIdx, join(tmp, 'train'));
  const fitPixels = Buffer.concat(await Promise.all(fitFiles.map((f) => preprocessImage(f, { width: SIDE, height: SIDE }))));
  const fitFeatures = await run(backbone, fitPixels, fitN, card.output.name);
  const { head } = await trainHead({ features: fitFeatures, labels: fitIdx.map((i) => FASHION_LABELS[trainLabels[i]]) }, { seed: 1 });
  const onnx = await exportModel({ backbonePath, card, head });
  writeFileSync(join(tmp, 'model.onnx'), onnx);
  const exported = await ort.InferenceSession.create(onnx, sessionOptions('cpu', 2));

  const testIdx = shuffledIndices(10000, 16).slice(0, testN);
  const testFiles = await writePngs('t10k', testIdx, join(tmp, 'test'));
  // The app: its own preparation (decode, then the resize every export carries), backbone, head.
  const appPixels = Buffer.concat(await Promise.all(testFiles.map((f) => preprocessImage(f, { width: SIDE, height: SIDE }))));
  const K = head.labels.length;
  const app = top1(predict(head, await run(backbone, appPixels, testN, card.output.name)), K);
  // What a program hands the exported file: the picture at its own size (28 × 28 here), decoded by Loupe…
  const own = await Promise.all(testFiles.map((f) => decodeUpright(f, { side: SIDE })));
  const ownSide = own[0].width;
  const loupePixels = Buffer.concat(own.map((d) => d.pixels));
  const onLoupe = top1(await run(exported, loupePixels, testN, 'probabilities', ownSide), K);

  // …and by Pillow, following the metadata's words.
  const rawFile = join(tmp, 'pillow.u8');
  const py = spawnSync(python(), [join(root, 'bench/vision/pillow_pixels.py'), rawFile, '0', ...testFiles], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`pillow_pixels.py failed: ${py.stderr}`);
  const pillowPixels = readFileSync(rawFile);
  const onPillow = top1(await run(exported, pillowPixels, testN, 'probabilities', ownSide), K);
  let maxDiff = 0;
  for (let i = 0; i < pillowPixels.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pillowPixels[i] - loupePixels[i]));

  const testLabels = readIdxLabels('t10k');
  const accuracy = agree(
    app,
    testIdx.map((i) => testLabels[i]).map((l) => head.labels.indexOf(FASHION_LABELS[l])),
  );
  console.log(`export agreement on ${testN} Fashion-MNIST test pictures (head on ${fitN} train pictures, app accuracy ${(accuracy * 100).toFixed(1)} %):`);
  console.log(`  exported file, Loupe's pixels:  ${(agree(app, onLoupe) * 100).toFixed(2)} % top-1 agreement with the app (target 100 %)`);
  console.log(
    `  exported file, Pillow's pixels: ${(agree(app, onPillow) * 100).toFixed(2)} % top-1 agreement with the app (target ≥ 99.5 %); largest pixel difference ${maxDiff}`,
  );
  console.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  rmSync(rawFile, { force: true });
}

void main();
