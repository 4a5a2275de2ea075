/**
 * Retrain benchmark: how long "learning while labelling" takes to retrain a head on
 * 10,000 cached embeddings of dimension 1,536 (the default backbone's) with 10 labels (target: under 3 s on 2
 * cores). Three heads are timed, interleaved (A B C, A B C, …) so machine load hits all
 * alike: softmax regression (the default), the MLP on the full input, and the MLP with
 * input compression (inputComponents 64). Each reports wall time, CPU time
 * (process.cpuUsage), the epochs it ran and its validation accuracy.
 *
 * Run alone: `npx tsx bench/vision/train-retrain.ts [--repeats N]`, or import
 * runRetrainBench() from the vision benchmark runner.
 */
import { pathToFileURL } from 'node:url';
import { trainHead, type TrainOptions } from '../../src/main/vision/pure/train';
import { gaussianBlobs } from '../../test/vision/train-synthetic';

export interface RetrainVariant {
  name: string;
  options: TrainOptions;
}

export const RETRAIN_VARIANTS: RetrainVariant[] = [
  { name: 'softmax', options: { kind: 'softmax' } },
  { name: 'mlp', options: { kind: 'mlp' } },
  { name: 'mlp-c64', options: { kind: 'mlp', inputComponents: 64 } },
];

export interface RetrainSample {
  name: string;
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
  summary: Record<string, { medianWallMs: number; medianCpuMs: number; medianEpochs: number; valAcc: number; metTarget: boolean }>;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runRetrainBench(
  opts: { repeats?: number; n?: number; dim?: number; classes?: number; variants?: RetrainVariant[] } = {},
): Promise<RetrainBenchResult> {
  const n = opts.n ?? 10_000;
  const dim = opts.dim ?? 1536;
  const classes = opts.classes ?? 10;
  const repeats = opts.repeats ?? 3;
  // Non-negative, overlapping blobs: like pooled ReLU features, and hard enough that
  // training runs a realistic number of epochs instead of converging at once.
  const data = gaussianBlobs({ classes, perClass: n / classes, dim, separation: 0.12, seed: 42, relu: true });
  const samples: RetrainSample[] = [];
  const variants = opts.variants ?? RETRAIN_VARIANTS;
  await trainHead(data, { epochs: 1 }); // warm up the JIT once, outside the timings
  for (let r = 0; r < repeats; r++) {
    for (const v of variants) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await trainHead(data, v.options);
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      samples.push({
        name: v.name,
        wallMs,
        cpuMs: (c.user + c.system) / 1000,
        epochs: res.history.length,
        bestEpoch: res.bestEpoch,
        valAcc: res.history[res.bestEpoch - 1].valAcc ?? 0,
      });
    }
  }
  const targetMs = 3000;
  const summary = Object.fromEntries(
    variants.map(({ name }) => {
      const s = samples.filter((x) => x.name === name);
      const medianWallMs = median(s.map((x) => x.wallMs));
      return [
        name,
        {
          medianWallMs,
          medianCpuMs: median(s.map((x) => x.cpuMs)),
          medianEpochs: median(s.map((x) => x.epochs)),
          valAcc: median(s.map((x) => x.valAcc)),
          metTarget: medianWallMs < targetMs,
        },
      ];
    }),
  ) as RetrainBenchResult['summary'];
  return { n, dim, classes, targetMs, samples, summary };
}

export function formatRetrainReport(r: RetrainBenchResult): string {
  const lines = [`retrain on ${r.n} × ${r.dim} embeddings, ${r.classes} labels (node ${process.version})`];
  for (const s of r.samples) {
    lines.push(
      `  ${s.name.padEnd(7)} wall ${s.wallMs.toFixed(0).padStart(6)} ms  cpu ${s.cpuMs.toFixed(0).padStart(6)} ms  epochs ${s.epochs} (best ${s.bestEpoch})  val acc ${s.valAcc.toFixed(3)}`,
    );
  }
  for (const [name, s] of Object.entries(r.summary)) {
    lines.push(
      `${name.padEnd(7)} median wall ${s.medianWallMs.toFixed(0)} ms, cpu ${s.medianCpuMs.toFixed(0)} ms, ${s.medianEpochs} epochs, ` +
        `${(s.medianWallMs / s.medianEpochs).toFixed(0)} ms/epoch: target < ${r.targetMs} ms ${s.metTarget ? 'MET' : `MISSED by ${(s.medianWallMs / r.targetMs).toFixed(2)}×`}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--repeats');
  const repeats = i > 0 ? Number(process.argv[i + 1]) : 3;
  runRetrainBench({ repeats }).then(
    (r) => console.log(formatRetrainReport(r)),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
