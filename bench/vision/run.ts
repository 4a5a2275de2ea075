// `npm run bench:vision [-- --quick] [--skip-train] [--with-app] [--skip-review]`: embedding throughput of the whole pipeline
// (JPEG 1–4 MP from disk -> embedding, through InferenceEngine) against its bare parts measured
// alone in the same run, interleaved A B C D, A B C D, … so machine load hits all alike:
//   A  sharp decode + resize, one image at a time (preprocessImage)
//   B  onnxruntime on pre-made tensors, batch 1
//   C  onnxruntime on pre-made tensors, batch 32
//   D  the pipeline: engine.embed(paths)
//   E  the pipeline in its own process, as the app runs it: EngineProcess.embed(paths)
// Target: D and E >= 0.9 × 1 / (A + C per image). Writes bench/vision/RESULTS.md, then runs the
// training phases (bench/vision/train-*.ts) when present (raw output: bench/tmp/vision/).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { writeDefaultBackbone } from '../../src/main/vision/node/convert/default-backbone';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { EngineProcess } from '../../src/main/services/vision/engine-process';
import { sessionOptions } from '../../src/main/vision/node/inference/providers';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { ensurePhotos } from './photos';

const here = fileURLToPath(new URL('.', import.meta.url));
const quick = process.argv.includes('--quick');
const THREADS = 2;
const ROUNDS = quick ? 2 : 5;
const FILES = quick ? 16 : 32;

interface Sample {
  wallMs: number;
  cpuMs: number;
  images: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** CPU ms of another process (all its threads), from /proc; 0 where there is no /proc. */
function childCpuMs(pid: number | undefined): number {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(images: number, fn: () => Promise<void>, childPid?: number): Promise<Sample> {
  const c0 = process.cpuUsage();
  const k0 = childCpuMs(childPid);
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000 + childCpuMs(childPid) - k0, images };
}

const perImage = (s: Sample[]): { ms: number; cpuMs: number } => ({
  ms: median(s.map((x) => x.wallMs / x.images)),
  cpuMs: median(s.map((x) => x.cpuMs / x.images)),
});

async function embeddingBench(): Promise<string> {
  const tmp = join(here, '..', 'tmp', 'vision');
  const { modelPath, card } = writeDefaultBackbone(join(tmp, 'model'));
  const files = await ensurePhotos(join(tmp, 'photos'), FILES);
  // The engine runs with its defaults (ORT threads: defaultThreads, a core left to sharp from three up); the bare
  // ORT phases get every core, the fastest they can be alone.
  const engine = await InferenceEngine.open({ modelPath, providers: ['cpu'] });
  const remote = await EngineProcess.open({ modelPath, providers: ['cpu'] });
  const session = await ort.InferenceSession.create(modelPath, sessionOptions('cpu', THREADS));
  const pixels = await Promise.all(files.slice(0, 32).map((f) => preprocessImage(f, { width: 224, height: 224 })));
  while (pixels.length < 32) pixels.push(pixels[pixels.length % files.length]);
  const one = pixels.map((p) => new ort.Tensor('uint8', p, [1, 224, 224, 3]));
  const batch = new ort.Tensor('uint8', Buffer.concat(pixels), [32, 224, 224, 3]);
  // Warm-up, outside the timings.
  await session.run({ image: batch });
  await engine.embed(files.slice(0, 4));
  await remote.embed(files.slice(0, 4));

  const A: Sample[] = [];
  const B: Sample[] = [];
  const C: Sample[] = [];
  const D: Sample[] = [];
  const E: Sample[] = [];
  const load0 = loadavg()[0];
  for (let r = 0; r < ROUNDS; r++) {
    A.push(
      await measure(files.length, async () => {
        for (const f of files) await preprocessImage(f, { width: 224, height: 224 });
      }),
    );
    B.push(
      await measure(one.length, async () => {
        for (const t of one) await session.run({ image: t });
      }),
    );
    C.push(
      await measure(64, async () => {
        await session.run({ image: batch });
        await session.run({ image: batch });
      }),
    );
    D.push(
      await measure(files.length, async () => {
        const res = await engine.embed(files);
        if (res.some((x) => !x.ok)) throw new Error('pipeline failed on a benchmark image');
      }),
    );
    E.push(
      await measure(
        files.length,
        async () => {
          const res = await remote.embed(files);
          if (res.some((x) => !x.ok)) throw new Error('pipeline (process) failed on a benchmark image');
        },
        remote.pid,
      ),
    );
    console.log(
      `round ${r + 1}/${ROUNDS}: decode ${(A[r].wallMs / files.length).toFixed(1)} ms/img, ort b1 ${(B[r].wallMs / 32).toFixed(1)}, b32 ${(C[r].wallMs / 64).toFixed(1)}, pipeline ${(D[r].wallMs / files.length).toFixed(1)} ms/img, in its process ${(E[r].wallMs / files.length).toFixed(1)} ms/img`,
    );
  }
  // Single-picture latency through the engine (the API adds HTTP on top): 1 MP JPEG from disk.
  const lat: number[] = [];
  const oneMp = files.find((f) => f.includes('1152x864')) ?? files[0];
  for (let i = 0; i < (quick ? 10 : 30); i++) {
    const t0 = performance.now();
    await engine.embed([oneMp]);
    lat.push(performance.now() - t0);
  }
  const latRemote: number[] = [];
  for (let i = 0; i < (quick ? 10 : 30); i++) {
    const t0 = performance.now();
    await remote.embed([oneMp]);
    latRemote.push(performance.now() - t0);
  }
  const q = (xs: number[], f: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * f))];
  const p50 = q(lat, 0.5);
  const p95 = q(lat, 0.95);
  const rp50 = q(latRemote, 0.5);
  const rp95 = q(latRemote, 0.95);
  console.log(
    `single 1 MP picture through the engine: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms; in its process p50 ${rp50.toFixed(1)} ms, p95 ${rp95.toFixed(1)} ms`,
  );
  const load1 = loadavg()[0];
  const report = engine.report();
  await engine.close();
  await remote.close();
  await session.release();

  const a = perImage(A);
  const b = perImage(B);
  const c = perImage(C);
  const d = perImage(D);
  const e = perImage(E);
  const bare32 = 1000 / (a.ms + c.ms);
  const bare1 = 1000 / (a.ms + b.ms);
  const rate = 1000 / d.ms;
  const ratio = rate / bare32;
  const judge = (x: number) => (x >= 0.9 ? `MET (${x.toFixed(2)}× ≥ 0.9×)` : `MISSED by ${((0.9 - x) * 100).toFixed(0)} points (${x.toFixed(2)}× < 0.9×)`);
  const verdict = judge(ratio);
  const rateE = 1000 / e.ms;
  const ratioE = rateE / bare32;
  const verdictE = judge(ratioE);
  console.log(`pipeline ${rate.toFixed(1)} img/s vs bare parts ${bare32.toFixed(1)} img/s (batch 32): ${verdict}`);
  console.log(`pipeline in its process ${rateE.toFixed(1)} img/s: ${verdictE}; ${(rateE / rate).toFixed(2)}× the in-process pipeline`);

  return [
    '## Vision: embedding throughput',
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, 2-core shared VM (${cpus().length} × ${cpus()[0]?.model ?? '?'}), Node ${process.version}, onnxruntime-node ${ort.env.versions.common}, ` +
      `provider ${report.provider}, ORT threads: ${THREADS} for the bare phases, ${report.threads} in the engine (its default, defaultThreads), maxBatch ${report.maxBatch}, load average ${load0.toFixed(1)} → ${load1.toFixed(1)} (other work shared the machine).`,
    `Backbone ${card.id} (${card.output.dim} features). ${files.length} photo-like JPEGs, 1/2/3/4 MP in equal numbers, read from disk. ` +
      `${ROUNDS} interleaved rounds (A B C D each round); medians shown. CPU = process user+system time per image (all threads).`,
    '',
    '| phase | ms / image | images / s | CPU ms / image |',
    '|---|---:|---:|---:|',
    `| A. sharp decode + resize alone (one at a time) | ${a.ms.toFixed(2)} | ${(1000 / a.ms).toFixed(1)} | ${a.cpuMs.toFixed(2)} |`,
    `| B. onnxruntime alone, batch 1 | ${b.ms.toFixed(2)} | ${(1000 / b.ms).toFixed(1)} | ${b.cpuMs.toFixed(2)} |`,
    `| C. onnxruntime alone, batch 32 | ${c.ms.toFixed(2)} | ${(1000 / c.ms).toFixed(1)} | ${c.cpuMs.toFixed(2)} |`,
    `| bare parts together, 1 / (A + C) | ${(a.ms + c.ms).toFixed(2)} | ${bare32.toFixed(1)} | ${(a.cpuMs + c.cpuMs).toFixed(2)} |`,
    `| bare parts together, 1 / (A + B) | ${(a.ms + b.ms).toFixed(2)} | ${bare1.toFixed(1)} | ${(a.cpuMs + b.cpuMs).toFixed(2)} |`,
    `| **D. pipeline: InferenceEngine.embed(paths)** | ${d.ms.toFixed(2)} | **${rate.toFixed(1)}** | ${d.cpuMs.toFixed(2)} |`,
    `| **E. pipeline in its own process, as the app runs it: EngineProcess.embed(paths)** | ${e.ms.toFixed(2)} | **${rateE.toFixed(1)}** | ${e.cpuMs.toFixed(2)} |`,
    '',
    `Pipeline / bare parts (batch 32): **${ratio.toFixed(2)}×**, target ≥ 0.9×: **${verdict}**. ` +
      `Pipeline / bare parts (batch 1): ${(rate / bare1).toFixed(2)}×. ` +
      `In its own process (E, what the app uses since the backbone moved out of the main process): **${ratioE.toFixed(2)}×** of the bare parts, ` +
      `**${verdictE}**; ${(rateE / rate).toFixed(2)}× the in-process pipeline. E's CPU counts both processes (this one's and the child's, from /proc).`,
    '',
    `Single 1 MP JPEG through InferenceEngine.embed (decode + resize + inference, no HTTP), ${lat.length} calls one after another: ` +
      `p50 **${p50.toFixed(1)} ms**, p95 ${p95.toFixed(1)} ms; through EngineProcess (the same in the inference process, plus the hop there and back): ` +
      `p50 **${rp50.toFixed(1)} ms**, p95 ${rp95.toFixed(1)} ms (the API target p50 < 30 ms adds HTTP and the head on top).`,
    '',
    'Notes. The machine is shared (see load average), so wall times swing between rounds; the rounds are interleaved so every ' +
      'phase sees the same load, and CPU time per image is the steadier measure. On this VM onnxruntime at batch 32 costs more per ' +
      'picture than at batch 1 (memory traffic of large activations); the target uses batch 32 as the issue states, and the batch-1 ' +
      'ratio is shown too. Before sessions ran on their own worker thread the pipeline reached only 0.80–0.85× here: ' +
      "onnxruntime-node runs a session synchronously on the JavaScript thread, which stalls sharp's decodes for a whole batch.",
    '',
    int8Note(),
    '',
    'Not measured here yet (hooks for the product): single-image latency p50/p95 through the local API, and Fashion-MNIST ' +
      'import → train → score end to end; the embedding cache lives in the product, so "to cached embedding" is measured there.',
    '',
  ].join('\n');
}

/** The int8 variant's accuracy/speed check (bench/vision/quant-check.ts), when it has been run. */
function int8Note(): string {
  const file = join(here, '..', '..', 'src', 'main', 'vision', 'convert', 'int8-check.json');
  if (!existsSync(file)) return 'int8 variant: not checked yet (npx tsx bench/vision/quant-check.ts).';
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number | string | boolean>;
  return (
    `int8 variant (bench/vision/quant-check.ts, ${String(c.date)}, ${String(c.split)}): validation accuracy ${String(c.int8ValAccuracy)} vs float ${String(c.floatValAccuracy)}; ` +
    `onnxruntime batch 32: ${String(c.int8MsPerImage)} vs ${String(c.floatMsPerImage)} ms/image, CPU ${String(c.int8CpuMsPerImage)} vs ${String(c.floatCpuMsPerImage)} ms/image. ` +
    `Offered (within one point): ${c.offered ? 'yes' : 'no'}; \`npm run models\` builds it; the app embeds with it where offered.`
  );
}

/** Runs bench/vision/train-*.ts phases (owned by the training side): each exports run…Bench and format…Report. */
async function trainPhases(): Promise<string | undefined> {
  const phases = readdirSync(here)
    .filter((f) => /^train-.*\.ts$/.test(f))
    .sort();
  if (phases.length === 0) return undefined;
  const parts: string[] = [
    '## Vision: training phases',
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, 2-core shared VM, Node ${process.version}.`,
    '',
  ];
  for (const f of phases) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as Record<string, unknown>;
    const run = Object.entries(mod).find(([k, v]) => /^run\w*Bench$/.test(k) && typeof v === 'function')?.[1] as ((o?: object) => Promise<unknown>) | undefined;
    const format = Object.entries(mod).find(([k, v]) => /^format\w*Report$/.test(k) && typeof v === 'function')?.[1] as ((r: unknown) => string) | undefined;
    if (!run) continue;
    console.log(`\n--- ${f} ---`);
    const result = await run(quick ? { repeats: 1 } : {});
    const text = format ? format(result) : JSON.stringify(result, null, 2);
    console.log(text);
    parts.push(`### ${f}`, '', '```', text, '```', '');
  }
  return parts.join('\n');
}

/**
 * With --with-app: the product's end-to-end phases (bench/vision/app-*.ts, e.g. latency through
 * the local API, Fashion-MNIST import → train → score). They need `npm run build` first, run as
 * their own processes and write bench/vision/RESULTS-app.md themselves.
 */
function appPhases(): void {
  const scripts = readdirSync(here)
    .filter((f) => /^app-.*\.ts$/.test(f) && f !== 'app-server.ts')
    .sort();
  for (const f of scripts) {
    console.log(`\n--- ${f} ---`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const md = await embeddingBench();
  writeFileSync(join(here, 'RESULTS.md'), md);
  if (!process.argv.includes('--skip-train')) {
    // bench/vision/RESULTS-train.md is written up by the training side; the raw run goes to tmp.
    const train = await trainPhases();
    if (train) writeFileSync(join(here, '..', 'tmp', 'vision', 'RESULTS-train-latest.md'), train);
  }
  if (process.argv.includes('--with-app')) appPhases();
  if (!process.argv.includes('--skip-review')) {
    // The likely-mislabelled queue (issue #14): its own process, writes bench/vision/RESULTS-review.md.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'likely-mislabelled.ts')], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
  if (!existsSync(join(here, 'RESULTS.md'))) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
