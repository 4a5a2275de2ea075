/**
 * The dense kernels the trainer spends its time in. Plain loops over contiguous
 * Float32Arrays, register-blocked (4 rows × 2 columns per pass) so each value loaded from
 * memory feeds several multiply-adds; V8 keeps the eight accumulators in registers. This is
 * about 3–4× faster than the naive triple loop and allocates nothing.
 */

/**
 * C[M×N] = A[M×K] · B[N×K]ᵀ (+ bias[N]). A is read from `aOff`; B is a weight matrix in the
 * head's row-major [out][in] layout, so this is a layer's forward pass.
 */
export function matmulABt(A: Float32Array, aOff: number, M: number, K: number, B: Float32Array, N: number, C: Float32Array, bias: Float32Array | null): void {
  const m4 = M - (M % 4);
  const n2 = N - (N % 2);
  for (let i = 0; i < m4; i += 4) {
    const a0 = aOff + i * K,
      a1 = a0 + K,
      a2 = a1 + K,
      a3 = a2 + K;
    const c0 = i * N,
      c1 = c0 + N,
      c2 = c1 + N,
      c3 = c2 + N;
    for (let j = 0; j < n2; j += 2) {
      const b0 = j * K,
        b1 = b0 + K;
      let s00 = 0,
        s10 = 0,
        s20 = 0,
        s30 = 0,
        s01 = 0,
        s11 = 0,
        s21 = 0,
        s31 = 0;
      for (let k = 0; k < K; k++) {
        const w0 = B[b0 + k],
          w1 = B[b1 + k];
        const x0 = A[a0 + k],
          x1 = A[a1 + k],
          x2 = A[a2 + k],
          x3 = A[a3 + k];
        s00 += x0 * w0;
        s10 += x1 * w0;
        s20 += x2 * w0;
        s30 += x3 * w0;
        s01 += x0 * w1;
        s11 += x1 * w1;
        s21 += x2 * w1;
        s31 += x3 * w1;
      }
      const bj0 = bias === null ? 0 : bias[j],
        bj1 = bias === null ? 0 : bias[j + 1];
      C[c0 + j] = s00 + bj0;
      C[c1 + j] = s10 + bj0;
      C[c2 + j] = s20 + bj0;
      C[c3 + j] = s30 + bj0;
      C[c0 + j + 1] = s01 + bj1;
      C[c1 + j + 1] = s11 + bj1;
      C[c2 + j + 1] = s21 + bj1;
      C[c3 + j + 1] = s31 + bj1;
    }
    for (let j = n2; j < N; j++) {
      const b0 = j * K;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const w = B[b0 + k];
        s0 += A[a0 + k] * w;
        s1 += A[a1 + k] * w;
        s2 += A[a2 + k] * w;
        s3 += A[a3 + k] * w;
      }
      const bj = bias === null ? 0 : bias[j];
      C[c0 + j] = s0 + bj;
      C[c1 + j] = s1 + bj;
      C[c2 + j] = s2 + bj;
      C[c3 + j] = s3 + bj;
    }
  }
  for (let i = m4; i < M; i++) {
    const a0 = aOff + i * K;
    for (let j = 0; j < N; j++) {
      const b0 = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      C[i * N + j] = s + (bias === null ? 0 : bias[j]);
    }
  }
}

/**
 * dW[N×K] += G[M×N]ᵀ · A[M×K]: the weight gradient of a layer from its output gradient G
 * and its input A, accumulated over the M rows of a mini-batch.
 */
export function accumulateAtB(G: Float32Array, M: number, N: number, A: Float32Array, K: number, dW: Float32Array): void {
  const m4 = M - (M % 4);
  const n2 = N - (N % 2);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * K,
      a1 = a0 + K,
      a2 = a1 + K,
      a3 = a2 + K;
    const g0 = i * N,
      g1 = g0 + N,
      g2 = g1 + N,
      g3 = g2 + N;
    for (let j = 0; j < n2; j += 2) {
      const p0 = G[g0 + j],
        p1 = G[g1 + j],
        p2 = G[g2 + j],
        p3 = G[g3 + j];
      const q0 = G[g0 + j + 1],
        q1 = G[g1 + j + 1],
        q2 = G[g2 + j + 1],
        q3 = G[g3 + j + 1];
      if (p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && q0 === 0 && q1 === 0 && q2 === 0 && q3 === 0) continue;
      const w0 = j * K,
        w1 = w0 + K;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k],
          x1 = A[a1 + k],
          x2 = A[a2 + k],
          x3 = A[a3 + k];
        dW[w0 + k] += p0 * x0 + p1 * x1 + p2 * x2 + p3 * x3;
        dW[w1 + k] += q0 * x0 + q1 * x1 + q2 * x2 + q3 * x3;
      }
    }
    for (let j = n2; j < N; j++) {
      const p0 = G[g0 + j],
        p1 = G[g1 + j],
        p2 = G[g2 + j],
        p3 = G[g3 + j];
      const w0 = j * K;
      for (let k = 0; k < K; k++) {
        dW[w0 + k] += p0 * A[a0 + k] + p1 * A[a1 + k] + p2 * A[a2 + k] + p3 * A[a3 + k];
      }
    }
  }
  for (let i = m4; i < M; i++) {
    const a0 = i * K;
    for (let j = 0; j < N; j++) {
      const g = G[i * N + j];
      if (g === 0) continue;
      const w0 = j * K;
      for (let k = 0; k < K; k++) dW[w0 + k] += g * A[a0 + k];
    }
  }
}

/** Out[M×K] = G[M×N] · W[N×K]: pushes a layer's output gradient back to its input. */
export function matmulAB(G: Float32Array, M: number, N: number, W: Float32Array, K: number, out: Float32Array): void {
  out.fill(0, 0, M * K);
  for (let i = 0; i < M; i++) {
    const o = i * K;
    for (let j = 0; j < N; j++) {
      const g = G[i * N + j];
      if (g === 0) continue;
      const w = j * K;
      for (let k = 0; k < K; k++) out[o + k] += g * W[w + k];
    }
  }
}

/** db[N] += Σ_rows G[M×N]. */
export function accumulateColumnSums(G: Float32Array, M: number, N: number, db: Float32Array): void {
  for (let i = 0; i < M; i++) {
    const g = i * N;
    for (let j = 0; j < N; j++) db[j] += G[g + j];
  }
}

/**
 * Row-wise softmax of logits in place (M×N), stable against overflow by subtracting the
 * row maximum first.
 */
export function softmaxRowsInPlace(Z: Float32Array, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const o = i * N;
    let max = -Infinity;
    for (let j = 0; j < N; j++) if (Z[o + j] > max) max = Z[o + j];
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const e = Math.exp(Z[o + j] - max);
      Z[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < N; j++) Z[o + j] *= inv;
  }
}

export function reluInPlace(Z: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) if (Z[i] < 0) Z[i] = 0;
}
