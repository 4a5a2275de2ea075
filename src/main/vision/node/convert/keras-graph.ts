import { VisionError } from '../../pure/errors';
import type { KerasLayer } from './tfjs-model';

// Flattens a Keras model config (Functional or Sequential, nested models inlined, as in
// Teachable Machine exports) into one topologically ordered list of layers whose inputs are
// names of other layers' outputs.

export interface ResolvedLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: string[];
}

export interface FlatGraph {
  layers: ResolvedLayer[];
  /** Name of the model input tensor and its batch_input_shape ([null, H, W, C]). */
  input: { name: string; shape: Array<number | null> };
  outputs: string[];
}

const NESTED = new Set(['Model', 'Functional', 'Sequential']);

interface Ctx {
  layers: ResolvedLayer[];
  input?: FlatGraph['input'];
  source: string;
}

function inboundNames(layer: KerasLayer, source: string): string[] {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length === 0) return [];
  if (nodes.length > 1) {
    throw new VisionError('unsupported_layer', `${source}: layer ${layer.name} is called more than once (shared layers are not supported).`);
  }
  const node = nodes[0];
  if (!Array.isArray(node)) throw new VisionError('unsupported_layer', `${source}: layer ${layer.name} uses a Keras 3 node format.`);
  return node.map((t) => {
    if (!Array.isArray(t) || typeof t[0] !== 'string') throw new VisionError('model_invalid', `${source}: bad inbound node in ${layer.name}.`);
    return t[0];
  });
}

function layerName(layer: KerasLayer): string {
  return String(layer.name ?? layer.config.name ?? '');
}

function batchInputShape(layer: KerasLayer): Array<number | null> | undefined {
  const s = layer.config.batch_input_shape ?? layer.config.batch_shape;
  return Array.isArray(s) ? (s as Array<number | null>) : undefined;
}

/** Expands one model config; `input` is the outer tensor feeding it (undefined for the outermost). */
function expand(cfg: { class_name: string; config: unknown }, input: string | undefined, ctx: Ctx, prefix: string): string[] {
  const alias = new Map<string, string>();
  const resolve = (n: string): string => alias.get(n) ?? prefix + n;
  const config = cfg.config as Record<string, unknown> | KerasLayer[];
  const layers = (Array.isArray(config) ? config : (config.layers as KerasLayer[] | undefined)) ?? [];
  const sequential = cfg.class_name === 'Sequential';
  let prev = input;
  const declareInput = (name: string, shape: Array<number | null> | undefined): string => {
    if (prev !== undefined) return prev;
    if (!shape) throw new VisionError('model_invalid', `${ctx.source}: the model does not declare its input shape.`);
    if (ctx.input) throw new VisionError('unsupported_layer', `${ctx.source}: models with more than one input are not supported.`);
    ctx.input = { name: prefix + name, shape };
    return prefix + name;
  };

  for (const layer of layers) {
    const name = layerName(layer);
    if (layer.class_name === 'InputLayer') {
      const t = declareInput(name, batchInputShape(layer));
      alias.set(name, t);
      prev = t;
      continue;
    }
    const nested = NESTED.has(layer.class_name);
    let ins: string[];
    if (sequential) {
      // A nested model first in a Sequential declares the input itself.
      if (prev === undefined && !nested) prev = declareInput(`${name}_input`, batchInputShape(layer));
      ins = prev === undefined ? [] : [prev];
    } else {
      ins = inboundNames(layer, ctx.source).map(resolve);
    }
    if (nested) {
      if (ins.length > 1) throw new VisionError('unsupported_layer', `${ctx.source}: nested model ${name} must take one input.`);
      const outs = expand({ class_name: layer.class_name, config: layer.config }, ins[0], ctx, prefix);
      alias.set(name, outs[0]);
      prev = outs[0];
      continue;
    }
    ctx.layers.push({ className: layer.class_name, name: prefix + name, config: layer.config, inputs: ins });
    alias.set(name, prefix + name);
    prev = prefix + name;
  }
  if (sequential || Array.isArray(config)) return prev === undefined ? [] : [prev];
  const outputs = (config.output_layers as unknown[] | undefined) ?? [];
  return outputs.map((o) => resolve(String((o as unknown[])[0])));
}

export function flattenKerasModel(modelConfig: { class_name: string; config: unknown }, source: string): FlatGraph {
  const ctx: Ctx = { layers: [], source };
  const outputs = expand(modelConfig, undefined, ctx, '');
  if (!ctx.input) throw new VisionError('model_invalid', `${source}: the model has no input layer.`);
  if (outputs.length === 0) throw new VisionError('model_invalid', `${source}: the model has no output layer.`);
  return { layers: ctx.layers, input: ctx.input, outputs };
}

/** The layers needed to compute `targets`, in topological order. */
export function layersNeeded(graph: FlatGraph, targets: string[]): ResolvedLayer[] {
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const needed = new Set<string>();
  const stack = [...targets];
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    const l = byName.get(n);
    if (l) stack.push(...l.inputs);
  }
  return graph.layers.filter((l) => needed.has(l.name));
}
