import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { nsfwjsMobilenetDir, NSFWJS_NORMALIZE, DEFAULT_TAPS } from '../../src/main/vision/node/convert/default-backbone';
import { convertLayersModel, parseTap } from '../../src/main/vision/node/convert/layers-to-onnx';
import { loadMinJsLayersModel, readMinJsArtifacts } from '../../src/main/vision/node/convert/tfjs-model';

// The converted graph must compute what TF.js computes from the same weights: same random
// pixels into both, compared at the tap layers (raw activations and pooled features).

const N = 2;
const RAW = ['block_3_project_BN', 'block_13_expand_relu', 'out_relu', 'dense_3'];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('TF.js layers -> ONNX converter (nsfwjs MobileNetV2)', () => {
  let tfOut: Map<string, Float32Array>;
  let onnxOut: ort.InferenceSession.ReturnType;

  beforeAll(async () => {
    const dir = nsfwjsMobilenetDir();
    let seed = 42;
    const pixels = new Uint8Array(N * 224 * 224 * 3).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255);

    await tf.setBackend('cpu');
    const a = readMinJsArtifacts(dir);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[], weightData: a.weightData }),
    );
    const layers = [...new Set([...RAW, ...DEFAULT_TAPS.map((t) => parseTap(t).layer)])];
    const sub = tf.model({ inputs: model.inputs, outputs: layers.map((l) => model.getLayer(l).output as tf.SymbolicTensor) });
    const x = tf.tensor4d(pixels, [N, 224, 224, 3], 'int32').toFloat().div(255);
    const outs = sub.predict(x) as tf.Tensor[];
    tfOut = new Map(layers.map((l, i) => [l, outs[i].dataSync() as Float32Array]));
    // Pooled taps as the ONNX graph defines them: mean (or, for layer@max, max) over H and W.
    for (const t of DEFAULT_TAPS) {
      const { layer, pool } = parseTap(t);
      const o = outs[layers.indexOf(layer)];
      tfOut.set(`pool:${t}`, (o.rank === 4 ? (pool === 'max' ? o.max([1, 2]) : o.mean([1, 2])) : o).dataSync() as Float32Array);
    }

    const converted = convertLayersModel(loadMinJsLayersModel(dir), { taps: DEFAULT_TAPS, normalize: NSFWJS_NORMALIZE, tapOutputs: true, rawOutputs: RAW });
    const session = await ort.InferenceSession.create(Buffer.from(converted.onnx), {
      intraOpNumThreads: 1,
      extra: { 'session.disable_quant_qdq': '1', 'session.intra_op.allow_spinning': '0' },
    } as ort.InferenceSession.SessionOptions);
    onnxOut = await session.run({ image: new ort.Tensor('uint8', pixels, [N, 224, 224, 3]) });
  }, 180_000);

  it('agrees with TF.js at every tap, pooled, to 1e-5', () => {
    // The default taps must exercise both poolings, or this test checks only one of them.
    expect(new Set(DEFAULT_TAPS.map((t) => parseTap(t).pool))).toEqual(new Set(['avg', 'max']));
    for (const t of DEFAULT_TAPS) {
      const diff = maxAbsDiff(onnxOut[`tap:${t}`].data as Float32Array, tfOut.get(`pool:${t}`)!);
      expect(diff, t).toBeLessThan(1e-5);
    }
  });

  it('agrees with TF.js on raw activations, NHWC, to 1e-5 relative to their range', () => {
    for (const l of RAW) {
      const ref = tfOut.get(l)!;
      const range = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(range, l).toBeGreaterThan(0);
      expect(maxAbsDiff(onnxOut[`raw:${l}`].data as Float32Array, ref) / range, l).toBeLessThan(1e-5);
    }
  });

  it('reads layer@max as max pooling and refuses other poolings by name', () => {
    expect(parseTap('block_13_expand_relu')).toEqual({ layer: 'block_13_expand_relu', pool: 'avg' });
    expect(parseTap('block_14_expand_relu@max')).toEqual({ layer: 'block_14_expand_relu', pool: 'max' });
    expect(() => parseTap('block_14_expand_relu@median')).toThrow(/must be avg or max/);
  });

  it('puts the pooled taps side by side, in order, as `features` [N, D]', () => {
    const f = onnxOut.features;
    const dims = DEFAULT_TAPS.map((t) => onnxOut[`tap:${t}`].dims[1] as number);
    expect(f.dims).toEqual([N, dims.reduce((a, b) => a + b, 0)]);
    const data = f.data as Float32Array;
    let off = 0;
    DEFAULT_TAPS.forEach((t, i) => {
      const tap = onnxOut[`tap:${t}`].data as Float32Array;
      for (let n = 0; n < N; n++) {
        expect(Array.from(data.subarray(n * f.dims[1] + off, n * f.dims[1] + off + dims[i]))).toEqual(Array.from(tap.subarray(n * dims[i], (n + 1) * dims[i])));
      }
      off += dims[i];
    });
  });
});
