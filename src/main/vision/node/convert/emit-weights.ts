import type { GraphBuilder } from '../onnx/graph-builder';
import { VisionError } from '../../pure/errors';
import type { LayersModel, StoredWeight } from './tfjs-model';

// Writes Keras weights into the ONNX graph in ONNX layouts. uint8 tensors with a whole zero point
// stay uint8 behind a DequantizeLinear (lossless, ~4× smaller file); ORT folds that constant
// subgraph at load time when the session sets `session.disable_quant_qdq`.

export type Layout = 'conv' | 'depthwise' | 'asis';

/** Index permutation from the Keras layout to the ONNX layout. */
function permuteIndex(layout: Layout, shape: number[]): { dims: number[]; map: (i: number) => number } {
  if (layout === 'asis') return { dims: shape, map: (i) => i };
  const [kh, kw, cin, cout] = shape;
  if (layout === 'conv') {
    // Keras [kh, kw, cin, cout] -> ONNX [cout, cin, kh, kw]
    return {
      dims: [cout, cin, kh, kw],
      map: (dst) => {
        const x = dst % kw;
        const y = Math.floor(dst / kw) % kh;
        const i = Math.floor(dst / (kw * kh)) % cin;
        const o = Math.floor(dst / (kw * kh * cin));
        return ((y * kw + x) * cin + i) * cout + o;
      },
    };
  }
  // depthwise: Keras [kh, kw, cin, dm] -> ONNX [cin*dm, 1, kh, kw], output channel c*dm + m
  const dm = cout;
  return {
    dims: [cin * dm, 1, kh, kw],
    map: (dst) => {
      const x = dst % kw;
      const y = Math.floor(dst / kw) % kh;
      const oc = Math.floor(dst / (kw * kh));
      const c = Math.floor(oc / dm);
      const m = oc % dm;
      return ((y * kw + x) * cin + c) * dm + m;
    },
  };
}

export class WeightEmitter {
  constructor(
    private readonly g: GraphBuilder,
    private readonly model: LayersModel,
  ) {}

  find(layer: string, param: string): StoredWeight | undefined {
    const exact = this.model.weights.get(`${layer}/${param}`);
    if (exact) return exact;
    const suffix = `/${layer}/${param}`;
    for (const [k, w] of this.model.weights) if (k.endsWith(suffix)) return w;
    return undefined;
  }

  get(layer: string, param: string): StoredWeight {
    const w = this.find(layer, param);
    if (!w) throw new VisionError('model_invalid', `${this.model.source}: weight ${layer}/${param} is missing.`);
    return w;
  }

  /** Float values of a small per-channel parameter (BN, bias). */
  values(layer: string, param: string): Float32Array | undefined {
    return this.find(layer, param)?.values;
  }

  /** Emits a kernel in ONNX layout; returns the name of a float32 tensor. */
  kernel(layer: string, param: string, layout: Layout): string {
    const w = this.get(layer, param);
    const { dims, map } = permuteIndex(layout, w.spec.shape);
    const n = w.values.length;
    if (w.quantized) {
      const src = w.quantized.data;
      const q = new Uint8Array(n);
      for (let i = 0; i < n; i++) q[i] = src[map(i)];
      const data = this.g.tensor(`${layer}/${param}_q`, 'uint8', dims, q);
      const scale = this.g.scalar(`${layer}/${param}_scale`, w.quantized.scale);
      const zp = this.g.tensor(`${layer}/${param}_zp`, 'uint8', [], Uint8Array.of(w.quantized.zeroPoint));
      return this.g.node('DequantizeLinear', [data, scale, zp], `${layer}/${param}`);
    }
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = w.values[map(i)];
    return this.g.tensor(`${layer}/${param}`, 'float32', dims, f);
  }
}
