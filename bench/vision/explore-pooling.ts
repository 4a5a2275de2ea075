// Asks whether spatial pooling beats global average pooling for the default backbone's taps,
// on a held-out split of the Fashion-MNIST TRAIN set (never the test set). Extracts each tap's
// raw map once, derives pooled variants from it (global average, global max, 2×2 grid
// average), caches them under bench/tmp, and scores each combination with the app's own
// softmax trainer (validation accuracy on pictures the head never saw).
// Run: npx tsx bench/vision/explore-pooling.ts [fitCount] [valCount]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { loadMinJsLayersModel } from '../../src/main/vision/node/convert/tfjs-model';
import { convertLayersModel } from '../../src/main/vision/node/convert/layers-to-onnx';
import { fashionPixels } from './quant-calibration';
import { nsfwjsMobilenetDir, NSFWJS_NORMALIZE } from '../../src/main/vision/node/convert/default-backbone';
import { trainHead } from '../../src/main/vision/pure/train';
import { heldOutAccuracy, readIdxLabels, shuffledIndices } from './fashion-mnist';

const TAPS = (process.env.TAPS ?? 'block_11_expand_relu,block_12_expand_relu,block_13_expand_relu').split(',');
const fitN = Number(process.argv[2] ?? 10000);
const valN = Number(process.argv[3] ?? 2000);
const CACHE = 'bench/tmp/pooling';
type Variant = 'gap' | 'gmp' | 'grid2';
const VARIANTS: Variant[] = ['gap', 'gmp', 'grid2'];

/** Pools one NHWC map [h,w,c] into the three variants. */
function poolAll(raw: Float32Array, off: number, h: number, w: number, c: number): Record<Variant, Float32Array> {
  const gap = new Float32Array(c);
  const gmp = new Float32Array(c).fill(-Infinity);
  const grid2 = new Float32Array(4 * c);
  const hh = h / 2,
    hw = w / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const cell = (y < hh ? 0 : 2) + (x < hw ? 0 : 1);
      const base = off + (y * w + x) * c;
      for (let k = 0; k < c; k++) {
        const v = raw[base + k];
        gap[k] += v;
        if (v > gmp[k]) gmp[k] = v;
        grid2[cell * c + k] += v;
      }
    }
  }
  for (let k = 0; k < c; k++) gap[k] /= h * w;
  for (let i = 0; i < 4 * c; i++) grid2[i] /= (h * w) / 4;
  return { gap, gmp, grid2 };
}

async function extract(idx: number[], name: string): Promise<Map<string, Float32Array>> {
  const files = new Map<string, string>();
  for (const t of TAPS) for (const v of VARIANTS) files.set(`${t}/${v}`, `${CACHE}/${name}-${idx.length}-${t}-${v}.f32`);
  if ([...files.values()].every((f) => existsSync(f))) {
    return new Map(
      [...files].map(([k, f]) => {
        const b = readFileSync(f);
        return [k, new Float32Array(b.buffer, b.byteOffset, b.length / 4)];
      }),
    );
  }
  const model = convertLayersModel(loadMinJsLayersModel(nsfwjsMobilenetDir()), { taps: TAPS, normalize: NSFWJS_NORMALIZE, rawOutputs: TAPS });
  const session = await ort.InferenceSession.create(Buffer.from(model.onnx), {
    intraOpNumThreads: 2,
    extra: { 'session.disable_quant_qdq': '1' },
  } as ort.InferenceSession.SessionOptions);
  const parts = new Map<string, Float32Array[]>([...files.keys()].map((k) => [k, []]));
  const B = 32;
  const t0 = Date.now();
  for (let s = 0; s < idx.length; s += B) {
    const chunk = idx.slice(s, s + B);
    const rgb = await fashionPixels(chunk);
    const r = await session.run({ image: new ort.Tensor('uint8', Buffer.concat(rgb), [chunk.length, 224, 224, 3]) });
    for (const t of TAPS) {
      const out = r[`raw:${t}`];
      const [, h, w, c] = out.dims as number[];
      const data = out.data as Float32Array;
      for (let n = 0; n < chunk.length; n++) {
        const p = poolAll(data, n * h * w * c, h, w, c);
        for (const v of VARIANTS) parts.get(`${t}/${v}`)!.push(p[v]);
      }
    }
    if ((s / B) % 50 === 0) console.error(`${name}: ${s + chunk.length}/${idx.length} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  mkdirSync(CACHE, { recursive: true });
  const out = new Map<string, Float32Array>();
  for (const [k, rows] of parts) {
    const all = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
    let o = 0;
    for (const r of rows) {
      all.set(r, o);
      o += r.length;
    }
    writeFileSync(files.get(k)!, Buffer.from(all.buffer));
    out.set(k, all);
  }
  return out;
}

function combine(feats: Map<string, Float32Array>, keys: string[], n: number): Float32Array {
  const dims = keys.map((k) => feats.get(k)!.length / n);
  const D = dims.reduce((a, b) => a + b, 0);
  const X = new Float32Array(n * D);
  let off = 0;
  keys.forEach((k, ki) => {
    const d = dims[ki];
    const f = feats.get(k)!;
    for (let i = 0; i < n; i++) X.set(f.subarray(i * d, (i + 1) * d), i * D + off);
    off += d;
  });
  return X;
}

async function main(): Promise<void> {
  const order = shuffledIndices(60000, 6);
  const fitIdx = order.slice(0, fitN);
  const valIdx = order.slice(fitN, fitN + valN);
  const labels = readIdxLabels('train');
  const fit = await extract(fitIdx, 'fit');
  const val = await extract(valIdx, 'val');
  const fitLabels = fitIdx.map((i) => String(labels[i]));
  const combos: Record<string, string[]> = {
    gap: TAPS.map((t) => `${t}/gap`),
    'gap+gmp': TAPS.flatMap((t) => [`${t}/gap`, `${t}/gmp`]),
    'grid2(last)+gap': [...TAPS.map((t) => `${t}/gap`), `${TAPS[TAPS.length - 1]}/grid2`],
    grid2: TAPS.map((t) => `${t}/grid2`),
    'grid2+gmp': TAPS.flatMap((t) => [`${t}/grid2`, `${t}/gmp`]),
    'gap+gmp(last)': [...TAPS.map((t) => `${t}/gap`), `${TAPS[TAPS.length - 1]}/gmp`],
    'gap+gmp(last2)': [...TAPS.map((t) => `${t}/gap`), ...TAPS.slice(-2).map((t) => `${t}/gmp`)],
    gmp: TAPS.map((t) => `${t}/gmp`),
  };
  // COMBO="name=tap/variant+tap/variant;…" scores exactly these (taps must be in TAPS).
  if (process.env.COMBO) {
    for (const k of Object.keys(combos)) delete combos[k];
    for (const spec of process.env.COMBO.split(';')) {
      const [name, keys] = spec.split('=');
      combos[name] = keys.split('+');
    }
  }
  const only = process.env.COMBOS?.split(',');
  if (process.env.GREEDY)
    return greedy(
      fit,
      val,
      fitLabels,
      valIdx.map((i) => String(labels[i])),
    );
  const kinds = (process.env.HEADS ?? 'softmax').split(',') as Array<'softmax' | 'mlp'>;
  for (const [name, keys] of Object.entries(combos)) {
    if (only && !only.includes(name)) continue;
    for (const kind of kinds) {
      const t0 = process.cpuUsage();
      const Xf = combine(fit, keys, fitN);
      const D = Xf.length / fitN;
      const r = await trainHead(
        { features: Xf, labels: fitLabels },
        {
          kind,
          hiddenUnits: Number(process.env.HIDDEN ?? 256),
          validationFraction: 0.1,
          epochs: Number(process.env.EPOCHS ?? 40),
          weightDecay: Number(process.env.WD ?? 1e-4),
          patience: Number(process.env.PATIENCE ?? 5),
          learningRate: process.env.LR ? Number(process.env.LR) : undefined,
        },
      );
      const acc = heldOutAccuracy(
        r.head,
        combine(val, keys, valN),
        valIdx.map((i) => String(labels[i])),
      );
      const cpu = process.cpuUsage(t0);
      console.log(
        `${name.padEnd(18)} ${kind.padEnd(7)} D=${String(D).padStart(5)} held-out ${(100 * acc).toFixed(2)} % (epochs ${r.history.length}, best ${r.bestEpoch}, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`,
      );
    }
  }
}

async function score(
  fit: Map<string, Float32Array>,
  val: Map<string, Float32Array>,
  keys: string[],
  fitLabels: string[],
  valLabels: string[],
): Promise<number> {
  const r = await trainHead({ features: combine(fit, keys, fitN), labels: fitLabels }, { validationFraction: 0.1 });
  return heldOutAccuracy(r.head, combine(val, keys, valN), valLabels);
}

/** Greedy forward selection over (tap, pooling) candidates with the app's softmax head; stops below +0.2 points or at MAX_DIM. */
async function greedy(fit: Map<string, Float32Array>, val: Map<string, Float32Array>, fitLabels: string[], valLabels: string[]): Promise<void> {
  const maxDim = Number(process.env.MAX_DIM ?? 3500);
  const cands = TAPS.flatMap((t) => [`${t}/gap`, `${t}/gmp`]);
  const dim = (k: string): number => fit.get(k)!.length / fitN;
  const single: Record<string, number> = {};
  let chosen: string[] = [];
  let bestAcc = 0;
  const steps: Array<{ taps: string[]; dim: number; valAccuracy: number }> = [];
  for (;;) {
    let next = '',
      nextAcc = bestAcc;
    for (const c of cands) {
      if (chosen.includes(c) || [...chosen, c].reduce((a, k) => a + dim(k), 0) > maxDim) continue;
      const acc = await score(fit, val, [...chosen, c], fitLabels, valLabels);
      if (chosen.length === 0) single[c] = acc;
      console.error(`  ${[...chosen, c].join(' + ')}: ${(100 * acc).toFixed(2)} %`);
      if (acc > nextAcc) {
        nextAcc = acc;
        next = c;
      }
    }
    if (!next || nextAcc - bestAcc < 0.002) break;
    chosen = [...chosen, next];
    bestAcc = nextAcc;
    steps.push({ taps: chosen, dim: chosen.reduce((a, k) => a + dim(k), 0), valAccuracy: nextAcc });
    console.error(`greedy: ${chosen.join(' + ')}: ${(100 * nextAcc).toFixed(2)} %`);
  }
  console.log(JSON.stringify({ single, greedySteps: steps }, null, 2));
}

void main();
