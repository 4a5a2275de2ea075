// The blocked kernels against the textbook triple loop, on sizes that exercise every
// remainder path (rows not a multiple of 4, outputs not a multiple of 2).
import { describe, expect, it } from 'vitest';
import { accumulateAtB, matmulAB, matmulABt } from '../../src/main/vision/pure/kernels';
import { createRng } from '../../src/main/vision/pure/train';

const rand = (n: number, seed: number): Float32Array => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('dense kernels', () => {
  for (const [M, N, K] of [
    [1, 1, 1],
    [3, 5, 7],
    [4, 2, 16],
    [9, 3, 33],
    [13, 10, 64],
  ]) {
    it(`match the naive loops for ${M}×${K} by ${N}×${K}`, () => {
      const A = rand(2 * M * K, M + N + K);
      const B = rand(N * K, 2);
      const bias = rand(N, 3);
      const off = M * K; // read A from an offset, as the trainer does
      const C = new Float32Array(M * N);
      matmulABt(A, off, M, K, B, N, C, bias);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = bias[j];
          for (let k = 0; k < K; k++) s += A[off + i * K + k] * B[j * K + k];
          expect(C[i * N + j]).toBeCloseTo(s, 4);
        }
      }

      const G = rand(M * N, 4);
      const X = A.subarray(0, M * K);
      const dW = rand(N * K, 5);
      const before = dW.slice();
      accumulateAtB(G, M, N, X, K, dW);
      for (let j = 0; j < N; j++) {
        for (let k = 0; k < K; k++) {
          let s = before[j * K + k];
          for (let i = 0; i < M; i++) s += G[i * N + j] * X[i * K + k];
          expect(dW[j * K + k]).toBeCloseTo(s, 4);
        }
      }

      const out = rand(M * K, 6); // stale contents must be overwritten
      matmulAB(G, M, N, B, K, out);
      for (let i = 0; i < M; i++) {
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let j = 0; j < N; j++) s += G[i * N + j] * B[j * K + k];
          expect(out[i * K + k]).toBeCloseTo(s, 4);
        }
      }
    });
  }
});
