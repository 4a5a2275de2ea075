import * as ort from 'onnxruntime-node';
import { DataType, decodeModel, encodeModel, toNumber, type ModelProto, type NodeProto, type TensorProto } from '../onnx/onnx-proto';

// Static int8 quantization of a converted backbone, in QDQ form: BatchNorm folded into the
// convolutions, weights int8 per output channel (symmetric), biases int32, activations uint8
// with ranges calibrated on real pictures. ORT turns DQ -> Conv -> Q into QLinearConv (and
// drops a ReLU6 Clip whose range the Q already enforces). Run it WITHOUT disable_quant_qdq.

type Graph = ModelProto['graph'];

function floatsOf(t: TensorProto): Float32Array {
  if (t.rawData && t.rawData.length) {
    const b = t.rawData;
    if (t.dataType === DataType.FLOAT) return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (t.dataType === DataType.UINT8) return Float32Array.from(b);
  }
  if (t.floatData?.length) return Float32Array.from(t.floatData);
  throw new Error(`initializer ${t.name} has no float data`);
}

function raw(data: Float32Array | Int8Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

class Rewriter {
  readonly inits = new Map<string, TensorProto>();
  private counter = 0;
  constructor(readonly graph: Graph) {
    for (const t of graph.initializer) if (t.name) this.inits.set(t.name, t);
  }
  producer(name: string): NodeProto | undefined {
    return this.graph.node.find((n) => n.output.includes(name));
  }
  consumers(name: string): NodeProto[] {
    return this.graph.node.filter((n) => n.input.includes(name));
  }
  /** The float value of a constant tensor, through a DequantizeLinear of initializers if need be. */
  constant(name: string): Float32Array | undefined {
    const t = this.inits.get(name);
    if (t) return floatsOf(t);
    const p = this.producer(name);
    if (p?.opType !== 'DequantizeLinear') return undefined;
    const q = this.inits.get(p.input[0]);
    const s = this.inits.get(p.input[1]);
    const z = p.input[2] ? this.inits.get(p.input[2]) : undefined;
    if (!q || !s) return undefined;
    const qv = floatsOf(q);
    const sv = floatsOf(s)[0];
    const zv = z ? floatsOf(z)[0] : 0;
    return qv.map((v) => (v - zv) * sv);
  }
  dims(name: string): number[] {
    const t = this.inits.get(name) ?? this.inits.get(this.producer(name)?.input[0] ?? '');
    return (t?.dims ?? []).map((d) => toNumber(d));
  }
  add(base: string, dataType: number, dims: number[], data: Uint8Array): string {
    const name = `${base}__q${this.counter++}`;
    const t: TensorProto = { name, dataType, dims, rawData: data };
    this.graph.initializer.push(t);
    this.inits.set(name, t);
    return name;
  }
  /** Drops initializers and DequantizeLinear nodes nothing reads any more. */
  prune(): void {
    let changed = true;
    while (changed) {
      changed = false;
      const read = new Set(this.graph.node.flatMap((n) => n.input));
      for (const o of this.graph.output) read.add(o.name);
      const before = this.graph.node.length;
      this.graph.node = this.graph.node.filter((n) => n.output.some((o) => read.has(o)));
      changed = this.graph.node.length !== before;
      const stillRead = new Set(this.graph.node.flatMap((n) => n.input));
      this.graph.initializer = this.graph.initializer.filter((t) => stillRead.has(t.name ?? ''));
    }
  }
}

/** Folds every BatchNormalization that directly follows a Conv read by nothing else into that Conv (float weights). */
export function foldBatchNorms(model: ModelProto): void {
  const r = new Rewriter(model.graph);
  for (const bn of [...model.graph.node.filter((n) => n.opType === 'BatchNormalization')]) {
    const conv = r.producer(bn.input[0]);
    if (conv?.opType !== 'Conv' || r.consumers(conv.output[0]).length !== 1) continue;
    const w = r.constant(conv.input[1]);
    const [gamma, beta, mean, variance] = bn.input.slice(1).map((n) => r.constant(n));
    if (!w || !gamma || !beta || !mean || !variance) continue;
    const eps = bn.attribute?.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
    const cout = gamma.length;
    const per = w.length / cout;
    const bias = conv.input[2] ? r.constant(conv.input[2]) : undefined;
    const nw = new Float32Array(w.length);
    const nb = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const s = gamma[o] / Math.sqrt(variance[o] + eps);
      for (let i = 0; i < per; i++) nw[o * per + i] = w[o * per + i] * s;
      nb[o] = ((bias?.[o] ?? 0) - mean[o]) * s + beta[o];
    }
    conv.input = [
      conv.input[0],
      r.add(`${conv.name}/W`, DataType.FLOAT, r.dims(conv.input[1]), raw(nw)),
      r.add(`${conv.name}/B`, DataType.FLOAT, [cout], raw(nb)),
    ];
    conv.output = [bn.output[0]];
    model.graph.node = model.graph.node.filter((n) => n !== bn);
  }
  r.prune();
}

/** Tensors whose ranges are calibrated and that get a Q/DQ pair: every Conv/Add data input, every Add output. */
function activationTensors(graph: Graph): string[] {
  const out = new Set<string>();
  for (const n of graph.node) {
    if (n.opType === 'Conv') out.add(n.input[0]);
    if (n.opType === 'Add' && !n.input.some((i) => graph.initializer.some((t) => t.name === i))) {
      n.input.forEach((i) => out.add(i));
      out.add(n.output[0]);
    }
  }
  return [...out];
}

/** Runs the float graph on calibration batches and returns [min, max] of each tensor. */
async function calibrate(model: ModelProto, tensors: string[], batches: ort.Tensor[], inputName: string): Promise<Map<string, [number, number]>> {
  const probe: ModelProto = { ...model, graph: { ...model.graph, output: [...model.graph.output, ...tensors.map((name) => ({ name }))] } };
  const session = await ort.InferenceSession.create(encodeModel(probe), { extra: { 'session.disable_quant_qdq': '1' } } as ort.InferenceSession.SessionOptions);
  const ranges = new Map<string, [number, number]>(tensors.map((t) => [t, [0, 0]]));
  for (const b of batches) {
    const out = await session.run({ [inputName]: b }, tensors);
    for (const t of tensors) {
      const r = ranges.get(t)!;
      for (const v of out[t].data as Float32Array) {
        if (v < r[0]) r[0] = v;
        else if (v > r[1]) r[1] = v;
      }
    }
  }
  await session.release();
  return ranges;
}

/**
 * Quantizes a float or uint8-weight backbone to int8 QDQ. `calibration` holds input tensors
 * (pictures preprocessed exactly as for inference); 100–300 pictures are plenty.
 */
export async function quantizeStatic(backbone: Uint8Array, calibration: ort.Tensor[]): Promise<Uint8Array> {
  const model = decodeModel(backbone);
  foldBatchNorms(model);
  const graph = model.graph;
  const inputName = graph.input[0].name;
  const tensors = activationTensors(graph);
  const ranges = await calibrate(model, tensors, calibration, inputName);
  const r = new Rewriter(graph);
  const scaleOf = new Map<string, number>();

  for (const t of tensors) {
    const [lo, hi] = ranges.get(t)!;
    const scale = Math.max(hi - lo, 1e-8) / 255;
    const zp = Math.min(255, Math.max(0, Math.round(-lo / scale)));
    scaleOf.set(t, scale);
    const s = r.add(`${t}/scale`, DataType.FLOAT, [], raw(Float32Array.of(scale)));
    const z = r.add(`${t}/zp`, DataType.UINT8, [], Uint8Array.of(zp));
    const q = `${t}__quant`;
    const dq = `${t}__dequant`;
    for (const c of r.consumers(t)) c.input = c.input.map((i) => (i === t ? dq : i));
    graph.node.push(
      { opType: 'QuantizeLinear', name: q, input: [t, s, z], output: [q] },
      { opType: 'DequantizeLinear', name: dq, input: [q, s, z], output: [dq] },
    );
  }

  for (const conv of graph.node.filter((n) => n.opType === 'Conv')) {
    const w = r.constant(conv.input[1]);
    const xScale = scaleOf.get(conv.input[0].replace(/__dequant$/, ''));
    if (!w || xScale === undefined) continue;
    const dims = r.dims(conv.input[1]);
    const cout = dims[0];
    const per = w.length / cout;
    const q = new Int8Array(w.length);
    const ws = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      let m = 0;
      for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
      ws[o] = m > 0 ? m / 127 : 1;
      for (let i = 0; i < per; i++) q[o * per + i] = Math.round(w[o * per + i] / ws[o]);
    }
    const base = conv.name ?? conv.output[0];
    const qw = r.add(`${base}/Wq`, DataType.INT8, dims, raw(q));
    const sw = r.add(`${base}/Ws`, DataType.FLOAT, [cout], raw(ws));
    const zw = r.add(`${base}/Wz`, DataType.INT8, [cout], raw(new Int8Array(cout)));
    const wdq = `${base}/W_dq`;
    graph.node.unshift({ opType: 'DequantizeLinear', name: wdq, input: [qw, sw, zw], output: [wdq], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    const inputs = [conv.input[0], wdq];
    const b = conv.input[2] ? r.constant(conv.input[2]) : undefined;
    if (b) {
      const bs = ws.map((s) => s * xScale);
      const bq = Int32Array.from(b, (v, o) => Math.round(v / bs[o]));
      const qb = r.add(`${base}/Bq`, DataType.INT32, [cout], raw(bq));
      const sb = r.add(`${base}/Bs`, DataType.FLOAT, [cout], raw(bs));
      const zb = r.add(`${base}/Bz`, DataType.INT32, [cout], raw(new Int32Array(cout)));
      const bdq = `${base}/B_dq`;
      graph.node.unshift({ opType: 'DequantizeLinear', name: bdq, input: [qb, sb, zb], output: [bdq], attribute: [{ name: 'axis', type: 2, i: 0 }] });
      inputs.push(bdq);
    }
    conv.input = inputs;
  }
  r.prune();
  graph.node = topoSort(graph);
  return encodeModel(model);
}

/** Orders nodes so every input is produced before it is read (the Q/DQ pairs were appended). */
function topoSort(graph: Graph): NodeProto[] {
  const ready = new Set<string>([...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name ?? ''), '']);
  const left = [...graph.node];
  const out: NodeProto[] = [];
  while (left.length) {
    const i = left.findIndex((n) => n.input.every((x) => ready.has(x)));
    if (i < 0) throw new Error('quantized graph has a cycle or a dangling input');
    const [n] = left.splice(i, 1);
    out.push(n);
    n.output.forEach((o) => ready.add(o));
  }
  return out;
}
