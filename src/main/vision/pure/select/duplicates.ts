/**
 * Near-duplicate groups: items whose embeddings have cosine similarity ≥ threshold are
 * linked, and linked items form a group (transitively: A~B and B~C group A, B and C).
 *
 * The cosine is taken on standardised vectors by default: each dimension centred on the
 * items' own mean and divided by their (shrunk) standard deviation, then L2-normalised.
 * Embeddings from ReLU networks are all non-negative and point into one narrow cone, so
 * their raw cosine is 0.97–0.99 for unrelated pictures and no threshold separates copies from
 * strangers; centred, unrelated items are near 0 and copies stay near 1 (see
 * docs/vision-training.md for the measured distributions).
 *
 * Up to `exactLimit` items every pair is compared (blocked matrix products, N²·D/2
 * multiply-adds). Beyond that, random-hyperplane LSH proposes candidate pairs and each is
 * verified exactly, so no reported pair is false; a true pair can be missed with a small
 * probability (≈ 0.2 % at a centred similarity of 0.95 with independent tables; see
 * docs/vision-training.md).
 * The hash is taken on mean-centred vectors: embeddings from ReLU networks all point into
 * one cone, and without centring most of them would share a bucket.
 *
 * Memory: the rows come from a RowSource a slice of `blockRows` at a time (at most two slices
 * live at once, plus N×64 LSH projections and the candidate pairs), so a dataset of 60,000
 * embeddings never sits in memory whole. Every similarity is computed from the same two rows
 * with the same arithmetic whatever the slicing, so the groups are the same for any blockRows.
 */
import { matmulABt } from '../kernels';
import { VisionError } from '../errors';
import { createRng } from '../train/random';
import { toMatrix } from './matrix';
import { UnionFind } from './union-find';

/** Per-dimension statistics the vectors are standardised with before the cosine: (x − mean) / std. */
export interface CentringStats {
  mean: ArrayLike<number>;
  /** Omitted: centre only. Entries at or below 0 leave that dimension unscaled. */
  std?: ArrayLike<number>;
}

export interface DuplicateInput {
  ids: string[];
  features: Float32Array[] | Float32Array;
  /**
   * Cosine similarity (of the standardised vectors, see `centre`) at or above which two items
   * are near-duplicates (default DEFAULT_DUPLICATE_THRESHOLD).
   */
  threshold?: number;
  /**
   * How the vectors are standardised before the cosine. 'data' (default): with the items' own
   * mean and shrunk std, computed in a first pass over the slices (see centringStats); 'none':
   * the raw cosine; or statistics given by the caller (e.g. a reference kept with a backbone).
   */
  centre?: 'data' | 'none' | CentringStats;
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

/**
 * An N×D matrix read a few rows at a time: the raw (unnormalised) embeddings, e.g. straight
 * from a database.
 */
export interface RowSource {
  readonly rows: number;
  readonly dim: number;
  /** Copies the rows `indices` (ascending) into `out`, back to back (out holds indices.length × dim). */
  read(indices: ArrayLike<number>, out: Float32Array): void;
}

export interface BlockedDuplicateInput extends Omit<DuplicateInput, 'features' | 'ids'> {
  ids: string[];
  source: RowSource;
  /** Rows per slice read from the source (default 4096); at most two slices are held at once. */
  blockRows?: number;
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
const CHUNK = 256;
const DEFAULT_BLOCK_ROWS = 4096;

/**
 * Default threshold on the standardised cosine, chosen by measurement
 * (bench/vision/duplicates-threshold.ts; numbers in docs/vision-training.md).
 */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.9;

/**
 * Pseudo-count of the std shrinkage: each dimension's variance is pulled towards the average
 * variance of all dimensions as if SHRINK_ROWS more rows had that variance. Why: with a small
 * dataset (5 pictures) a per-dimension std is estimated from 4 degrees of freedom; dimensions
 * that happen to be nearly constant across those few pictures would get a tiny std, and the
 * small JPEG noise between a picture and its copy in exactly those dimensions would be blown
 * up into a large difference. Shrunk, a tiny dataset is in effect only centred (and scaled as
 * a whole), a large one fully standardised. Centring itself needs no such care: even with 3
 * items the mean removes the shared positive offset, which is what makes raw cosines of ReLU
 * features all look alike. (A fixed reference kept with the backbone would also work for 2
 * items, but exists for no user-supplied backbone; callers with one can pass it as `centre`.)
 */
const SHRINK_ROWS = 16;

/** Compiled standardisation: x' = (x − mean) · scale, per dimension. */
interface Standardise {
  mean: Float32Array;
  scale: Float32Array;
}

/** Unit-length copies of `count` rows (a zero vector has no direction: it stays zero and so matches nothing). */
function unitRows(data: Float32Array, count: number, dim: number, out = new Float32Array(count * dim)): Float32Array {
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[o + k] * data[o + k];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[o + k] = data[o + k] * inv;
  }
  return out;
}

function dot(A: Float32Array, ao: number, B: Float32Array, bo: number, dim: number): number {
  let s0 = 0,
    s1 = 0;
  let k = 0;
  for (; k + 1 < dim; k += 2) {
    s0 += A[ao + k] * B[bo + k];
    s1 += A[ao + k + 1] * B[bo + k + 1];
  }
  if (k < dim) s0 += A[ao + k] * B[bo + k];
  return s0 + s1;
}

/** Reads slices of the source as unit rows, checking every value once. */
class Slices {
  readonly count: number;
  private raw: Float32Array;

  /** Set after the statistics pass (if any): applied to every row read afterwards. */
  standardise: Standardise | null = null;

  constructor(
    private readonly source: RowSource,
    readonly size: number,
  ) {
    this.count = Math.ceil(source.rows / size);
    this.raw = new Float32Array(Math.min(size, source.rows) * source.dim);
  }

  first(s: number): number {
    return s * this.size;
  }

  rowsOf(s: number): number {
    return Math.min(this.size, this.source.rows - s * this.size);
  }

  /** Unit rows of slice `s` (a new array: the caller may keep two). */
  load(s: number): Float32Array {
    const first = this.first(s);
    const rows = this.rowsOf(s);
    return this.rows(Int32Array.from({ length: rows }, (_, i) => first + i));
  }

  /** The raw rows of slice `s`, checked (a view of a buffer reused by the next read). */
  loadRaw(s: number): Float32Array {
    const first = this.first(s);
    return this.read(Int32Array.from({ length: this.rowsOf(s) }, (_, i) => first + i));
  }

  private read(indices: ArrayLike<number>): Float32Array {
    const { dim } = this.source;
    const raw = this.raw.subarray(0, indices.length * dim);
    this.source.read(indices, raw);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (v - v !== 0) {
        throw new VisionError('non_finite_feature', `The embedding of item ${indices[Math.floor(i / dim)]} contains ${v}; recompute it.`);
      }
    }
    return raw;
  }

  /** Unit rows (standardised first, if set) of any rows (ascending), at most `size` of them. */
  rows(indices: ArrayLike<number>): Float32Array {
    const { dim } = this.source;
    const raw = this.read(indices);
    const st = this.standardise;
    if (st) {
      for (let i = 0; i < indices.length; i++) {
        const o = i * dim;
        for (let k = 0; k < dim; k++) raw[o + k] = (raw[o + k] - st.mean[k]) * st.scale[k];
      }
    }
    return unitRows(raw, indices.length, dim);
  }
}

/**
 * Per-dimension mean and std of the rows, read a slice at a time (Welford, in float64, row by
 * row in index order: the result is the same whatever the slicing). Each variance is shrunk
 * towards the average over dimensions by `shrinkRows` pseudo-rows (see SHRINK_ROWS).
 */
export function centringStats(source: RowSource, opts: { blockRows?: number; shrinkRows?: number } = {}): { mean: Float32Array; std: Float32Array } {
  const slices = new Slices(source, opts.blockRows ?? DEFAULT_BLOCK_ROWS);
  return statsOf(slices, source.dim, opts.shrinkRows ?? SHRINK_ROWS);
}

function statsOf(slices: Slices, dim: number, shrinkRows: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  let n = 0;
  for (let s = 0; s < slices.count; s++) {
    const raw = slices.loadRaw(s);
    const rows = slices.rowsOf(s);
    for (let i = 0; i < rows; i++) {
      n++;
      const o = i * dim;
      for (let k = 0; k < dim; k++) {
        const x = raw[o + k];
        const d = x - mean[k];
        mean[k] += d / n;
        m2[k] += d * (x - mean[k]);
      }
    }
  }
  const dof = Math.max(0, n - 1);
  let pooled = 0;
  for (let k = 0; k < dim; k++) pooled += dof > 0 ? m2[k] / dof / dim : 0;
  const std = new Float32Array(dim);
  for (let k = 0; k < dim; k++) std[k] = Math.sqrt((m2[k] + shrinkRows * pooled) / Math.max(1e-12, dof + shrinkRows));
  return { mean: Float32Array.from(mean), std };
}

function compileStats(stats: CentringStats, dim: number): Standardise {
  if (stats.mean.length !== dim || (stats.std && stats.std.length !== dim)) {
    throw new VisionError(
      'length_mismatch',
      `Centring statistics have ${stats.mean.length} means and ${stats.std?.length ?? 'no'} stds for ${dim}-value embeddings.`,
    );
  }
  const mean = Float32Array.from(stats.mean);
  const scale = new Float32Array(dim);
  for (let k = 0; k < dim; k++) {
    const sd = stats.std ? stats.std[k] : 1;
    if (!Number.isFinite(mean[k]) || !Number.isFinite(sd)) throw new VisionError('invalid_option', `Centring statistic ${k} is not finite.`);
    scale[k] = sd > 0 ? 1 / sd : 1;
  }
  return { mean, scale };
}

function exactPairs(slices: Slices, dim: number, threshold: number, uf: UnionFind): number {
  const C = new Float32Array(BLOCK * BLOCK);
  let comparisons = 0;
  for (let si = 0; si < slices.count; si++) {
    const A = slices.load(si);
    const na = slices.rowsOf(si);
    const fa = slices.first(si);
    for (let sj = si; sj < slices.count; sj++) {
      const B = sj === si ? A : slices.load(sj);
      const nb = slices.rowsOf(sj);
      const fb = slices.first(sj);
      for (let bi = 0; bi < na; bi += BLOCK) {
        const ri = Math.min(BLOCK, na - bi);
        for (let bj = sj === si ? bi : 0; bj < nb; bj += BLOCK) {
          const rj = Math.min(BLOCK, nb - bj);
          matmulABt(A, bi * dim, ri, dim, B.subarray(bj * dim, (bj + rj) * dim), rj, C, null);
          const diagonal = sj === si && bi === bj;
          for (let i = 0; i < ri; i++) {
            for (let j = diagonal ? i + 1 : 0; j < rj; j++) {
              comparisons++;
              if (C[i * rj + j] >= threshold) uf.union(fa + bi + i, fb + bj + j);
            }
          }
        }
      }
    }
  }
  return comparisons;
}

/** Signed distances of every row to the random hyperplanes through the mean: two passes over the slices. */
function projections(slices: Slices, n: number, dim: number, planes: Float32Array): Float32Array {
  const mean = new Float32Array(dim);
  for (let s = 0; s < slices.count; s++) {
    const U = slices.load(s);
    const rows = slices.rowsOf(s);
    for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) mean[k] += U[i * dim + k] / n;
  }
  // Centring is folded into a bias: sign(r·(u − μ)) = sign(r·u − r·μ).
  const bias = new Float32Array(PLANES);
  for (let p = 0; p < PLANES; p++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += planes[p * dim + k] * mean[k];
    bias[p] = -s;
  }
  const proj = new Float32Array(n * PLANES);
  const tmp = new Float32Array(CHUNK * PLANES);
  for (let s = 0; s < slices.count; s++) {
    const U = slices.load(s);
    const rows = slices.rowsOf(s);
    for (let at = 0; at < rows; at += CHUNK) {
      const r = Math.min(CHUNK, rows - at);
      matmulABt(U, at * dim, r, dim, planes, PLANES, tmp, bias);
      proj.set(tmp.subarray(0, r * PLANES), (slices.first(s) + at) * PLANES);
    }
  }
  return proj;
}

function lshPairs(slices: Slices, n: number, dim: number, threshold: number, uf: UnionFind, seed: number): number {
  const rng = createRng(seed);
  const planes = new Float32Array(PLANES * dim);
  for (let i = 0; i < planes.length; i++) planes[i] = rng.normal();
  const proj = projections(slices, n, dim, planes);
  // Candidate pairs (a < b, as a·n + b) from every table's buckets; verified below slice by slice.
  const seen = new Set<number>();
  const keys = new Int32Array(n);
  const order = new Int32Array(n);
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
    for (let s = 0; s < n;) {
      let e = s + 1;
      while (e < n && keys[order[e]] === keys[order[s]]) e++;
      for (let x = s; x < e; x++) for (let y = x + 1; y < e; y++) seen.add(order[x] * n + order[y]);
      s = e;
    }
  }
  const pairs = Float64Array.from(seen).sort();
  seen.clear();
  // Pairs grouped by (slice of a, slice of b): each slice pair is loaded once, two slices at a time.
  const bySlices = new Map<number, number[]>();
  for (const pair of pairs) {
    const a = Math.floor(pair / n);
    const key = Math.floor(a / slices.size) * slices.count + Math.floor((pair - a * n) / slices.size);
    let list = bySlices.get(key);
    if (!list) bySlices.set(key, (list = []));
    list.push(pair);
  }
  for (let sa = 0; sa < slices.count; sa++) {
    let A: Float32Array | null = null;
    for (let sb = sa; sb < slices.count; sb++) {
      const list = bySlices.get(sa * slices.count + sb);
      if (!list) continue;
      A ??= slices.load(sa);
      const B = sb === sa ? A : slices.load(sb);
      const fa = slices.first(sa),
        fb = slices.first(sb);
      for (const pair of list) {
        const a = Math.floor(pair / n),
          b = pair - a * n;
        if (dot(A, (a - fa) * dim, B, (b - fb) * dim, dim) >= threshold) uf.union(a, b);
      }
    }
  }
  return pairs.length;
}

/** Each group with its keeper first and the others by decreasing similarity to it; rows read a batch of groups at a time. */
function describeGroups(input: BlockedDuplicateInput, slices: Slices, uf: UnionFind, dim: number): DuplicateGroup[] {
  const { ids } = input;
  const sizes = input.sizes as number[];
  const out: DuplicateGroup[] = [];
  const all = uf.groups();
  for (let g = 0; g < all.length;) {
    // As many whole groups as fit in one slice (a larger group alone, in pieces, below).
    let end = g,
      rows = 0;
    while (end < all.length && (end === g || rows + all[end].length <= slices.size)) rows += all[end++].length;
    const batch = all.slice(g, end);
    g = end;
    const members = batch.flat().sort((a, b) => a - b);
    const at = new Map(members.map((m, i) => [m, i]));
    const U = members.length <= slices.size ? slices.rows(members) : null;
    for (const group of batch) {
      let k = group[0];
      if (input.keeper === 'largest') for (const i of group) if (sizes[i] > sizes[k]) k = i;
      let similarities: Array<{ i: number; similarity: number }>;
      if (U) {
        similarities = group.filter((i) => i !== k).map((i) => ({ i, similarity: dot(U, at.get(k)! * dim, U, at.get(i)! * dim, dim) }));
      } else {
        const K = slices.rows([k]);
        const others = group.filter((i) => i !== k);
        similarities = [];
        for (let p = 0; p < others.length; p += slices.size) {
          const part = others.slice(p, p + slices.size);
          const P = slices.rows(part);
          part.forEach((i, j) => similarities.push({ i, similarity: dot(K, 0, P, j * dim, dim) }));
        }
      }
      similarities.sort((a, b) => b.similarity - a.similarity || a.i - b.i);
      out.push({
        keeper: ids[k],
        members: [{ id: ids[k], similarity: 1 }, ...similarities.map((o) => ({ id: ids[o.i], similarity: o.similarity }))],
      });
    }
  }
  return out;
}

/**
 * Near-duplicate groups over rows read a slice at a time (see RowSource): the same groups as
 * findNearDuplicates on the whole matrix, holding at most two slices of `blockRows` rows.
 */
export function findNearDuplicatesBlocked(input: BlockedDuplicateInput): DuplicateResult {
  const { ids, source } = input;
  const n = ids.length;
  const threshold = input.threshold ?? DEFAULT_DUPLICATE_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new VisionError('invalid_option', `threshold must be above 0 and at most 1; got ${threshold}.`);
  }
  const keeper = input.keeper ?? 'first';
  if (keeper === 'largest' && (!input.sizes || input.sizes.length !== n)) {
    throw new VisionError('invalid_option', "keeper 'largest' needs one size per item.");
  }
  if (source.rows !== n) throw new VisionError('length_mismatch', `Got ${source.rows} embeddings for ${n} items.`);
  const blockRows = input.blockRows ?? DEFAULT_BLOCK_ROWS;
  if (!(Number.isInteger(blockRows) && blockRows >= 1)) {
    throw new VisionError('invalid_option', `blockRows must be a whole number of at least 1; got ${blockRows}.`);
  }
  const exactLimit = input.exactLimit ?? 1500;
  const method = input.method === 'exact' || (input.method !== 'lsh' && n <= exactLimit) ? 'exact' : 'lsh';
  if (n < 2) return { groups: [], method, comparisons: 0 };
  const slices = new Slices(source, blockRows);
  const centre = input.centre ?? 'data';
  if (centre !== 'none') slices.standardise = compileStats(centre === 'data' ? statsOf(slices, source.dim, SHRINK_ROWS) : centre, source.dim);
  const uf = new UnionFind(n);
  const comparisons = method === 'exact' ? exactPairs(slices, source.dim, threshold, uf) : lshPairs(slices, n, source.dim, threshold, uf, input.seed ?? 1);
  return { groups: describeGroups({ ...input, keeper }, slices, uf, source.dim), method, comparisons };
}

/** Rows of a matrix already in memory. */
export function matrixSource(data: Float32Array, rows: number, dim: number): RowSource {
  return {
    rows,
    dim,
    read(indices, out) {
      for (let i = 0; i < indices.length; i++) out.set(data.subarray(indices[i] * dim, (indices[i] + 1) * dim), i * dim);
    },
  };
}

/** Near-duplicate groups of embeddings already in memory (one slice: the whole matrix). */
export function findNearDuplicates(input: DuplicateInput): DuplicateResult {
  const { features, ...rest } = input;
  const n = input.ids.length;
  const m = toMatrix(features, n);
  return findNearDuplicatesBlocked({ ...rest, source: matrixSource(m.data, n, m.dim), blockRows: Math.max(1, n) });
}
