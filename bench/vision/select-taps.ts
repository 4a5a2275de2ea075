// Chooses the default backbone's feature taps by validation on a held-out split of the
// Fashion-MNIST TRAIN set (never the test set): pooled candidate taps -> standardised ->
// ridge linear probe -> greedy forward selection. Prints JSON for the model card.
// Run: npx tsx bench/vision/select-taps.ts [fitCount] [valCount]
import * as ort from 'onnxruntime-node';
import { loadMinJsLayersModel } from '../../src/main/vision/node/convert/tfjs-model';
import { convertLayersModel } from '../../src/main/vision/node/convert/layers-to-onnx';
import { GraphBuilder } from '../../src/main/vision/node/onnx/graph-builder';
import { fashionPixels } from './quant-calibration';
import { nsfwjsMobilenetDir, NSFWJS_NORMALIZE } from '../../src/main/vision/node/convert/default-backbone';
import { readIdxLabels, shuffledIndices } from './fashion-mnist';

const CANDIDATES = [
  'block_2_add',
  'block_5_add',
  'block_9_add',
  'block_10_project_BN',
  'block_11_add',
  'block_12_add',
  'block_13_project_BN',
  'block_15_add',
  'block_16_project_BN',
  'block_8_expand_relu',
  'block_10_expand_relu',
  'block_11_expand_relu',
  'block_12_expand_relu',
  'block_13_expand_relu',
  'block_14_expand_relu',
  'out_relu',
];
const K = 10;
const fitN = Number(process.argv[2] ?? 4000);
const valN = Number(process.argv[3] ?? 2000);

async function features(idx: number[], session: ort.InferenceSession): Promise<Map<string, Float32Array>> {
  const out = new Map(CANDIDATES.map((c) => [c, [] as Float32Array[]]));
  const B = 32;
  for (let s = 0; s < idx.length; s += B) {
    const chunk = idx.slice(s, s + B);
    const rgb = await fashionPixels(chunk);
    const r = await session.run({ image: new ort.Tensor('uint8', Buffer.concat(rgb), [chunk.length, 224, 224, 3]) });
    for (const c of CANDIDATES) out.get(c)!.push(r[`tap:${c}`].data as Float32Array);
  }
  return new Map(
    [...out].map(([c, parts]) => {
      const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return [c, all];
    }),
  );
}

/** Column-standardises with the fit split's statistics, concatenating all candidates. */
function standardise(fit: Map<string, Float32Array>, val: Map<string, Float32Array>, dims: number[]) {
  const D = dims.reduce((a, b) => a + b, 0);
  const Xf = new Float32Array(fitN * D);
  const Xv = new Float32Array(valN * D);
  let off = 0;
  CANDIDATES.forEach((c, ci) => {
    const d = dims[ci];
    const f = fit.get(c)!;
    const v = val.get(c)!;
    for (let j = 0; j < d; j++) {
      let m = 0,
        s = 0;
      for (let i = 0; i < fitN; i++) m += f[i * d + j];
      m /= fitN;
      for (let i = 0; i < fitN; i++) s += (f[i * d + j] - m) ** 2;
      const sd = Math.sqrt(s / fitN) + 1e-6;
      for (let i = 0; i < fitN; i++) Xf[i * D + off + j] = (f[i * d + j] - m) / sd;
      for (let i = 0; i < valN; i++) Xv[i * D + off + j] = (v[i * d + j] - m) / sd;
    }
    off += d;
  });
  return { Xf, Xv, D };
}

async function gram(X: Float32Array, n: number, D: number, Y: Float32Array): Promise<{ G: Float32Array; XtY: Float32Array }> {
  const g = new GraphBuilder();
  g.input('X', 'float32', [n, D]);
  g.input('Y', 'float32', [n, K]);
  const xt = g.node('Transpose', ['X'], 'Xt', { perm: [1, 0] });
  g.rename(g.node('MatMul', [xt, 'X'], 'G0'), 'G');
  g.rename(g.node('MatMul', [xt, 'Y'], 'XtY0'), 'XtY');
  g.output('G', 'float32', [D, D]);
  g.output('XtY', 'float32', [D, K]);
  const s = await ort.InferenceSession.create(Buffer.from(g.encode('gram')));
  const r = await s.run({ X: new ort.Tensor('float32', X, [n, D]), Y: new ort.Tensor('float32', Y, [n, K]) });
  return { G: r.G.data as Float32Array, XtY: r.XtY.data as Float32Array };
}

/** Ridge solve on the columns `cols`: (G_S + λI) W = XtY_S by Cholesky, then validation accuracy. */
function probe(cols: number[], G: Float32Array, XtY: Float32Array, D: number, Xv: Float32Array, yv: Uint8Array, prior: number[], lambda: number): number {
  const d = cols.length;
  const A = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) A[i * d + j] = G[cols[i] * D + cols[j]] + (i === j ? lambda : 0);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= A[j * d + k] ** 2;
    const l = Math.sqrt(s);
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      const ri = i * d,
        rj = j * d;
      for (let k = 0; k < j; k++) t -= A[ri + k] * A[rj + k];
      A[ri + j] = t / l;
    }
  }
  const W = new Float64Array(d * K);
  for (let c = 0; c < K; c++) {
    const z = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let t = XtY[cols[i] * K + c];
      for (let k = 0; k < i; k++) t -= A[i * d + k] * z[k];
      z[i] = t / A[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let t = z[i];
      for (let k = i + 1; k < d; k++) t -= A[k * d + i] * W[k * K + c];
      W[i * K + c] = t / A[i * d + i];
    }
  }
  let correct = 0;
  for (let n = 0; n < valN; n++) {
    let best = -Infinity,
      arg = 0;
    for (let c = 0; c < K; c++) {
      let s = prior[c];
      for (let i = 0; i < d; i++) s += Xv[n * D + cols[i]] * W[i * K + c];
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    if (arg === yv[n]) correct++;
  }
  return correct / valN;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const model = convertLayersModel(loadMinJsLayersModel(nsfwjsMobilenetDir()), { taps: CANDIDATES, normalize: NSFWJS_NORMALIZE, tapOutputs: true });
  const session = await ort.InferenceSession.create(Buffer.from(model.onnx), {
    intraOpNumThreads: 2,
    extra: { 'session.disable_quant_qdq': '1' },
  } as ort.InferenceSession.SessionOptions);
  const order = shuffledIndices(60000, 6);
  const fitIdx = order.slice(0, fitN);
  const valIdx = order.slice(fitN, fitN + valN);
  const labels = readIdxLabels('train');
  const fit = await features(fitIdx, session);
  const val = await features(valIdx, session);
  console.error(`features: ${(Date.now() - t0) / 1000}s`);
  const dims = model.taps.map((t) => t.dim);
  const { Xf, Xv, D } = standardise(fit, val, dims);
  const Y = new Float32Array(fitN * K);
  const prior = new Array<number>(K).fill(0);
  for (const i of fitIdx) prior[labels[i]] += 1 / fitN;
  fitIdx.forEach((i, n) => {
    for (let c = 0; c < K; c++) Y[n * K + c] = (labels[i] === c ? 1 : 0) - prior[c];
  });
  const yv = Uint8Array.from(valIdx.map((i) => labels[i]));
  const { G, XtY } = await gram(Xf, fitN, D, Y);
  const starts: number[] = [];
  dims.reduce((o, d) => (starts.push(o), o + d), 0);
  const colsOf = (taps: number[]): number[] => taps.flatMap((t) => Array.from({ length: dims[t] }, (_, j) => starts[t] + j));
  const lambda = 0.05 * fitN;
  const single = CANDIDATES.map((c, t) => ({ tap: c, dim: dims[t], valAccuracy: probe(colsOf([t]), G, XtY, D, Xv, yv, prior, lambda) }));
  for (const s of single) console.error(`${s.tap} (${s.dim}): ${s.valAccuracy.toFixed(4)}`);
  let chosen: number[] = [];
  let bestAcc = 0;
  const steps: Array<{ taps: string[]; dim: number; valAccuracy: number }> = [];
  while (chosen.length < 4) {
    let next = -1,
      nextAcc = bestAcc;
    for (let t = 0; t < CANDIDATES.length; t++) {
      if (chosen.includes(t)) continue;
      const cols = colsOf([...chosen, t]);
      if (cols.length > 2600) continue;
      const acc = probe(cols, G, XtY, D, Xv, yv, prior, lambda);
      if (acc > nextAcc) {
        nextAcc = acc;
        next = t;
      }
    }
    if (next < 0 || nextAcc - bestAcc < 0.002) break;
    chosen = [...chosen, next];
    bestAcc = nextAcc;
    const step = { taps: chosen.map((t) => CANDIDATES[t]), dim: colsOf(chosen).length, valAccuracy: nextAcc };
    steps.push(step);
    console.error(`greedy: ${step.taps.join(' + ')} (${step.dim}): ${nextAcc.toFixed(4)}`);
  }
  console.log(
    JSON.stringify(
      {
        method: `ridge linear probe (λ = ${lambda}) on standardised pooled taps; greedy forward selection, stop below +0.2 points`,
        split: `Fashion-MNIST train set, seed-6 shuffle: ${fitN} fit / ${valN} validation images; test set unused`,
        single,
        greedy: steps,
        seconds: (Date.now() - t0) / 1000,
      },
      null,
      2,
    ),
  );
}

void main();
