// Near-duplicate groups on constructed vectors, exact and through LSH.
import { describe, expect, it } from 'vitest';
import {
  centringStats,
  DEFAULT_DUPLICATE_THRESHOLD,
  findNearDuplicates,
  findNearDuplicatesBlocked,
  matrixSource,
  type RowSource,
} from '../../src/main/vision/pure/select';
import { createRng } from '../../src/main/vision/pure/train';

/** `n` random non-negative vectors, plus `copies` noisy copies of the first `groups` of them. */
function library(n: number, dim: number, groups: number, copies: number, noise: number) {
  const rng = createRng(21);
  const features: Float32Array[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    features.push(Float32Array.from({ length: dim }, () => Math.max(0, rng.normal() + 0.5)));
    ids.push(`img-${i}`);
  }
  for (let g = 0; g < groups; g++) {
    for (let c = 0; c < copies; c++) {
      features.push(features[g].map((v) => v * (1 + 0.1 * c) + rng.normal() * noise));
      ids.push(`copy-${g}-${c}`);
    }
  }
  return { ids, features };
}

describe('near-duplicate groups', () => {
  it('groups near-copies, transitively, with the first as keeper', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const features = [
      [1, 0, 0],
      [0.99, 0.05, 0],
      [0, 1, 0],
      [0.96, 0.3, 0],
      [0, 0.999, 0.04],
    ].map((v) => Float32Array.from(v));
    // a~b (0.9987), b~d (0.97), a~d only 0.954 at threshold 0.96: still one group through b.
    // (Raw cosine: these hand-made angles are the point, not standardisation.)
    const r = findNearDuplicates({ ids, features, threshold: 0.96, centre: 'none' });
    expect(r.method).toBe('exact');
    expect(r.groups.map((g) => g.members.map((m) => m.id))).toEqual([
      ['a', 'b', 'd'],
      ['c', 'e'],
    ]);
    expect(r.groups[0].keeper).toBe('a');
    expect(r.groups[0].members[0].similarity).toBe(1);
    expect(r.groups[0].members[1].similarity).toBeGreaterThan(r.groups[0].members[2].similarity);
  });

  it('keeps the largest when sizes are given', () => {
    const features = [
      [1, 0],
      [1, 0.01],
      [1, 0.02],
    ].map((v) => Float32Array.from(v));
    const r = findNearDuplicates({ ids: ['s', 'l', 'm'], features, keeper: 'largest', sizes: [100, 4000, 2000], centre: 'none' });
    expect(r.groups).toHaveLength(1);
    expect(r.groups[0].keeper).toBe('l');
    expect(r.groups[0].members.map((m) => m.id)).toEqual(['l', 'm', 's']);
    expect(() => findNearDuplicates({ ids: ['s'], features: [features[0]], keeper: 'largest' })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });

  it('finds the same groups with LSH as with exact comparison, comparing far fewer pairs', () => {
    const lib = library(3000, 64, 30, 2, 0.05);
    const exact = findNearDuplicates({ ...lib, method: 'exact' });
    const lsh = findNearDuplicates({ ...lib, method: 'lsh' });
    expect(exact.groups).toHaveLength(30);
    expect(exact.groups.every((g) => g.members.length === 3)).toBe(true);
    expect(lsh.method).toBe('lsh');
    expect(lsh.groups.map((g) => g.members.map((m) => m.id).sort())).toEqual(exact.groups.map((g) => g.members.map((m) => m.id).sort()));
    expect(lsh.comparisons).toBeLessThan(exact.comparisons / 20);
  });

  it('never groups a zero vector, and handles tiny input', () => {
    const z = new Float32Array(3);
    expect(findNearDuplicates({ ids: ['a', 'b'], features: [z, z] }).groups).toEqual([]);
    expect(findNearDuplicates({ ids: [], features: [] }).groups).toEqual([]);
    expect(() => findNearDuplicates({ ids: ['a'], features: [z], threshold: 2 })).toThrow(expect.objectContaining({ code: 'invalid_option' }));
  });
});

/**
 * Vectors like a ReLU backbone's: all non-negative around one shared positive profile (a
 * narrow cone: unrelated ones have a raw cosine of about 0.97), each with its own part, plus
 * near-copies (own part changed by `noise`).
 */
function cone(n: number, dim: number, copiesOf: number[], noise: number, seed = 5) {
  const rng = createRng(seed);
  const profile = Float32Array.from({ length: dim }, () => 2 + Math.abs(rng.normal()));
  const features: Float32Array[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    features.push(profile.map((p) => Math.max(0, p + 0.5 * rng.normal())));
    ids.push(`img-${i}`);
  }
  for (const i of copiesOf) {
    features.push(features[i].map((v) => Math.max(0, v * 1.05 + noise * rng.normal())));
    ids.push(`copy-of-${i}`);
  }
  return { ids, features };
}

describe('near-duplicate similarity on standardised vectors', () => {
  const groupsOf = (r: { groups: Array<{ members: Array<{ id: string }> }> }) => r.groups.map((g) => g.members.map((m) => m.id).sort());

  it('with the default threshold, groups the copies and nothing else where the raw cosine groups everything', () => {
    const lib = cone(200, 64, [3, 50, 120], 0.08);
    // The old behaviour: raw cosine, every unrelated pair above 0.95, one group of everything.
    const raw = findNearDuplicates({ ...lib, centre: 'none', threshold: DEFAULT_DUPLICATE_THRESHOLD });
    expect(raw.groups).toHaveLength(1);
    expect(raw.groups[0].members).toHaveLength(203);
    const r = findNearDuplicates(lib);
    expect(groupsOf(r)).toEqual([
      ['copy-of-3', 'img-3'],
      ['copy-of-50', 'img-50'],
      ['copy-of-120', 'img-120'],
    ]);
    expect(Math.min(...r.groups.map((g) => g.members[1].similarity))).toBeGreaterThan(0.93);
    // The same through LSH (its buckets are taken on the standardised vectors too).
    expect(groupsOf(findNearDuplicates({ ...lib, method: 'lsh' }))).toEqual(groupsOf(r));
  });

  it('works on a tiny dataset: 5 items, one copy among them', () => {
    const lib = cone(4, 64, [2], 0.08, 9);
    expect(groupsOf(findNearDuplicates(lib))).toEqual([['copy-of-2', 'img-2']]);
  });

  it('takes centring statistics from the caller; the default ones are the items own, whatever the slicing', () => {
    const lib = cone(300, 32, [7, 8], 0.08);
    const flat = new Float32Array(lib.features.length * 32);
    lib.features.forEach((f, i) => flat.set(f, i * 32));
    const source = matrixSource(flat, lib.features.length, 32);
    const stats = centringStats(source);
    for (const blockRows of [1, 7, 4096]) expect(centringStats(source, { blockRows })).toEqual(stats);
    expect(findNearDuplicates({ ...lib, centre: stats })).toEqual(findNearDuplicates(lib));
    // Centring alone also separates them here; statistics of the wrong length are refused.
    expect(groupsOf(findNearDuplicates({ ...lib, centre: { mean: stats.mean } }))).toEqual(groupsOf(findNearDuplicates(lib)));
    expect(() => findNearDuplicates({ ...lib, centre: { mean: stats.mean.subarray(1) } })).toThrow(expect.objectContaining({ code: 'length_mismatch' }));
  });
});

describe('near-duplicate groups read a slice at a time', () => {
  /** A source over one matrix that records how many rows each read asked for. */
  function counted(features: Float32Array[]): { source: RowSource; reads: number[] } {
    const dim = features[0].length;
    const flat = new Float32Array(features.length * dim);
    features.forEach((f, i) => flat.set(f, i * dim));
    const inner = matrixSource(flat, features.length, dim);
    const reads: number[] = [];
    return {
      reads,
      source: { rows: inner.rows, dim, read: (indices, out) => (reads.push(indices.length), inner.read(indices, out)) },
    };
  }

  it.each([
    ['exact', 700, 1],
    ['exact', 700, 128],
    ['exact', 700, 333],
    ['lsh', 2500, 7],
    ['lsh', 2500, 500],
  ] as const)('gives exactly the all-at-once groups (%s, %i items, %i rows per slice) and never reads more than a slice', (method, n, blockRows) => {
    const lib = library(n, 48, 25, 2, 0.05);
    const sizes = lib.ids.map((_, i) => (i * 7919) % 1000);
    const whole = findNearDuplicates({ ...lib, method, keeper: 'largest', sizes, threshold: 0.93 });
    const { source, reads } = counted(lib.features);
    const sliced = findNearDuplicatesBlocked({ ids: lib.ids, source, blockRows, method, keeper: 'largest', sizes, threshold: 0.93 });
    expect(whole.groups.length).toBeGreaterThanOrEqual(25);
    // Same groups, keepers, member order and similarities to the last bit, same work.
    expect(sliced).toEqual(whole);
    expect(reads.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(blockRows);
    // One pass for the centring statistics, then one (exact) or two (LSH: mean, projections)
    // over the slices, each pair of slices at most once, then the groups' rows: the matrix is
    // never read whole in one go.
    const slices = Math.ceil(lib.ids.length / blockRows);
    const members = whole.groups.reduce((a, g) => a + g.members.length, 0);
    expect(reads.length).toBeLessThanOrEqual(3 * slices + (slices * (slices + 1)) / 2 + 2 * members);
  });

  it('refuses a non-finite value in any slice, naming the item', () => {
    const lib = library(50, 8, 2, 1, 0.01);
    lib.features[37][3] = Number.NaN;
    const { source } = counted(lib.features);
    expect(() => findNearDuplicatesBlocked({ ids: lib.ids, source, blockRows: 10 })).toThrow(/item 37 contains NaN/);
  });
});
