import { DataType, toNumber, type GraphProto, type TensorProto } from './onnx-proto';

// Replaces DequantizeLinear nodes of constant, per-tensor uint8/int8 weights by float
// initializers. An exported file then runs at full speed in any ONNX runtime with default
// options (ORT would otherwise run DQ -> Conv as a quantized group, about 3× slower), at the
// cost of a bigger file. Values are computed as ORT computes them: (q - zero_point) * scale.

function bytes(t: TensorProto): Uint8Array | undefined {
  return t.rawData && t.rawData.length ? t.rawData : undefined;
}

export function foldConstantDequantize(graph: GraphProto): number {
  const inits = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  let folded = 0;
  const keep = [];
  for (const n of graph.node) {
    const [q, s, z] = n.input.map((i) => inits.get(i));
    const axis = n.attribute?.find((a) => a.name === 'axis');
    const qb = q && bytes(q);
    const sb = s && bytes(s);
    const perTensor = s && (s.dims ?? []).reduce((a: number, d) => a * toNumber(d), 1) === 1;
    const ok =
      n.opType === 'DequantizeLinear' &&
      qb &&
      sb &&
      perTensor &&
      !axis &&
      (q.dataType === DataType.UINT8 || q.dataType === DataType.INT8) &&
      s.dataType === DataType.FLOAT;
    if (!ok) {
      keep.push(n);
      continue;
    }
    const scale = new Float32Array(sb.buffer.slice(sb.byteOffset, sb.byteOffset + 4))[0];
    const zb = z && bytes(z);
    const signed = q.dataType === DataType.INT8;
    const zp = zb ? (signed ? new Int8Array(zb.buffer, zb.byteOffset, 1)[0] : zb[0]) : 0;
    const qv = signed ? new Int8Array(qb.buffer, qb.byteOffset, qb.length) : qb;
    const out = new Float32Array(qv.length);
    for (let i = 0; i < qv.length; i++) out[i] = Math.fround(Math.fround(qv[i] - zp) * scale);
    graph.initializer.push({ name: n.output[0], dims: q.dims, dataType: DataType.FLOAT, rawData: new Uint8Array(out.buffer) });
    folded++;
  }
  graph.node = keep;
  const read = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => read.has(t.name ?? ''));
  return folded;
}
