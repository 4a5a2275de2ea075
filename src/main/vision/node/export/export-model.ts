import { readFile } from 'node:fs/promises';
import { VisionError } from '../../pure/errors';
import type { HeadWeights } from '../../pure/head';
import type { ModelCard } from '../inference/model-card';
import { GraphBuilder, valueInfo } from '../onnx/graph-builder';
import { foldConstantDequantize } from '../onnx/fold-dequantize';
import { decodeModel, encodeModel, toNumber, type ModelProto } from '../onnx/onnx-proto';
import { addCoverResize, RESIZE_OPSET } from '../preprocess/resize-graph';
import { addHead, checkExportable } from './head-graph';

// One self-contained ONNX classifier: uint8 RGB `image` [N,H,W,3] at the picture's own size
// -> Loupe's resize (resize-graph.ts, the same operators the app runs) -> backbone ->
// the head (head-graph.ts: standardisation, layers, softmax, weights from the one HeadWeights)
// -> `probabilities` [N,K]; labels in the metadata `labels` as a JSON array, the preparation
// in words in `preprocessing`.

export interface ExportOptions {
  backbonePath: string;
  card: ModelCard;
  head: HeadWeights;
  /** Defaults to head.labels. */
  labels?: string[];
  /** Extra metadata_props (strings). */
  metadata?: Record<string, string>;
}

function invalid(message: string): never {
  throw new VisionError('export_invalid', message);
}

/** Adapts Loupe's resized pixels (uint8 NHWC at the card's size) to what the backbone takes; returns the tensor to feed it. */
function adaptInput(g: GraphBuilder, card: ModelCard, resized: string, backboneInput: string): string {
  const { dtype, layout, normalize, normalizeInGraph } = card.input;
  let x = resized;
  if (dtype !== 'uint8' || layout !== 'NHWC') {
    x = g.node('Cast', [x], 'image_f32', { to: 1 });
    if (!normalizeInGraph) {
      if (normalize.mean.some((m) => m !== 0)) x = g.node('Sub', [x, g.floats('export/mean', normalize.mean)], 'image_centered');
      if (normalize.std.some((s) => s !== 1)) x = g.node('Div', [x, g.floats('export/std', normalize.std)], 'image_scaled');
    }
    if (layout === 'NCHW') x = g.node('Transpose', [x], 'image_nchw', { perm: [0, 3, 1, 2] });
    if (dtype === 'uint8') x = g.node('Cast', [x], 'image_u8', { to: 2 });
  }
  return g.node('Identity', [x], backboneInput);
}

/** Ops whose inputs or attributes changed at opset 18: a backbone using them at an older opset cannot be raised to 18 as is. */
const CHANGED_AT_18 = new Set([
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
  'Split',
]);

/** How an outside program prepares pictures for the file, in words no library owns. */
export function preprocessingText(card: ModelCard): string {
  const { width, height } = card.input;
  return (
    'Give `image` one picture (or a batch of pictures of one size) as uint8 RGB [N, H, W, 3] at its own size: decode the first frame, ' +
    'turn it upright from its EXIF orientation, composite any alpha onto white, convert to 8-bit sRGB RGB; rows top to bottom, pixels left to right, channels R, G, B. ' +
    `Do not resize or normalise: the graph resizes inside (ONNX Resize, opset 18: scale both sides by max(${width}/W, ${height}/H) so the picture covers ${width}x${height}, ` +
    'mode linear with antialias (a triangle filter widened by the shrink factor), half-pixel centres; then crop the centre, round half to even, clip to 0..255) ' +
    'and normalises as its backbone needs. Loupe runs the same operators on its own pixels, so the answers agree exactly when the decoded pixels do (lossless pictures without alpha; JPEG decoders and alpha compositing may round a level apart). ' +
    'Pictures over 4 megapixels: Loupe first shrinks them by the whole factor floor(min(W, H) / (2 * side)) with libvips (Pillow: Image.reduce comes close), for speed; only there is the agreement not exact.'
  );
}

export function buildClassifier(backbone: ModelProto, opts: ExportOptions): ModelProto {
  const { card, head } = opts;
  const labels = opts.labels ?? head.labels;
  checkExportable(head, card.output.dim, labels);
  const graph = backbone.graph;
  const inputs = graph.input.filter((i) => !graph.initializer.some((t) => t.name === i.name));
  if (inputs.length !== 1 || inputs[0].name !== card.input.name)
    invalid(`${opts.backbonePath} does not take the single input ${card.input.name} its card names.`);
  if (!graph.output.some((o) => o.name === card.output.name)) invalid(`${opts.backbonePath} has no output ${card.output.name}.`);
  const backboneOpset = Math.max(0, ...backbone.opsetImport.filter((o) => !o.domain).map((o) => toNumber(o.version)));
  if (backboneOpset < RESIZE_OPSET) {
    const old = graph.node.find((n) => CHANGED_AT_18.has(n.opType));
    if (old)
      invalid(
        `${opts.backbonePath} uses ${old.opType} at opset ${backboneOpset}; the exported file needs opset ${RESIZE_OPSET} for its resize. Re-save the backbone at opset ${RESIZE_OPSET} or later.`,
      );
  }

  // Float weights unless the backbone is meant to run quantized: fast with default options anywhere.
  const body = { ...graph, node: [...graph.node], initializer: [...graph.initializer], input: [], output: [] };
  if (card.quantization !== 'int8-static') foldConstantDequantize(body);
  const g = GraphBuilder.from(body);
  // The public input is `image`; the backbone's own input is fed by the resize.
  const backboneInput = card.input.name === 'image' ? g.rename('image', 'backbone_image_input') : g.unique(card.input.name);
  g.inputs.push(valueInfo('image', 'uint8', ['N', 'H', 'W', 3]));
  // Nodes feeding the backbone must come before it: build them apart, then prepend.
  const pre = new GraphBuilder();
  for (const n of g.nodes) for (const o of n.output) pre.unique(o);
  for (const t of g.initializers) if (t.name) pre.unique(t.name);
  pre.unique('image');
  const fed = adaptInput(pre, card, addCoverResize(pre, 'image', card.input.width, card.input.height), backboneInput);
  if (fed !== backboneInput) invalid('internal: the input adapter could not take the backbone input name.');
  g.nodes.unshift(...pre.nodes);
  g.initializers.push(...pre.initializers);

  const features = g.node('Flatten', [card.output.name], 'head/features', { axis: 1 });
  g.rename(addHead(g, features, head), 'probabilities');
  g.output('probabilities', 'float32', ['N', labels.length]);

  const opset = Math.max(RESIZE_OPSET, backboneOpset);
  const metadata: Record<string, string> = {
    labels: JSON.stringify(labels),
    backbone: card.id,
    backbone_quantization: card.quantization ?? 'none',
    head: head.kind,
    input: "image: uint8 RGB [N,H,W,3] at the picture's own size (see preprocessing)",
    preprocessing: preprocessingText(card),
    output: 'probabilities: float32 [N,K], softmax over labels in the order of `labels`',
    ...opts.metadata,
  };
  const model = g.model('loupe_classifier', metadata, `Loupe classifier on ${card.name}`);
  return {
    ...model,
    irVersion: Math.max(8, toNumber(backbone.irVersion)),
    opsetImport: [...backbone.opsetImport.filter((o) => o.domain), { domain: '', version: opset }],
  };
}

/** Writes one ONNX file (as bytes): backbone + standardisation + head + softmax. */
export async function exportModel(opts: ExportOptions): Promise<Buffer> {
  const bytes = await readFile(opts.backbonePath).catch(() => invalid(`No backbone file at ${opts.backbonePath}.`));
  let backbone: ModelProto;
  try {
    backbone = decodeModel(bytes);
  } catch {
    return invalid(`${opts.backbonePath} is not an ONNX model.`);
  }
  if (!backbone.graph) invalid(`${opts.backbonePath} is not an ONNX model.`);
  return Buffer.from(encodeModel(buildClassifier(backbone, opts)));
}
