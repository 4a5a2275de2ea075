/**
 * Retrain benchmark: how long "learning while labelling" takes to retrain a head on
 * 10,000 cached embeddings of dimension 1,280 with 10 labels (target: under 3 s on 2
 * cores). Softmax and MLP runs are interleaved (S M S M …) so machine load hits both
 * alike; each reports wall time, CPU time (process.cpuUsage) and the epochs it ran.
 *
 * Run alone: `npx tsx bench/vision/train-retrain.ts [--repeats N]`, or import
 * runRetrainBench() from the vision benchmark runner.
 */
import { pathToFileURL } from 'node:url';
import { trainHead, type HeadKind, type TrainOptions } from '../../src/main/vision/train';
import { gaussianBlobs } from '../../test/vision/train-synthetic';

export interface RetrainSample {
  kind: HeadKind;
  wallMs: number;
  cpuMs: number;
  epochs: number;
  bestEpoch: number;
  valAcc: number;
}

export interface RetrainBenchResult {
  n: number;
  dim: number;
  classes: number;
  targetMs: number;
  samples: RetrainSample[];
  summary: Record<HeadKind, { medianWallMs: number; medianCpuMs: number; medianEpochs: number; valAcc: number; metTarget: boolean }>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runRetrainBench(opts: { repeats?: number; n?: number; dim?: number; classes?: number; options?: TrainOptions } = {}): Promise<RetrainBenchResult> {
  const n = opts.n ?? 10_000;
  const dim = opts.dim ?? 1280;
  const classes = opts.classes ?? 10;
  const repeats = opts.repeats ?? 3;
  // Non-negative, overlapping blobs: like pooled ReLU features, and hard enough that
  // training runs a realistic number of epochs instead of converging at once.
  const data = gaussianBlobs({ classes, perClass: n / classes, dim, separation: 0.12, seed: 42, relu: true });
  const samples: RetrainSample[] = [];
  const kinds: HeadKind[] = ['softmax', 'mlp'];
  await trainHead(data, { epochs: 1 }); // warm up the JIT once, outside the timings
  for (let r = 0; r < repeats; r++) {
    for (const kind of kinds) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await trainHead(data, { kind, ...opts.options });
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      samples.push({
        kind,
        wallMs,
        cpuMs: (c.user + c.system) / 1000,
        epochs: res.history.length,
        bestEpoch: res.bestEpoch,
        valAcc: res.history[res.bestEpoch - 1].valAcc ?? 0,
      });
    }
  }
  const targetMs = 3000;
  const summary = Object.fromEntries(kinds.map((kind) => {
    const s = samples.filter((x) => x.kind === kind);
    const medianWallMs = median(s.map((x) => x.wallMs));
    return [kind, {
      medianWallMs,
      medianCpuMs: median(s.map((x) => x.cpuMs)),
      medianEpochs: median(s.map((x) => x.epochs)),
      valAcc: median(s.map((x) => x.valAcc)),
      metTarget: medianWallMs < targetMs,
    }];
  })) as RetrainBenchResult['summary'];
  return { n, dim, classes, targetMs, samples, summary };
}

function report(r: RetrainBenchResult): string {
  const lines = [`retrain on ${r.n} × ${r.dim} embeddings, ${r.classes} labels (node ${process.version})`];
  for (const s of r.samples) {
    lines.push(`  ${s.kind.padEnd(7)} wall ${s.wallMs.toFixed(0).padStart(6)} ms  cpu ${s.cpuMs.toFixed(0).padStart(6)} ms  epochs ${s.epochs} (best ${s.bestEpoch})  val acc ${s.valAcc.toFixed(3)}`);
  }
  for (const [kind, s] of Object.entries(r.summary)) {
    lines.push(`${kind.padEnd(7)} median wall ${s.medianWallMs.toFixed(0)} ms, cpu ${s.medianCpuMs.toFixed(0)} ms, ${s.medianEpochs} epochs, ` +
      `${(s.medianWallMs / s.medianEpochs).toFixed(0)} ms/epoch: target < ${r.targetMs} ms ${s.metTarget ? 'MET' : `MISSED by ${(s.medianWallMs / r.targetMs).toFixed(2)}×`}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--repeats');
  const repeats = i > 0 ? Number(process.argv[i + 1]) : 3;
  runRetrainBench({ repeats }).then((r) => console.log(report(r)), (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
