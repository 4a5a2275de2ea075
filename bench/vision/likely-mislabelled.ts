// `npx tsx bench/vision/likely-mislabelled.ts` (also a phase of `npm run bench:vision`):
// the "likely mislabelled" review queue (issue #14).
//
// Quality: 10,000 Fashion-MNIST TRAIN pictures (the seed-6 shuffle's first 10,000, embedded by
// the default backbone through the engine, cached under bench/tmp/review), 5 % of the labels
// flipped to another class at random (seeded). Precision among the first K flagged (K = the
// number flipped) for confident learning on 5-fold out-of-sample probabilities, against the
// naive queue: given ≠ predicted by a head trained on all 10,000 (in sample), surest first
// (ranked by p(predicted) − p(given)). The CL queue ranks by p(given) / t(given), lowest first.
// Targets: CL ≥ 0.6, and ≥ 10 points above naive.
//
// Speed: the queue computed for 60,000 cached embeddings (synthetic, the backbone's width) in
// the training child as the app runs it; target < 30 s CPU of the child, and the main
// process's CPU small (it only streams the rows). Writes bench/vision/RESULTS-review.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { InferenceEngine } from '../../src/main/vision/index';
import {
  createRng,
  epochsFor,
  findLikelyMislabelled,
  naiveDisagreements,
  predict,
  repeatsFor,
  trainHead,
  type MislabelItem,
} from '../../src/main/vision/index';
import { outOfFoldInChildProcess } from '../../src/main/services/vision/train-child-process';
import { readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';

const N = Number(process.env.N ?? 10_000);
const BIG = Number(process.env.BIG ?? 60_000);
const FLIP = 0.05;
const CACHE = 'bench/tmp/review';
const RESULTS = 'bench/vision/RESULTS-review.md';
const NAMES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

/** CPU seconds of a live process (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function embeddings(idx: number[]): Promise<{ X: Float32Array; dim: number }> {
  const file = join(CACHE, `fmnist-train-seed6-${idx.length}.f32`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    const X = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
    return { X, dim: X.length / idx.length };
  }
  const engine = await InferenceEngine.open({ modelPath: 'models/mobilenet_v2.onnx', providers: ['cpu'], maxBatch: 32 });
  const D = engine.report().featureDim;
  const imgs = readIdxImages('train');
  const px = imgs.rows * imgs.cols;
  const X = new Float32Array(idx.length * D);
  const t0 = Date.now();
  for (let s = 0; s < idx.length; s += 128) {
    const part = idx.slice(s, s + 128);
    const inputs = await Promise.all(
      part.map(async (i) =>
        sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
          .png()
          .toBuffer(),
      ),
    );
    const rs = await engine.embed(inputs);
    rs.forEach((r, k) => {
      if (!r.ok) throw new Error(r.error.message);
      X.set(r.embedding, (s + k) * D);
    });
    if ((s / 128) % 10 === 0) console.error(`embedded ${s + part.length}/${idx.length} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  await engine.close();
  writeFileSync(file, Buffer.from(X.buffer));
  return { X, dim: D };
}

const precisionAt = (items: MislabelItem[], k: number, flipped: Set<number>) => items.slice(0, k).filter((x) => flipped.has(x.index)).length / k;

export async function runMislabelledBench(): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const started = new Date().toISOString();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const idx = shuffledIndices(60_000, 6).slice(0, N);
  const truth = readIdxLabels('train');
  const { X, dim } = await embeddings(idx);

  // Flip 5 % at random (seeded) to one of the nine other classes.
  const rng = createRng(2026);
  const given = idx.map((i) => truth[i]);
  const order = Array.from(given.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const K = Math.round(N * FLIP);
  const flipped = new Set(order.slice(0, K));
  for (const i of flipped) given[i] = (given[i] + 1 + rng.int(9)) % 10;
  const labels = given.map((c) => NAMES[c]);
  const rows = Array.from({ length: N }, (_, i) => X.subarray(i * dim, (i + 1) * dim));

  // Confident learning, as the app computes it (training child, 5 folds).
  let pid: number | undefined;
  let childCpu = 0;
  const t0 = Date.now();
  const oof = await outOfFoldInChildProcess({ features: rows, labels }, { folds: 5, onStart: (p) => (pid = p), onFold: () => (childCpu = cpuSeconds(pid)) });
  const clWall = (Date.now() - t0) / 1000;
  const cl = findLikelyMislabelled({ probabilities: oof.probabilities, given: oof.given, classes: oof.classes.length });
  const suggestedRight = cl.items.slice(0, K).filter((x) => flipped.has(x.index) && oof.classes[x.suggested] === NAMES[truth[idx[x.index]]]).length;

  // Naive: one head on everything (the app's defaults), in sample.
  const { head } = await trainHead({ features: rows, labels });
  const P = predict(head, rows);
  const cols = oof.classes.map((c) => head.labels.indexOf(c));
  const aligned = new Float32Array(N * 10);
  for (let i = 0; i < N; i++) for (let c = 0; c < 10; c++) aligned[i * 10 + c] = P[i * 10 + cols[c]];
  const naive = naiveDisagreements(aligned, oof.given, 10);

  const pCl = precisionAt(cl.items, K, flipped);
  const pNaive = precisionAt(naive, K, flipped);
  console.error(
    `CL precision@${K} ${pCl.toFixed(3)} (flagged ${cl.items.length}), naive ${pNaive.toFixed(3)} (flagged ${naive.length}); OOF ${clWall.toFixed(1)} s wall, child ${childCpu.toFixed(1)} s CPU`,
  );

  // Speed at 60,000 rows of the backbone's width (synthetic: ten Gaussian classes).
  const srng = createRng(7);
  const centres = Array.from({ length: 10 }, () => Float32Array.from({ length: dim }, () => srng.normal() * 0.3));
  const big: Float32Array[] = [];
  const bigLabels: string[] = [];
  for (let i = 0; i < BIG; i++) {
    const c = i % 10;
    big.push(Float32Array.from(centres[c], (v) => v + srng.normal()));
    bigLabels.push(NAMES[c]);
  }
  let bigPid: number | undefined;
  let bigChild = 0;
  const main0 = process.cpuUsage();
  const t1 = Date.now();
  const bigOof = await outOfFoldInChildProcess(
    { features: big, labels: bigLabels },
    { folds: 5, onStart: (p) => (bigPid = p), onFold: () => (bigChild = cpuSeconds(bigPid)) },
  );
  const m = process.cpuUsage(main0);
  findLikelyMislabelled({ probabilities: bigOof.probabilities, given: bigOof.given, classes: 10 });
  const bigWall = (Date.now() - t1) / 1000;
  const mainCpu = (m.user + m.system) / 1e6;
  console.error(`60k: ${bigWall.toFixed(1)} s wall, child ${bigChild.toFixed(1)} s CPU, main ${mainCpu.toFixed(1)} s CPU`);

  const ok = (b: boolean) => (b ? 'met' : '**missed**');
  const report = `## ${started}

Machine: ${cpus().length}-core shared VM (${cpus()[0]?.model ?? 'cpu'}), load average ${load} at the start (other engineers' jobs running), Node ${process.version}.

| measure | value | target |
|---|---|---|
| pictures, flipped | ${N.toLocaleString('en')} Fashion-MNIST train (seed-6 shuffle), ${K} flipped (seed 2026), backbone width ${dim} | — |
| confident learning, precision among first ${K} | **${pCl.toFixed(3)}** (${cl.items.length} flagged; ${suggestedRight} of the ${Math.round(pCl * K)} hits suggest the true class) | ≥ 0.6: ${ok(pCl >= 0.6)} |
| naive (given ≠ in-sample prediction), precision among first ${K} | ${pNaive.toFixed(3)} (${naive.length} disagree) | CL ≥ naive + 0.10: ${ok(pCl >= pNaive + 0.1)} (+${((pCl - pNaive) * 100).toFixed(1)} points) |
| 5-fold heads on ${N.toLocaleString('en')} (${repeatsFor(N)} splits averaged, ${epochsFor(Math.round(N * 0.8))} epochs each), training child | ${clWall.toFixed(1)} s wall, ${childCpu.toFixed(1)} s CPU | — |
| 5-fold heads on ${BIG.toLocaleString('en')} × ${dim} (synthetic; ${repeatsFor(BIG)} split, ${epochsFor(Math.round(BIG * 0.8))} epochs), training child | ${bigWall.toFixed(1)} s wall, **${bigChild.toFixed(1)} s CPU** of the child; main process ${mainCpu.toFixed(1)} s CPU (streaming the rows) | < 30 s CPU, off the main thread: ${ok(bigChild < 30)} |
`;
  const head0 = '# Review queues: likely mislabelled\n\nWritten by `bench/vision/likely-mislabelled.ts`; newest first.\n';
  const prev = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8').replace(head0, '') : '';
  writeFileSync(RESULTS, `${head0}\n${report}\n${prev.trim()}\n`);
  return report;
}

if (process.argv[1]?.endsWith('likely-mislabelled.ts')) {
  runMislabelledBench().then(
    (r) => console.log(r),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
