/** Seeded synthetic embeddings for tests and benchmarks: Gaussian blobs around class centres. */
import { createRng } from '../../src/main/vision/pure/train';

export interface Blobs {
  features: Float32Array;
  labels: string[];
  dim: number;
}

/**
 * `perClass` points per class around random centres `separation` apart (in units of the
 * noise), non-negative like pooled ReLU features when `relu` is set.
 */
export function gaussianBlobs(opts: { classes: number; perClass: number | number[]; dim: number; separation?: number; seed?: number; relu?: boolean }): Blobs {
  const rng = createRng(opts.seed ?? 1);
  const sep = opts.separation ?? 1;
  const counts = Array.isArray(opts.perClass) ? opts.perClass : Array.from({ length: opts.classes }, () => opts.perClass as number);
  const centres = Array.from({ length: opts.classes }, () => Float32Array.from({ length: opts.dim }, () => (rng.normal() * sep) / Math.sqrt(2)));
  const total = counts.reduce((a, b) => a + b, 0);
  const features = new Float32Array(total * opts.dim);
  const labels: string[] = [];
  let r = 0;
  // Interleave classes so that any prefix holds every class.
  const left = [...counts];
  while (r < total) {
    for (let c = 0; c < opts.classes; c++) {
      if (left[c] === 0) continue;
      left[c]--;
      for (let k = 0; k < opts.dim; k++) {
        const v = centres[c][k] + rng.normal();
        features[r * opts.dim + k] = opts.relu ? Math.max(0, v) : v;
      }
      labels.push(`class-${c}`);
      r++;
    }
  }
  return { features, labels, dim: opts.dim };
}
