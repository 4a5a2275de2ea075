import type { GraphBuilder } from '../onnx/graph-builder';
import { VisionError } from '../../pure/errors';
import type { ResolvedLayer } from './keras-graph';
import type { WeightEmitter } from './emit-weights';

// One Keras layer -> ONNX nodes. Tensors are kept NCHW inside the graph (ONNX's conv layout);
// shapes are tracked without the batch dimension: [C, H, W] for images, [D] for vectors.

export interface Value {
  name: string;
  shape: number[];
  /** A ZeroPadding2D folded into the convolution that consumes it: [top, left, bottom, right] (shape excludes it). */
  pads?: [number, number, number, number];
}

export interface EmitCtx {
  g: GraphBuilder;
  w: WeightEmitter;
  source: string;
  /** True when every consumer of this layer's output is a 'valid' convolution (padding can fold). */
  foldsIntoConv: (layer: string) => boolean;
}

const pair = (v: unknown, d: number): [number, number] => {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [Number(v[0]), Number(v[1])];
  return [d, d];
};

function unsupported(ctx: EmitCtx, l: ResolvedLayer, why: string): never {
  throw new VisionError('unsupported_layer', `${ctx.source}: layer ${l.name} (${l.className}) ${why}.`);
}

export function activation(ctx: EmitCtx, x: Value, act: unknown, base: string): Value {
  const { g } = ctx;
  const a = String(act ?? 'linear');
  const one = (op: string, attrs = {}): Value => ({ name: g.node(op, [x.name], `${base}/${a}`, attrs), shape: x.shape });
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return one('Relu');
    case 'relu6':
      return { name: g.node('Clip', [x.name, g.scalar('zero', 0), g.scalar('six', 6)], `${base}/relu6`), shape: x.shape };
    case 'sigmoid':
      return one('Sigmoid');
    case 'tanh':
      return one('Tanh');
    case 'elu':
      return one('Elu');
    case 'selu':
      return one('Selu');
    case 'softplus':
      return one('Softplus');
    case 'softsign':
      return one('Softsign');
    case 'hard_sigmoid':
      return one('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'softmax':
      return one('Softmax', { axis: 1 });
    case 'swish': {
      const s = g.node('Sigmoid', [x.name], `${base}/swish_sig`);
      return { name: g.node('Mul', [x.name, s], `${base}/swish`), shape: x.shape };
    }
    default:
      throw new VisionError('unsupported_layer', `${ctx.source}: activation '${a}' in ${base} is not supported.`);
  }
}

/** TF 'same' padding: extra pixel at the end, as ONNX SAME_UPPER. */
function convPads(inSize: number, k: number, s: number, d: number, mode: string): [number, number] {
  if (mode === 'valid') return [0, 0];
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function conv(ctx: EmitCtx, l: ResolvedLayer, x: Value, depthwise: boolean): Value {
  const c = l.config;
  if (c.data_format === 'channels_first') unsupported(ctx, l, 'uses channels_first');
  const [kh, kw] = pair(c.kernel_size, 1);
  const [sh, sw] = pair(c.strides, 1);
  const [dh, dw] = pair(c.dilation_rate, 1);
  const [cin, h, w] = x.shape;
  const [pt, pb] = convPads(h, kh, sh, dh, String(c.padding));
  const [pl, pr] = convPads(w, kw, sw, dw, String(c.padding));
  const extra = x.pads ?? [0, 0, 0, 0];
  const pads = [pt + extra[0], pl + extra[1], pb + extra[2], pr + extra[3]];
  const kernel = ctx.w.kernel(l.name, depthwise ? 'depthwise_kernel' : 'kernel', depthwise ? 'depthwise' : 'conv');
  const cout = depthwise ? cin * Number(c.depth_multiplier ?? 1) : Number(c.filters);
  const inputs = [x.name, kernel];
  if (c.use_bias !== false && ctx.w.find(l.name, 'bias')) inputs.push(ctx.g.floats(`${l.name}/bias`, ctx.w.values(l.name, 'bias')!));
  const ho = Math.floor((h + pads[0] + pads[2] - ((kh - 1) * dh + 1)) / sh) + 1;
  const wo = Math.floor((w + pads[1] + pads[3] - ((kw - 1) * dw + 1)) / sw) + 1;
  const y = ctx.g.node('Conv', inputs, l.name, {
    kernel_shape: [kh, kw],
    strides: [sh, sw],
    dilations: [dh, dw],
    pads,
    group: depthwise ? cin : 1,
  });
  return activation(ctx, { name: y, shape: [cout, ho, wo] }, c.activation, l.name);
}

function batchNorm(ctx: EmitCtx, l: ResolvedLayer, x: Value): Value {
  const c = l.config;
  const axis = Number(c.axis ?? -1);
  if (!(axis === -1 || axis === x.shape.length)) unsupported(ctx, l, `normalises axis ${axis}`);
  const n = x.shape[0];
  const ones = new Float32Array(n).fill(1);
  const zeros = new Float32Array(n);
  const g = ctx.g;
  const scale = g.floats(`${l.name}/gamma`, c.scale === false ? ones : ctx.w.get(l.name, 'gamma').values);
  const bias = g.floats(`${l.name}/beta`, c.center === false ? zeros : ctx.w.get(l.name, 'beta').values);
  const mean = g.floats(`${l.name}/moving_mean`, ctx.w.get(l.name, 'moving_mean').values);
  const variance = g.floats(`${l.name}/moving_variance`, ctx.w.get(l.name, 'moving_variance').values);
  const y = g.node('BatchNormalization', [x.name, scale, bias, mean, variance], l.name, { epsilon: { float: Number(c.epsilon ?? 1e-3) } });
  return { name: y, shape: x.shape };
}

function pool(ctx: EmitCtx, l: ResolvedLayer, x: Value, op: 'AveragePool' | 'MaxPool'): Value {
  const c = l.config;
  const [kh, kw] = pair(c.pool_size, 2);
  const [sh, sw] = c.strides == null ? [kh, kw] : pair(c.strides, kh);
  const [ch, h, w] = x.shape;
  const [pt, pb] = convPads(h, kh, sh, 1, String(c.padding ?? 'valid'));
  const [pl, pr] = convPads(w, kw, sw, 1, String(c.padding ?? 'valid'));
  const attrs: Record<string, number[] | number> = { kernel_shape: [kh, kw], strides: [sh, sw], pads: [pt, pl, pb, pr] };
  // TF averages over the valid pixels only, ONNX's default counts the padding too.
  if (op === 'AveragePool') attrs.count_include_pad = 0;
  const y = ctx.g.node(op, [x.name], l.name, attrs);
  return { name: y, shape: [ch, Math.floor((h + pt + pb - kh) / sh) + 1, Math.floor((w + pl + pr - kw) / sw) + 1] };
}

/** Global average pooling of a [C,H,W] value to [C]; vectors pass through. */
export function globalPool(ctx: EmitCtx, x: Value, base: string, op = 'GlobalAveragePool'): Value {
  if (x.shape.length === 1) return x;
  const p = ctx.g.node(op, [x.name], `${base}/pool`);
  return { name: ctx.g.node('Flatten', [p], `${base}/flat`, { axis: 1 }), shape: [x.shape[0]] };
}

function toNhwc(ctx: EmitCtx, x: Value, base: string): string {
  return x.shape.length === 3 ? ctx.g.node('Transpose', [x.name], `${base}/nhwc`, { perm: [0, 2, 3, 1] }) : x.name;
}

function materialise(ctx: EmitCtx, x: Value, base: string): Value {
  if (!x.pads) return x;
  const [t, l, b, r] = x.pads;
  const pads = ctx.g.int64s(`${base}/pads`, [0, 0, t, l, 0, 0, b, r]);
  return { name: ctx.g.node('Pad', [x.name, pads], `${base}/pad`), shape: [x.shape[0], x.shape[1] + t + b, x.shape[2] + l + r] };
}

export function emitLayer(ctx: EmitCtx, l: ResolvedLayer, inputs: Value[]): Value {
  const { g } = ctx;
  const c = l.config;
  const cls = l.className;
  if (cls === 'Conv2D' || cls === 'DepthwiseConv2D') return conv(ctx, l, inputs[0], cls === 'DepthwiseConv2D');
  if (cls === 'ZeroPadding2D') {
    const p = c.padding;
    let t: number, b: number, left: number, r: number;
    if (Array.isArray(p) && Array.isArray(p[0])) [[t, b], [left, r]] = p as [[number, number], [number, number]];
    else {
      const [ph, pw] = pair(p, 1);
      [t, b, left, r] = [ph, ph, pw, pw];
    }
    const x = inputs[0];
    // The shape stays the unpadded one until the padding is materialised; a conv adds the pads.
    const padded: Value = { name: x.name, shape: x.shape, pads: [t, left, b, r] };
    return ctx.foldsIntoConv(l.name) ? padded : materialise(ctx, padded, l.name);
  }
  const xs = inputs.map((v) => materialise(ctx, v, l.name));
  const x = xs[0];
  switch (cls) {
    case 'BatchNormalization':
      return batchNorm(ctx, l, x);
    case 'ReLU': {
      if (Number(c.threshold ?? 0) !== 0) unsupported(ctx, l, 'has a non-zero threshold');
      const slope = Number(c.negative_slope ?? 0);
      let y = slope === 0 ? g.node('Relu', [x.name], l.name) : g.node('LeakyRelu', [x.name], l.name, { alpha: { float: slope } });
      if (c.max_value != null) y = g.node('Clip', [y, '', g.scalar(`${l.name}/max`, Number(c.max_value))], `${l.name}/clip`);
      return { name: y, shape: x.shape };
    }
    case 'LeakyReLU':
      return { name: g.node('LeakyRelu', [x.name], l.name, { alpha: { float: Number(c.alpha ?? 0.3) } }), shape: x.shape };
    case 'Activation':
      return activation(ctx, x, c.activation, l.name);
    case 'Softmax':
      return { name: g.node('Softmax', [x.name], l.name, { axis: 1 }), shape: x.shape };
    case 'Add':
    case 'Multiply': {
      let y = x.name;
      for (const o of xs.slice(1)) y = g.node(cls === 'Add' ? 'Add' : 'Mul', [y, o.name], l.name);
      return { name: y, shape: x.shape };
    }
    case 'Average': {
      const s = g.node(
        'Sum',
        xs.map((v) => v.name),
        `${l.name}/sum`,
      );
      return { name: g.node('Div', [s, g.scalar(`${l.name}/n`, xs.length)], l.name), shape: x.shape };
    }
    case 'Concatenate': {
      const axis = Number(c.axis ?? -1);
      if (axis !== -1 && axis !== x.shape.length) unsupported(ctx, l, `concatenates on axis ${axis}`);
      const shape = [...x.shape];
      shape[0] = xs.reduce((s, v) => s + v.shape[0], 0);
      return {
        name: g.node(
          'Concat',
          xs.map((v) => v.name),
          l.name,
          { axis: 1 },
        ),
        shape,
      };
    }
    case 'AveragePooling2D':
      return pool(ctx, l, x, 'AveragePool');
    case 'MaxPooling2D':
      return pool(ctx, l, x, 'MaxPool');
    case 'GlobalAveragePooling2D':
      return globalPool(ctx, x, l.name);
    case 'GlobalMaxPooling2D':
      return globalPool(ctx, x, l.name, 'GlobalMaxPool');
    case 'Flatten': {
      if (x.shape.length === 1) return x;
      const d = x.shape.reduce((a, b) => a * b, 1);
      // Keras flattens in H, W, C order.
      const src = x.shape[1] * x.shape[2] === 1 ? x.name : toNhwc(ctx, x, l.name);
      return { name: g.node('Flatten', [src], l.name, { axis: 1 }), shape: [d] };
    }
    case 'Reshape': {
      const target = (c.target_shape as number[]).map(Number);
      const nhwc = toNhwc(ctx, x, l.name);
      const shapeT = g.int64s(`${l.name}/shape`, [-1, ...target]);
      const y = g.node('Reshape', [nhwc, shapeT], l.name);
      if (target.length === 1) return { name: y, shape: target };
      if (target.length !== 3) unsupported(ctx, l, `reshapes to rank ${target.length}`);
      return { name: g.node('Transpose', [y], `${l.name}/nchw`, { perm: [0, 3, 1, 2] }), shape: [target[2], target[0], target[1]] };
    }
    case 'Dense': {
      if (x.shape.length !== 1) unsupported(ctx, l, 'is applied to an image tensor');
      const k = ctx.w.kernel(l.name, 'kernel', 'asis');
      let y = g.node('MatMul', [x.name, k], l.name);
      if (c.use_bias !== false && ctx.w.find(l.name, 'bias'))
        y = g.node('Add', [y, g.floats(`${l.name}/bias`, ctx.w.values(l.name, 'bias')!)], `${l.name}/bias_add`);
      return activation(ctx, { name: y, shape: [Number(c.units)] }, c.activation, l.name);
    }
    case 'Dropout':
    case 'SpatialDropout2D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
    case 'ActivityRegularization':
      return x;
    default:
      return unsupported(ctx, l, 'is not supported by the converter');
  }
}
