import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { HeadWeights } from '../../src/main/vision/pure/head';
import { predict } from '../../src/main/vision/pure/forward';

// Reads the Debian `dataset-fashion-mnist` idx files (big-endian headers, gzip).
export const FASHION_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
export const FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

const cached = new Map<string, IdxImages>();

/** Read once per process: callers ask per batch, and each read unzips 47 MB. */
export function readIdxImages(split: 'train' | 't10k'): IdxImages {
  let imgs = cached.get(split);
  if (!imgs) cached.set(split, (imgs = readIdxImagesUncached(split)));
  return imgs;
}

function readIdxImagesUncached(split: 'train' | 't10k'): IdxImages {
  const b = gunzipSync(readFileSync(`${FASHION_DIR}/${split}-images-idx3-ubyte.gz`));
  if (b.readUInt32BE(0) !== 2051) throw new Error(`bad idx image magic in ${split}`);
  const count = b.readUInt32BE(4);
  const rows = b.readUInt32BE(8);
  const cols = b.readUInt32BE(12);
  return { count, rows, cols, pixels: new Uint8Array(b.buffer, b.byteOffset + 16, count * rows * cols) };
}

export function readIdxLabels(split: 'train' | 't10k'): Uint8Array {
  const b = gunzipSync(readFileSync(`${FASHION_DIR}/${split}-labels-idx1-ubyte.gz`));
  if (b.readUInt32BE(0) !== 2049) throw new Error(`bad idx label magic in ${split}`);
  return new Uint8Array(b.buffer, b.byteOffset + 8, b.readUInt32BE(4));
}

/** A deterministic shuffle (mulberry32) so every run draws the same subsets. */
export function shuffledIndices(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/** Share of rows (N×D, row-major) whose top prediction by `head` is their label: the explore scripts' held-out score. */
export function heldOutAccuracy(head: HeadWeights, features: Float32Array, labels: readonly string[]): number {
  const P = predict(head, features);
  const K = head.labels.length;
  let correct = 0;
  for (let n = 0; n < labels.length; n++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (P[n * K + k] > P[n * K + best]) best = k;
    if (head.labels[best] === labels[n]) correct++;
  }
  return correct / labels.length;
}
