// Is the int8 backbone good enough to offer? Trains the product's own softmax head on float and
// on int8 features of Fashion-MNIST TRAIN pictures (fit / validation split of the training set,
// the test set unused) and compares validation accuracy and speed. Writes the verdict to
// src/main/vision/node/convert/int8-check.json, which `npm run models` copies into the int8 card (the app embeds with int8 only where it says offered).
// Run: npx tsx bench/vision/quant-check.ts [fit] [val]
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { buildDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { quantizeStatic } from '../../src/main/vision/node/convert/quantize';
import { sessionOptions } from '../../src/main/vision/node/inference/providers';
import { trainHead } from '../../src/main/vision/pure/train';
import { calibrationBatches, fashionPixels } from './quant-calibration';
import { FASHION_LABELS, heldOutAccuracy, readIdxLabels, shuffledIndices } from './fashion-mnist';

const fitN = Number(process.argv[2] ?? 2000);
const valN = Number(process.argv[3] ?? 1000);
const tmp = fileURLToPath(new URL('../tmp/vision', import.meta.url));

async function features(session: ort.InferenceSession, pixels: Buffer[]): Promise<{ data: Float32Array; ms: number; cpuMs: number }> {
  const parts: Float32Array[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < pixels.length; i += 32) {
    const b = pixels.slice(i, i + 32);
    const out = await session.run({ image: new ort.Tensor('uint8', Buffer.concat(b), [b.length, 224, 224, 3]) });
    parts.push(out.features.data as Float32Array);
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, ms: ms / pixels.length, cpuMs: (c.user + c.system) / 1000 / pixels.length };
}

async function accuracy(fit: Float32Array, fitLabels: string[], val: Float32Array, valLabels: string[]): Promise<number> {
  const { head } = await trainHead({ features: fit, labels: fitLabels }, { kind: 'softmax', seed: 1 });
  return heldOutAccuracy(head, val, valLabels);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const float = buildDefaultBackbone().onnx;
  const int8 = await quantizeStatic(float, await calibrationBatches(`${tmp}/photos`));
  const sf = await ort.InferenceSession.create(Buffer.from(float), sessionOptions('cpu', 2));
  const sq = await ort.InferenceSession.create(Buffer.from(int8), sessionOptions('cpu', 2, { keepQdq: true }));
  const order = shuffledIndices(60000, 6);
  const labels = readIdxLabels('train');
  const fitIdx = order.slice(0, fitN);
  const valIdx = order.slice(fitN, fitN + valN);
  const name = (i: number): string => FASHION_LABELS[labels[i]];
  const fitPx = await fashionPixels(fitIdx);
  const valPx = await fashionPixels(valIdx);
  const ff = await features(sf, fitPx);
  const qf = await features(sq, fitPx);
  const fv = await features(sf, valPx);
  const qv = await features(sq, valPx);
  const floatAcc = await accuracy(ff.data, fitIdx.map(name), fv.data, valIdx.map(name));
  const int8Acc = await accuracy(qf.data, fitIdx.map(name), qv.data, valIdx.map(name));
  const offered = floatAcc - int8Acc <= 0.01;
  const result = {
    checkedBy: 'bench/vision/quant-check.ts',
    date: new Date().toISOString().slice(0, 10),
    split: `Fashion-MNIST train set, seed-6 shuffle: ${fitN} fit / ${valN} validation; test set unused`,
    probe: "the product's softmax head (trainHead, defaults, seed 1)",
    floatValAccuracy: floatAcc,
    int8ValAccuracy: int8Acc,
    floatMsPerImage: +((ff.ms + fv.ms) / 2).toFixed(2),
    int8MsPerImage: +((qf.ms + qv.ms) / 2).toFixed(2),
    floatCpuMsPerImage: +((ff.cpuMs + fv.cpuMs) / 2).toFixed(2),
    int8CpuMsPerImage: +((qf.cpuMs + qv.cpuMs) / 2).toFixed(2),
    offered,
    rule: 'offered only when int8 validation accuracy is within one point of float',
  };
  console.log(JSON.stringify(result, null, 2), `\n${((Date.now() - t0) / 1000).toFixed(0)} s`);
  writeFileSync(fileURLToPath(new URL('../../src/main/vision/node/convert/int8-check.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
}

void main();
