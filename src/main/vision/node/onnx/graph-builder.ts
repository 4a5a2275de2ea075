import {
  AttrType,
  DataType,
  encodeModel,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-proto';

export type AttrValue = number | string | number[] | { floats: number[] } | { int: number } | { float: number };
export type ElemType = 'float32' | 'uint8' | 'int64' | 'int32';

const elemCode: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  uint8: DataType.UINT8,
  int64: DataType.INT64,
  int32: DataType.INT32,
};

/** The ONNX opset every graph Loupe writes targets (DequantizeLinear, Clip with inputs, Softmax on an axis). */
export const OPSET = 17;

function attribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  if (typeof value === 'object' && 'floats' in value) return { name, type: AttrType.FLOATS, floats: value.floats };
  if (typeof value === 'object' && 'float' in value) return { name, type: AttrType.FLOAT, f: value.float };
  if (typeof value === 'object' && 'int' in value) return { name, type: AttrType.INT, i: value.int };
  // A bare number is an int unless it has a fractional part; say { float } to force a float.
  return Number.isInteger(value) ? { name, type: AttrType.INT, i: value } : { name, type: AttrType.FLOAT, f: value };
}

export function valueInfo(name: string, elem: ElemType, dims: Array<number | string>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: elemCode[elem],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function bytesOf(data: Float32Array | Uint8Array | BigInt64Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/**
 * Accumulates nodes and initializers with unique names, then writes a ModelProto. Names are
 * made unique by the builder so converters can use layer names freely.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();

  /** Seeds the builder with an existing graph (used by export to extend a backbone). */
  static from(graph: GraphProto): GraphBuilder {
    const b = new GraphBuilder();
    b.nodes.push(...graph.node);
    b.initializers.push(...graph.initializer);
    b.inputs.push(...graph.input);
    b.outputs.push(...graph.output);
    for (const n of graph.node) for (const o of n.output) b.used.add(o);
    for (const t of graph.initializer) if (t.name) b.used.add(t.name);
    for (const i of graph.input) b.used.add(i.name);
    return b;
  }

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elem: ElemType, dims: Array<number | string>): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  output(name: string, elem: ElemType, dims: Array<number | string>): void {
    this.outputs.push(valueInfo(name, elem, dims));
  }

  tensor(base: string, elem: ElemType, dims: number[], data: Float32Array | Uint8Array | BigInt64Array | Int32Array): string {
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType: elemCode[elem], rawData: bytesOf(data) });
    return name;
  }

  floats(base: string, values: ArrayLike<number>, dims: number[] = [values.length]): string {
    return this.tensor(base, 'float32', dims, Float32Array.from(values));
  }

  int64s(base: string, values: number[]): string {
    return this.tensor(base, 'int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  scalar(base: string, value: number): string {
    return this.tensor(base, 'float32', [], Float32Array.of(value));
  }

  /** Adds a node; returns its first output name (made unique from `out`). */
  node(opType: string, inputs: string[], out: string, attrs: Record<string, AttrValue> = {}): string {
    const output = this.unique(out);
    this.nodes.push({
      opType,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Renames the tensor produced by the last node that wrote `from` (for graph outputs with fixed names). */
  rename(from: string, to: string): string {
    if (this.used.has(to)) throw new Error(`tensor name ${to} is already taken`);
    for (const n of this.nodes) {
      n.output = n.output.map((o) => (o === from ? to : o));
      n.input = n.input.map((i) => (i === from ? to : i));
    }
    this.used.add(to);
    return to;
  }

  graph(name: string): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  model(name: string, metadata: Record<string, string> = {}, docString = ''): ModelProto {
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'loupe',
      producerVersion: '0.1.0',
      docString,
      graph: this.graph(name),
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
  }

  encode(name: string, metadata: Record<string, string> = {}, docString = ''): Uint8Array {
    return encodeModel(this.model(name, metadata, docString));
  }
}
