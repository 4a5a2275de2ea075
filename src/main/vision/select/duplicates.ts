/**
 * Near-duplicate groups: items whose embeddings have cosine similarity ≥ threshold are
 * linked, and linked items form a group (transitively: A~B and B~C group A, B and C).
 *
 * Up to `exactLimit` items every pair is compared (blocked matrix products, N²·D/2
 * multiply-adds). Beyond that, random-hyperplane LSH proposes candidate pairs and each is
 * verified exactly, so no reported pair is false; a true pair can be missed with a small
 * probability (≈ 0.2 % at a centred similarity of 0.95 with independent tables; see
 * docs/vision-training.md).
 * The hash is taken on mean-centred vectors: embeddings from ReLU networks all point into
 * one cone, and without centring most of them would share a bucket.
 */
import { matmulABt } from '../train/kernels';
import { VisionTrainError } from '../train/errors';
import { createRng } from '../train/random';
import { toMatrix } from './matrix';
import { UnionFind } from './union-find';

export interface DuplicateInput {
  ids: string[];
  features: Float32Array[] | Float32Array;
  /** Cosine similarity at or above which two items are near-duplicates (default 0.95). */
  threshold?: number;
  /**
   * Which member to keep: 'first' (default; the earliest in `ids`, e.g. the oldest import)
   * or 'largest' (highest `sizes` value, e.g. pixel count or bytes; ties to the earliest).
   */
  keeper?: 'first' | 'largest';
  sizes?: number[];
  /** 'auto' (default): exact up to exactLimit items, LSH above. */
  method?: 'auto' | 'exact' | 'lsh';
  exactLimit?: number;
  seed?: number;
}

export interface DuplicateGroup {
  keeper: string;
  /** Keeper first, then the others by decreasing similarity to the keeper. */
  members: Array<{ id: string; similarity: number }>;
}

export interface DuplicateResult {
  groups: DuplicateGroup[];
  method: 'exact' | 'lsh';
  /** Pairs whose similarity was computed. */
  comparisons: number;
}

const BLOCK = 128;
const PLANES = 64;
const TABLES = 32;
const BITS = 16;

function unitRows(data: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[o + k] * data[o + k];
    // A zero vector has no direction: it stays zero and so matches nothing.
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[o + k] = data[o + k] * inv;
  }
  return out;
}

function dot(U: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0, s1 = 0;
  const ao = a * dim, bo = b * dim;
  let k = 0;
  for (; k + 1 < dim; k += 2) {
    s0 += U[ao + k] * U[bo + k];
    s1 += U[ao + k + 1] * U[bo + k + 1];
  }
  if (k < dim) s0 += U[ao + k] * U[bo + k];
  return s0 + s1;
}

function exactPairs(U: Float32Array, n: number, dim: number, threshold: number, uf: UnionFind): number {
  const C = new Float32Array(BLOCK * BLOCK);
  let comparisons = 0;
  for (let bi = 0; bi < n; bi += BLOCK) {
    const ri = Math.min(BLOCK, n - bi);
    for (let bj = bi; bj < n; bj += BLOCK) {
      const rj = Math.min(BLOCK, n - bj);
      matmulABt(U, bi * dim, ri, dim, U.subarray(bj * dim, (bj + rj) * dim), rj, C, null);
      for (let i = 0; i < ri; i++) {
        for (let j = bi === bj ? i + 1 : 0; j < rj; j++) {
          comparisons++;
          if (C[i * rj + j] >= threshold) uf.union(bi + i, bj + j);
        }
      }
    }
  }
  return comparisons;
}

function lshPairs(U: Float32Array, n: number, dim: number, threshold: number, uf: UnionFind, seed: number): number {
  const rng = createRng(seed);
  const mean = new Float32Array(dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += U[i * dim + k] / n;
  const planes = new Float32Array(PLANES * dim);
  for (let i = 0; i < planes.length; i++) planes[i] = rng.normal();
  // Centring is folded into a bias: sign(r·(u − μ)) = sign(r·u − r·μ).
  const bias = new Float32Array(PLANES);
  for (let p = 0; p < PLANES; p++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += planes[p * dim + k] * mean[k];
    bias[p] = -s;
  }
  const proj = new Float32Array(n * PLANES);
  const CHUNK = 256;
  const tmp = new Float32Array(CHUNK * PLANES);
  for (let first = 0; first < n; first += CHUNK) {
    const rows = Math.min(CHUNK, n - first);
    matmulABt(U, first * dim, rows, dim, planes, PLANES, tmp, bias);
    proj.set(tmp.subarray(0, rows * PLANES), first * PLANES);
  }
  const seen = new Set<number>();
  const keys = new Int32Array(n);
  const order = new Int32Array(n);
  let comparisons = 0;
  for (let t = 0; t < TABLES; t++) {
    const bits: number[] = [];
    while (bits.length < BITS) {
      const b = rng.int(PLANES);
      if (!bits.includes(b)) bits.push(b);
    }
    for (let i = 0; i < n; i++) {
      let key = 0;
      for (let b = 0; b < BITS; b++) key = (key << 1) | (proj[i * PLANES + bits[b]] > 0 ? 1 : 0);
      keys[i] = key;
      order[i] = i;
    }
    order.sort((a, b) => keys[a] - keys[b] || a - b);
    for (let s = 0; s < n; ) {
      let e = s + 1;
      while (e < n && keys[order[e]] === keys[order[s]]) e++;
      for (let x = s; x < e; x++) {
        for (let y = x + 1; y < e; y++) {
          const a = order[x], b = order[y];
          const pair = a * n + b;
          if (seen.has(pair)) continue;
          seen.add(pair);
          comparisons++;
          if (dot(U, a, b, dim) >= threshold) uf.union(a, b);
        }
      }
      s = e;
    }
  }
  return comparisons;
}

export function findNearDuplicates(input: DuplicateInput): DuplicateResult {
  const { ids } = input;
  const n = ids.length;
  const threshold = input.threshold ?? 0.95;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new VisionTrainError('invalid_option', `threshold must be above 0 and at most 1; got ${threshold}.`);
  }
  const keeper = input.keeper ?? 'first';
  if (keeper === 'largest' && (!input.sizes || input.sizes.length !== n)) {
    throw new VisionTrainError('invalid_option', "keeper 'largest' needs one size per item.");
  }
  const m = toMatrix(input.features, n);
  const exactLimit = input.exactLimit ?? 1500;
  const method = input.method === 'exact' || (input.method !== 'lsh' && n <= exactLimit) ? 'exact' : 'lsh';
  if (n < 2) return { groups: [], method, comparisons: 0 };
  const U = unitRows(m.data, n, m.dim);
  const uf = new UnionFind(n);
  const comparisons = method === 'exact'
    ? exactPairs(U, n, m.dim, threshold, uf)
    : lshPairs(U, n, m.dim, threshold, uf, input.seed ?? 1);

  const groups = uf.groups().map((members): DuplicateGroup => {
    let k = members[0];
    if (keeper === 'largest') {
      const sizes = input.sizes as number[];
      for (const i of members) if (sizes[i] > sizes[k]) k = i;
    }
    const others = members
      .filter((i) => i !== k)
      .map((i) => ({ i, similarity: dot(U, k, i, m.dim) }))
      .sort((a, b) => b.similarity - a.similarity || a.i - b.i);
    return {
      keeper: ids[k],
      members: [{ id: ids[k], similarity: 1 }, ...others.map((o) => ({ id: ids[o.i], similarity: o.similarity }))],
    };
  });
  return { groups, method, comparisons };
}
