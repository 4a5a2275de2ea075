/*
 * Single-image prediction latency through the API over loopback (issue 6: p50 < 30 ms on
 * 2 cores): `POST /v1/models/:id/predict` with one JPEG, sequential, against the bare
 * in-process engine (decode + backbone, no HTTP, no head) on the same picture, interleaved.
 *
 *   npm run build && npx tsx bench/vision/app-latency.ts [--n 200] [--size 640x480]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import sharp from 'sharp';
import { InferenceEngine } from '../../src/main/vision/index';
import { kindPictures } from '../../test/services/vision-pictures';
import { cpuSeconds, http, machine, multipartBody, quantile, ROOT, startServer, waitRun, writeSection } from './app-server';

const { values } = parseArgs({ options: { n: { type: 'string', default: '200' }, size: { type: 'string', default: '640x480' } } });
const N = Number(values.n);
const [W, H] = values.size!.split('x').map(Number);

async function photo(seed: number): Promise<Buffer> {
  // Smooth gradients plus noise: compresses like a photo, not like a flat test card.
  const px = Buffer.alloc(W * H * 3);
  let s = seed;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const n = (s >>> 24) % 24;
      const o = (y * W + x) * 3;
      px[o] = (x * 255) / W + n;
      px[o + 1] = (y * 255) / H + n;
      px[o + 2] = 128 + n;
    }
  }
  return sharp(px, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function main() {
  const header = machine();
  const server = await startServer({ cpus: '0,1' });
  try {
    const ds = await http(server, 'POST', '/v1/datasets', JSON.stringify({ name: 'latency' }));
    for (const kind of ['red', 'blue'] as const) {
      const files = (await kindPictures(kind, 10, 1)).map((bytes, i) => ({ name: `${kind}-${i}.png`, bytes }));
      const form = multipartBody(files);
      const withLabel = Buffer.concat([
        Buffer.from(`--${form.type.split('boundary=')[1]}\r\nContent-Disposition: form-data; name="label"\r\n\r\n${kind}\r\n`),
        form.body,
      ]);
      await http(server, 'POST', `/v1/datasets/${ds.json.id}/images`, withLabel, form.type);
    }
    const start = await http(server, 'POST', `/v1/datasets/${ds.json.id}/train`, '{}');
    const run = await waitRun(server, start.json.runId);
    if (run.status !== 'succeeded') throw new Error(`training failed: ${JSON.stringify(run.error)}`);
    const model = run.modelId as string;

    const engine = await InferenceEngine.open({ modelPath: join(ROOT, 'models/mobilenet_v2.onnx'), threads: 2 });
    const pics = await Promise.all(Array.from({ length: 8 }, (_, i) => photo(i + 1)));
    // Warm-up: first calls pay lazy allocations in ORT and V8.
    for (let i = 0; i < 20; i++) {
      await http(server, 'POST', `/v1/models/${model}/predict`, pics[i % pics.length], 'image/jpeg');
      await engine.embed([pics[i % pics.length]]);
    }

    const api: number[] = [];
    const bare: number[] = [];
    let apiCpu = 0;
    let bareCpu = 0;
    for (let i = 0; i < N; i++) {
      const pic = pics[i % pics.length];
      const c0 = cpuSeconds(server.pid);
      const r = await http(server, 'POST', `/v1/models/${model}/predict?top=1`, pic, 'image/jpeg');
      apiCpu += cpuSeconds(server.pid) - c0;
      if (r.status !== 200) throw new Error(`predict answered ${r.status}: ${JSON.stringify(r.json)}`);
      api.push(r.ms);
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      const [e] = await engine.embed([pic]);
      bare.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      bareCpu += (u.user + u.system) / 1e6;
      if (!e.ok) throw new Error(e.error.message);
    }
    await engine.close();
    api.sort((a, b) => a - b);
    bare.sort((a, b) => a - b);
    const row = (name: string, xs: number[], cpu: number) =>
      `| ${name} | ${quantile(xs, 0.5).toFixed(1)} | ${quantile(xs, 0.95).toFixed(1)} | ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} | ${((cpu / N) * 1000).toFixed(1)} |`;
    const p50 = quantile(api, 0.5);
    const md = `## Single-image prediction latency

${header}. Server pinned with \`taskset -c 0,1\`. ${N} sequential requests of one ${W}×${H} JPEG (8 different pictures in turn), after 20 warm-up calls, interleaved with the bare engine.

| path | p50 ms | p95 ms | mean ms | CPU ms per picture |
|---|---|---|---|---|
${row('API: POST /v1/models/:id/predict (HTTP + decode + backbone + head)', api, apiCpu)}
${row('bare: InferenceEngine.embed in-process (decode + backbone)', bare, bareCpu)}

API p50 / bare p50 = ${(p50 / quantile(bare, 0.5)).toFixed(2)}×. Target p50 < 30 ms: **${p50 < 30 ? `met (${p50.toFixed(1)} ms)` : `missed by ${(p50 - 30).toFixed(1)} ms (${p50.toFixed(1)} ms)`}**.
CPU ms per picture counts the server process (all threads) for the API row and this process for the bare row.
`;
    writeSection('latency', md);
    console.log(md);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
