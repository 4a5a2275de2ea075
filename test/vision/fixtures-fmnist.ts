/**
 * Reads Debian's Fashion-MNIST (package dataset-fashion-mnist) from its gzip'd idx files,
 * for tests that need real pictures with real labels. Pixels become features in [0, 1],
 * optionally average-pooled (2 → 14×14 = 196 dimensions) to keep tests quick.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';

export const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FMNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export const fmnistAvailable = (): boolean =>
  existsSync(path.join(FMNIST_DIR, 'train-images-idx3-ubyte.gz')) && existsSync(path.join(FMNIST_DIR, 't10k-labels-idx1-ubyte.gz'));

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an idx file (big-endian header: 0, 0, type 0x08 = ubyte, rank; then the sizes). */
export function readIdx(file: string): IdxArray {
  const raw = gunzipSync(readFileSync(file));
  if (raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08) throw new Error(`${file}: not an unsigned-byte idx file`);
  const rank = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length < start + size) throw new Error(`${file}: truncated`);
  return { dims, data: raw.subarray(start, start + size) };
}

export interface FmnistSet {
  features: Float32Array;
  labels: string[];
  classIds: Int32Array;
  dim: number;
  count: number;
}

const cache = new Map<string, { images: IdxArray; labels: IdxArray }>();

function load(split: 'train' | 't10k'): { images: IdxArray; labels: IdxArray } {
  let hit = cache.get(split);
  if (!hit) {
    hit = {
      images: readIdx(path.join(FMNIST_DIR, `${split}-images-idx3-ubyte.gz`)),
      labels: readIdx(path.join(FMNIST_DIR, `${split}-labels-idx1-ubyte.gz`)),
    };
    cache.set(split, hit);
  }
  return hit;
}

/** The first `count` pictures (after `offset`) of a split, pooled by `pool`×`pool`. */
export function loadFashionMnist(split: 'train' | 't10k', count: number, pool = 1, offset = 0): FmnistSet {
  const { images, labels } = load(split);
  const [total, h, w] = images.dims;
  const n = Math.min(count, total - offset);
  const ph = Math.floor(h / pool),
    pw = Math.floor(w / pool);
  const dim = ph * pw;
  const features = new Float32Array(n * dim);
  const classIds = new Int32Array(n);
  const names: string[] = [];
  const scale = 1 / (255 * pool * pool);
  for (let i = 0; i < n; i++) {
    const src = (offset + i) * h * w;
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        let s = 0;
        for (let dy = 0; dy < pool; dy++) for (let dx = 0; dx < pool; dx++) s += images.data[src + (y * pool + dy) * w + x * pool + dx];
        features[i * dim + y * pw + x] = s * scale;
      }
    }
    classIds[i] = labels.data[offset + i];
    names.push(FMNIST_CLASSES[classIds[i]]);
  }
  return { features, labels: names, classIds, dim, count: n };
}
