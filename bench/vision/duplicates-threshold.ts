// Measures the near-duplicate similarity of the default backbone, to choose the default
// threshold of findNearDuplicates: real copies (JPEG q60, 80 % size, a 5 % crop, +10 %
// brightness, all four at once) of Fashion-MNIST pictures (10 classes) and generated scenes,
// against unrelated pairs of the same class and of different classes. Raw cosine, centred
// cosine, and the standardised cosine the product uses, on the whole set and on tiny datasets
// (5 pictures) whose statistics come from those 5 alone.
//
//   nice -n 10 npx tsx bench/vision/duplicates-threshold.ts [--per-class 30] [--scenes 60]
//
// About 2,200 embeddings on one thread (about 30 s); the embeddings are kept in
// $TMPDIR/loupe-dup-threshold.bin for reruns of the analysis (delete it after a model change).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { InferenceEngine } from '../../src/main/vision/node/inference/engine';
import { centringStats, matrixSource, type CentringStats } from '../../src/main/vision/pure/select';
import { scene } from '../../test/services/scene-pictures';
import { FASHION_LABELS, readIdxImages, readIdxLabels, shuffledIndices } from './fashion-mnist';

const ROOT = join(import.meta.dirname, '../..');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PER_CLASS = arg('per-class', 30);
const SCENES = arg('scenes', 60);
const VARIANTS = ['jpeg60', 'resize80', 'crop5', 'bright10', 'all4'] as const;

/** The near-copies of one picture, in VARIANTS order. */
export async function variants(png: Buffer): Promise<Buffer[]> {
  const { width = 0, height = 0 } = await sharp(png).metadata();
  const crop = (img: Sharp) =>
    img.extract({ left: Math.round(width * 0.025), top: Math.round(height * 0.025), width: Math.round(width * 0.95), height: Math.round(height * 0.95) });
  return Promise.all([
    sharp(png).jpeg({ quality: 60 }).toBuffer(),
    sharp(png)
      .resize(Math.round(width * 0.8), Math.round(height * 0.8))
      .png()
      .toBuffer(),
    crop(sharp(png)).png().toBuffer(),
    sharp(png).modulate({ brightness: 1.1 }).png().toBuffer(),
    crop(sharp(png))
      .resize(Math.round(width * 0.8 * 0.95), Math.round(height * 0.8 * 0.95))
      .modulate({ brightness: 1.1 })
      .jpeg({ quality: 60 })
      .toBuffer(),
  ]);
}

interface Original {
  cls: number; // Fashion-MNIST class, or -1 for a scene
  png: Buffer;
}

async function originals(): Promise<Original[]> {
  const images = readIdxImages('train');
  const labels = readIdxLabels('train');
  const out: Original[] = [];
  const count = new Array(10).fill(0);
  const px = images.rows * images.cols;
  for (const i of shuffledIndices(images.count, 6)) {
    if (count[labels[i]] >= PER_CLASS) continue;
    count[labels[i]]++;
    // 28×28 greyscale, shown 4× larger (as a user's copy would be) so a 5 % crop is more than a pixel.
    const raw = Buffer.from(images.pixels.subarray(i * px, (i + 1) * px));
    out.push({
      cls: labels[i],
      png: await sharp(raw, { raw: { width: images.cols, height: images.rows, channels: 1 } })
        .resize(112, 112, { kernel: 'lanczos3' })
        .png()
        .toBuffer(),
    });
    if (out.length === 10 * PER_CLASS) break;
  }
  for (let s = 1; s <= SCENES; s++) out.push({ cls: -1, png: await scene(1000 + s) });
  return out;
}

async function embedAll(pictures: Buffer[]): Promise<{ dim: number; data: Float32Array }> {
  const file = join(tmpdir(), 'loupe-dup-threshold.bin');
  const header = `${PER_CLASS}/${SCENES}/${pictures.length}`;
  if (existsSync(file)) {
    const b = readFileSync(file);
    const h = b.subarray(0, 64).toString().replace(/\0+$/, '');
    if (h.startsWith(`${header}/`)) {
      const dim = Number(h.split('/')[3]);
      return { dim, data: new Float32Array(b.buffer.slice(b.byteOffset + 64, b.byteOffset + b.byteLength)) };
    }
  }
  const engine = await InferenceEngine.open({ modelPath: join(ROOT, 'models/mobilenet_v2.onnx'), threads: 1, providers: ['cpu'] });
  try {
    const t0 = performance.now();
    const res = await engine.embed(pictures);
    console.log(`embedded ${pictures.length} pictures in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const dim = res[0].ok ? res[0].embedding.length : 0;
    const data = new Float32Array(pictures.length * dim);
    res.forEach((r, i) => {
      if (!r.ok) throw new Error(`picture ${i}: ${r.error.message}`);
      data.set(r.embedding, i * dim);
    });
    const head = Buffer.alloc(64);
    head.write(`${header}/${dim}`);
    writeFileSync(file, Buffer.concat([head, Buffer.from(data.buffer)]));
    return { dim, data };
  } finally {
    await engine.close();
  }
}

/** Unit vectors of the rows `idx`, standardised with `stats` (null: raw). */
function units(data: Float32Array, dim: number, idx: number[], stats: CentringStats | null): Float32Array[] {
  return idx.map((i) => {
    const v = new Float32Array(dim);
    let s = 0;
    for (let k = 0; k < dim; k++) {
      let x = data[i * dim + k];
      if (stats) x = (x - stats.mean[k]) / (stats.std ? stats.std[k] : 1);
      v[k] = x;
      s += x * x;
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    return v.map((x) => x * inv);
  });
}

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k], 0);

function summary(values: number[]): string {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return [v[0], q(0.01), q(0.05), q(0.5), q(0.95), q(0.99), v[v.length - 1]].map((x) => x.toFixed(3).padStart(6)).join(' ') + `  (${v.length})`;
}

async function main() {
  const orig = await originals();
  const pictures: Buffer[] = [];
  const copiesOf: number[][] = [];
  for (const o of orig) {
    const at = pictures.length;
    pictures.push(o.png, ...(await variants(o.png)));
    copiesOf.push(VARIANTS.map((_, v) => at + 1 + v));
  }
  const origAt = orig.map((_, i) => i * (1 + VARIANTS.length));
  const { dim, data } = await embedAll(pictures);
  const n = pictures.length;
  const all = Array.from({ length: n }, (_, i) => i);

  const modes: Array<[string, CentringStats | null]> = [];
  const full = centringStats(matrixSource(data, n, dim));
  modes.push(['raw cosine', null], ['centred (dataset mean)', { mean: full.mean }], ['standardised (mean, shrunk std)', full]);
  console.log(`${n} pictures (${orig.length} originals × ${1 + VARIANTS.length}), ${dim}-d; quantiles: min p1 p5 p50 p95 p99 max (pairs)`);
  for (const [name, stats] of modes) {
    const u = units(data, dim, all, stats);
    console.log(`\n${name}, statistics of all ${n} pictures`);
    const dup: Record<string, number[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    orig.forEach((_, i) => VARIANTS.forEach((v, j) => dup[v].push(cos(u[origAt[i]], u[copiesOf[i][j]]))));
    for (const v of VARIANTS) console.log(`  copy ${v.padEnd(9)} ${summary(dup[v])}`);
    const same: number[] = [],
      diff: number[] = [],
      scenes: number[] = [],
      copyVsOther: number[] = [];
    for (let a = 0; a < orig.length; a++) {
      for (let b = a + 1; b < orig.length; b++) {
        const s = cos(u[origAt[a]], u[origAt[b]]);
        if (orig[a].cls < 0 && orig[b].cls < 0) scenes.push(s);
        else if (orig[a].cls === orig[b].cls) same.push(s);
        else if (orig[a].cls >= 0 && orig[b].cls >= 0) diff.push(s);
        copyVsOther.push(cos(u[copiesOf[a][4]], u[origAt[b]]));
      }
    }
    console.log(`  same class      ${summary(same)}`);
    console.log(`  other class     ${summary(diff)}`);
    console.log(`  scene vs scene  ${summary(scenes)}`);
    console.log(`  all4 copy vs another original ${summary(copyVsOther)}`);
    if (stats !== full) continue;
    // The choice of threshold: copies kept (per kind) against unrelated pairs linked.
    console.log('  threshold  ' + VARIANTS.map((v) => v.padStart(8)).join(' ') + '  same-class  other-class  scenes   (share of pairs at or above)');
    for (const t of [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
      const share = (v: number[]) => (v.filter((x) => x >= t).length / v.length).toFixed(4);
      console.log(
        `  ${t.toFixed(2).padEnd(9)}  ${VARIANTS.map((v) => share(dup[v]).padStart(8)).join(' ')}  ${share(same).padStart(10)}  ${share(diff).padStart(11)}  ${share(scenes).padStart(6)}`,
      );
    }
  }

  // Tiny datasets: one picture, one of its copies and 3 unrelated pictures (2 of them of the
  // same class when it has one); statistics from those 5 alone, as the product computes them.
  let seed = 7;
  const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % k;
  for (const size of [5, 3]) {
    const dupS: number[] = [],
      otherS: number[] = [];
    for (let t = 0; t < 400; t++) {
      const a = rnd(orig.length);
      const v = rnd(VARIANTS.length);
      const pool = orig.map((_, i) => i).filter((i) => i !== a && (orig[a].cls < 0 || orig[i].cls === orig[a].cls || t % 2 === 0));
      const others: number[] = [];
      while (others.length < size - 2) {
        const o = pool[rnd(pool.length)];
        if (!others.includes(o)) others.push(o);
      }
      const idx = [origAt[a], copiesOf[a][v], ...others.map((o) => origAt[o])];
      const sub = new Float32Array(idx.length * dim);
      idx.forEach((r, i) => sub.set(data.subarray(r * dim, (r + 1) * dim), i * dim));
      const u = units(
        sub,
        dim,
        idx.map((_, i) => i),
        centringStats(matrixSource(sub, idx.length, dim)),
      );
      dupS.push(cos(u[0], u[1]));
      for (let x = 0; x < idx.length; x++) for (let y = x + 1; y < idx.length; y++) if (!(x === 0 && y === 1)) otherS.push(cos(u[x], u[y]));
    }
    console.log(`\nstandardised, ${size}-picture datasets (a picture, a copy, ${size - 2} unrelated; 400 draws)`);
    console.log(`  copy pairs      ${summary(dupS)}`);
    console.log(`  unrelated pairs ${summary(otherS)}`);
  }
  console.log(`\nclasses: ${FASHION_LABELS.join(', ')}; scenes: ${SCENES}`);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
