import { GraphBuilder } from '../onnx/graph-builder';
import { VisionError } from '../../pure/errors';
import { flattenKerasModel, layersNeeded, type FlatGraph } from './keras-graph';
import { WeightEmitter } from './emit-weights';
import { emitLayer, globalPool, type EmitCtx, type Value } from './emit-layers';
import type { LayersModel } from './tfjs-model';

export interface ConvertOptions {
  /**
   * Layers whose outputs, globally pooled, are concatenated into the `features` output:
   * `layer` is average-pooled, `layer@max` max-pooled (see parseTap). Default: the model's
   * own outputs.
   */
  taps?: string[];
  /**
   * Per-channel normalisation of 0..255 pixel values done inside the graph: x' = (x - mean) / std.
   * The nsfwjs MobileNetV2 wants x/255 (mean 0, std 255); Teachable Machine models want
   * [-1, 1] (mean 127.5, std 127.5).
   */
  normalize?: { mean: number[]; std: number[] };
  /** Graph input element type: uint8 (default; pixels as decoded) or float32 (0..255). */
  inputType?: 'uint8' | 'float32';
  /** Also expose each pooled tap as `tap:<tap>` (used to choose taps and to verify). */
  tapOutputs?: boolean;
  /** Also expose these layers' raw outputs, in Keras's NHWC layout, as `raw:<layer>`. */
  rawOutputs?: string[];
  graphName?: string;
  metadata?: Record<string, string>;
}

export interface ConvertResult {
  onnx: Uint8Array;
  inputName: 'image';
  inputSize: [number, number];
  channels: number;
  featureDim: number;
  taps: Array<{ layer: string; pool: TapPool; dim: number }>;
}

export type TapPool = 'avg' | 'max';

/**
 * A tap names a layer and how its map is pooled: `block_13_expand_relu` averages over H and W,
 * `block_13_expand_relu@max` takes the maximum. Max pooling keeps "is this part present
 * anywhere" (a collar, a heel) that averaging dilutes; Keras layer names never hold an '@'.
 */
export function parseTap(tap: string): { layer: string; pool: TapPool } {
  const at = tap.lastIndexOf('@');
  if (at < 0) return { layer: tap, pool: 'avg' };
  const pool = tap.slice(at + 1);
  if (pool !== 'avg' && pool !== 'max') throw new VisionError('model_invalid', `Tap ${tap}: the pooling after '@' must be avg or max.`);
  return { layer: tap.slice(0, at), pool };
}

/** Layers whose every consumer is a 'valid' convolution, so their zero padding can fold into it. */
function foldablePads(graph: FlatGraph): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const l of graph.layers) for (const i of l.inputs) consumers.set(i, [...(consumers.get(i) ?? []), l.name]);
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const out = new Set<string>();
  for (const l of graph.layers) {
    if (l.className !== 'ZeroPadding2D') continue;
    const cs = consumers.get(l.name) ?? [];
    const ok =
      cs.length > 0 &&
      !graph.outputs.includes(l.name) &&
      cs.every((n) => {
        const c = byName.get(n);
        return (c?.className === 'Conv2D' || c?.className === 'DepthwiseConv2D') && c.config.padding === 'valid';
      });
    if (ok) out.add(l.name);
  }
  return out;
}

/** Converts a TF.js layers image model into an ONNX graph: uint8 NHWC `image` in, `features` out. */
export function convertLayersModel(model: LayersModel, opts: ConvertOptions = {}): ConvertResult {
  const graph = flattenKerasModel(model.modelConfig, model.source);
  const names = new Set(graph.layers.map((l) => l.name));
  const taps = (opts.taps ?? graph.outputs).map((t) => ({ tap: t, ...parseTap(t) }));
  const raw = opts.rawOutputs ?? [];
  for (const t of [...taps.map((p) => p.layer), ...raw]) {
    if (!names.has(t)) throw new VisionError('model_invalid', `${model.source}: there is no layer named ${t}.`);
  }
  const shape = graph.input.shape;
  const [h, w, ch] = [Number(shape[1]), Number(shape[2]), Number(shape[3])];
  if (shape.length !== 4 || !(h > 0 && w > 0 && ch > 0)) {
    throw new VisionError('unsupported_layer', `${model.source}: the input must be an image [batch, height, width, channels], not [${shape.join(', ')}].`);
  }

  const g = new GraphBuilder();
  const inputType = opts.inputType ?? 'uint8';
  let x = g.input('image', inputType, ['N', h, w, ch]);
  if (inputType === 'uint8') x = g.node('Cast', [x], 'image_f32', { to: 1 });
  const norm = opts.normalize ?? { mean: [0], std: [1] };
  if (norm.mean.some((m) => m !== 0)) x = g.node('Sub', [x, g.floats('input_mean', norm.mean)], 'image_centered');
  if (norm.std.some((s) => s !== 1)) x = g.node('Div', [x, g.floats('input_std', norm.std)], 'image_scaled');
  x = g.node('Transpose', [x], 'image_nchw', { perm: [0, 3, 1, 2] });

  const folds = foldablePads(graph);
  const ctx: EmitCtx = { g, w: new WeightEmitter(g, model), source: model.source, foldsIntoConv: (n) => folds.has(n) };
  const values = new Map<string, Value>([[graph.input.name, { name: x, shape: [ch, h, w] }]]);
  for (const l of layersNeeded(graph, [...taps.map((t) => t.layer), ...raw])) {
    const ins = l.inputs.map((i) => {
      const v = values.get(i);
      if (!v) throw new VisionError('model_invalid', `${model.source}: layer ${l.name} reads ${i}, which is not computed before it.`);
      return v;
    });
    values.set(l.name, emitLayer(ctx, l, ins));
  }

  const pooled = taps.map((t) => ({
    ...t,
    value: globalPool(ctx, values.get(t.layer)!, `tap/${t.tap}`, t.pool === 'max' ? 'GlobalMaxPool' : 'GlobalAveragePool'),
  }));
  const featureDim = pooled.reduce((s, p) => s + p.value.shape[0], 0);
  const concat =
    pooled.length === 1
      ? g.node('Identity', [pooled[0].value.name], 'features_one')
      : g.node(
          'Concat',
          pooled.map((p) => p.value.name),
          'features_cat',
          { axis: 1 },
        );
  g.rename(concat, 'features');
  g.output('features', 'float32', ['N', featureDim]);
  if (opts.tapOutputs) {
    for (const p of pooled) {
      const name = g.rename(g.node('Identity', [p.value.name], `tap_out/${p.tap}`), `tap:${p.tap}`);
      g.output(name, 'float32', ['N', p.value.shape[0]]);
    }
  }
  for (const r of raw) {
    const v = values.get(r)!;
    const src = v.shape.length === 3 ? g.node('Transpose', [v.name], `raw/${r}`, { perm: [0, 2, 3, 1] }) : g.node('Identity', [v.name], `raw/${r}`);
    const name = g.rename(src, `raw:${r}`);
    const dims = v.shape.length === 3 ? [v.shape[1], v.shape[2], v.shape[0]] : v.shape;
    g.output(name, 'float32', ['N', ...dims]);
  }
  const onnx = g.encode(opts.graphName ?? 'backbone', opts.metadata ?? {});
  return {
    onnx,
    inputName: 'image',
    inputSize: [h, w],
    channels: ch,
    featureDim,
    taps: pooled.map((p) => ({ layer: p.layer, pool: p.pool, dim: p.value.shape[0] })),
  };
}
