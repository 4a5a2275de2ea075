// `npx tsx bench/vision/import-embedded.ts [--quick]`: how fast pictures go from an import to
// embedded in the app (the folder import task, then the pipeline's embed task: ingest + decode +
// onnxruntime in the inference process + SQLite), against the bare parts on the same pictures,
// measured side by side in one run:
//   A  sharp decode + resize to the backbone's input, one picture at a time (preprocessImage)
//   C  onnxruntime alone on pre-made tensors, batch 32
//   P  the app (`loupe serve`, built): import task queued → every picture's embedding stored, read
//      from its SQLite file (fresh data folder per round, backbone process already warm)
// Ratio = rate(P) / (1 / (A + C)); the target is ≥ 0.8×. Two sizes: 28×28 PNGs
// (Fashion-MNIST) and 1 MP JPEGs. Prints a Markdown table and writes bench/vision/RESULTS-import.md.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import BetterSqlite3 from 'better-sqlite3';
import { startServer, type Server } from './app-server';
import { findModelsDir } from '../../src/main/services/vision/backbone';
import { DEFAULT_MODEL_FILE } from '../../src/main/vision/index';
import { readModelCard, cardPathFor } from '../../src/main/vision/index';
import { sessionOptions } from '../../src/main/vision/node/inference/providers';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { fmnistPictures, writeFlat } from '../../test/e2e/fmnist-pictures';
import { ensurePhotos } from './photos';

const here = fileURLToPath(new URL('.', import.meta.url));
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const THREADS = 2;
const tmp = join(here, '..', 'tmp', 'import-embedded');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row {
  name: string;
  count: number;
  decodeMs: number;
  ortMs: number;
  appMs: number;
}

/** One size: `sets[r]` are round r's pictures (distinct bytes, so no round finds another's embeddings cached). */
async function measureSize(name: string, sets: string[][], session: ort.InferenceSession, size: { width: number; height: number }): Promise<Row> {
  const decode: number[] = [];
  const infer: number[] = [];
  const app: number[] = [];
  for (let r = 0; r < sets.length; r++) {
    const files = sets[r];
    // A: decode + resize alone.
    let t0 = performance.now();
    const pixels: Buffer[] = [];
    for (const f of files) pixels.push(await preprocessImage(f, size));
    decode.push((performance.now() - t0) / files.length);
    // C: onnxruntime alone at batch 32 on the same pictures.
    t0 = performance.now();
    let n = 0;
    for (let i = 0; i < pixels.length; i += 32) {
      const part = pixels.slice(i, i + 32);
      await session.run({ image: new ort.Tensor('uint8', Buffer.concat(part), [part.length, size.height, size.width, 3]) });
      n += part.length;
    }
    infer.push((performance.now() - t0) / n);
    // P: the app, import → embedded.
    const server = await startServer();
    try {
      const warm = await post(server, '/v1/datasets', { name: 'warm-up' });
      await importAndWait(server, warm.id, [files[0]], 1); // the inference process starts outside the timing
      const ds = await post(server, '/v1/datasets', { name: 'bench' });
      t0 = performance.now();
      await importAndWait(server, ds.id, files, files.length);
      app.push((performance.now() - t0) / files.length);
    } finally {
      await server.stop();
    }
    console.log(`${name} round ${r + 1}: decode ${decode[r].toFixed(2)} ms/img, ort b32 ${infer[r].toFixed(2)} ms/img, import → embedded ${app[r].toFixed(2)} ms/img`);
  }
  return { name, count: sets[0].length, decodeMs: median(decode), ortMs: median(infer), appMs: median(app) };
}

async function post(server: Server, path: string, body: unknown): Promise<{ id: string }> {
  const r = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as { id: string };
}

/** Queues the import of the pictures' folder (or one picture) and polls the database until `count` are embedded. */
async function importAndWait(server: Server, datasetId: string, files: string[], count: number): Promise<void> {
  const path = files.length === 1 ? files[0] : join(files[0], '..');
  await post(server, `/v1/datasets/${datasetId}/import`, { path, labels: 'none' });
  const db = new BetterSqlite3(join(server.dataDir, 'loupe.db'), { readonly: true });
  const q = db.prepare('SELECT count(*) AS n FROM images i WHERE i.dataset_id = ? AND EXISTS (SELECT 1 FROM embeddings e WHERE e.hash = i.hash)');
  const t0 = performance.now();
  try {
    while ((q.get(Number(datasetId)) as { n: number }).n < count) {
      if (performance.now() - t0 > 600_000) throw new Error('not embedded within 10 minutes');
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(tmp, { recursive: true });
  const modelsDir = findModelsDir();
  if (!modelsDir) throw new Error('No backbone: run `npm run models` first.');
  const modelPath = join(modelsDir, DEFAULT_MODEL_FILE);
  const card = readModelCard(cardPathFor(modelPath));
  const size = { width: card.input.width, height: card.input.height };
  const session = await ort.InferenceSession.create(modelPath, sessionOptions('cpu', THREADS));
  await session.run({ image: new ort.Tensor('uint8', Buffer.alloc(32 * size.width * size.height * 3), [32, size.height, size.width, 3]) });

  const pngCount = quick ? 128 : 320;
  const jpgCount = quick ? 32 : 64;
  const pngSets: string[][] = [];
  const jpgSets: string[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const pngDir = join(tmp, `png-${r}`);
    rmSync(pngDir, { recursive: true, force: true });
    const pics = await fmnistPictures(['Trouser', 'Bag', 'Sneaker', 'Dress'], pngCount / 4, r * (pngCount / 4));
    writeFlat(pngDir, pics);
    pngSets.push(pics.map((p) => join(pngDir, p.name)));
    // 1 MP JPEGs, distinct per round (a round's seed shifts the pictures).
    const all = await ensurePhotos(join(tmp, 'photos-src'), 4);
    const jpgDir = join(tmp, `jpg-${r}`);
    rmSync(jpgDir, { recursive: true, force: true });
    mkdirSync(jpgDir, { recursive: true });
    const base = await sharp(all[0]).raw().toBuffer({ resolveWithObject: true });
    const files: string[] = [];
    for (let i = 0; i < jpgCount; i++) {
      const px = Buffer.from(base.data);
      // A 24×24 block of its own in each picture: other bytes (a hash of its own), the same decode cost.
      const k = r * jpgCount + i;
      const bx = (k * 37) % (base.info.width - 24);
      const by = (k * 53) % (base.info.height - 24);
      for (let y = by; y < by + 24; y++) for (let x = bx; x < bx + 24; x++) px.fill((k * 29) % 256, (y * base.info.width + x) * 3, (y * base.info.width + x) * 3 + 3);
      const file = join(jpgDir, `p-${r}-${i}.jpg`);
      writeFileSync(file, await sharp(px, { raw: { width: base.info.width, height: base.info.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
      files.push(file);
    }
    jpgSets.push(files);
  }

  const load0 = loadavg()[0];
  const rows = [await measureSize('28×28 PNG (Fashion-MNIST)', pngSets, session, size), await measureSize('1 MP JPEG (1152×864)', jpgSets, session, size)];
  const load1 = loadavg()[0];
  await session.release();

  const lines = [
    '## Vision: import → embedded against the bare parts',
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, onnxruntime-node ${ort.env.versions.common}, ` +
      `backbone ${card.id}, ${ROUNDS} round(s), medians; load average ${load0.toFixed(1)} → ${load1.toFixed(1)} (a shared machine: wall times swing).`,
    '',
    '| pictures | count | A. decode+resize ms/img | C. ORT b32 ms/img | bare 1/(A+C) img/s | app import → embedded img/s | ratio (target ≥ 0.8×) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const bare = 1000 / (r.decodeMs + r.ortMs);
      const appRate = 1000 / r.appMs;
      const ratio = appRate / bare;
      return `| ${r.name} | ${r.count} | ${r.decodeMs.toFixed(2)} | ${r.ortMs.toFixed(2)} | ${bare.toFixed(1)} | ${appRate.toFixed(1)} | **${ratio.toFixed(2)}×** ${ratio >= 0.8 ? 'met' : 'missed'} |`;
    }),
    '',
    'The app path does more than the bare parts: each picture is hashed, decoded once more for its thumbnail and stored in the ' +
      'library at import, and its vector and prediction are written to SQLite; the bare parts only decode and infer.',
    '',
  ];
  const md = lines.join('\n');
  console.log(`\n${md}`);
  writeFileSync(join(here, 'RESULTS-import.md'), md);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
