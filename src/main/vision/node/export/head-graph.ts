import { VisionError } from '../../pure/errors';
import { checkHead } from '../../pure/head-check';
import type { HeadWeights } from '../../pure/head';
import { GraphBuilder } from '../onnx/graph-builder';

// The head as ONNX operators. It is pure/forward.ts written as a graph, in the same order
// (Sub then Div to standardise, Gemm per layer, Relu, Softmax) and with the same float32
// weights taken straight from the one HeadWeights, so the exported file and the app give the
// same probabilities (test/vision/export-head.test.ts runs both on real embeddings).

function invalid(message: string): never {
  throw new VisionError('export_invalid', message);
}

/**
 * Refuses a head that cannot be exported on this backbone with these labels. The head's own
 * shape is checked by the same checkHead that prediction uses; its refusal becomes
 * `export_invalid` so that an export fails with one code whatever is wrong.
 */
export function checkExportable(head: HeadWeights, featureDim: number, labels: string[]): void {
  if (head.inputDim !== featureDim) invalid(`The head takes ${head.inputDim} features but the backbone gives ${featureDim}; retrain it on this backbone.`);
  try {
    checkHead(head);
  } catch (err) {
    if (err instanceof VisionError && err.code === 'invalid_head') invalid(err.message);
    throw err;
  }
  if (labels.length !== head.labels.length) invalid(`The head has ${head.labels.length} outputs but there are ${labels.length} labels.`);
  if (labels.length < 2) invalid('A classifier needs at least two labels.');
}

/** Appends standardisation, the head's layers and softmax after `features` [N, D]; returns the probabilities [N, K]. */
export function addHead(g: GraphBuilder, features: string, head: HeadWeights): string {
  let x = g.node('Sub', [features, g.floats('head/mean', head.mean)], 'head/centered');
  x = g.node('Div', [x, g.floats('head/std', head.std)], 'head/standardised');
  head.layers.forEach((l, i) => {
    const w = g.floats(`head/layer${i}/weight`, l.weight, [l.outDim, l.inDim]);
    const b = g.floats(`head/layer${i}/bias`, l.bias);
    x = g.node('Gemm', [x, w, b], `head/layer${i}`, { transB: 1 });
    if (l.activation === 'relu') x = g.node('Relu', [x], `head/layer${i}/relu`);
  });
  return g.node('Softmax', [x], 'head/softmax', { axis: 1 });
}

/**
 * The head alone as an ONNX model: `embeddings` float32 [N, D] -> `probabilities` [N, K].
 * For checking the graph against the forward pass without a backbone, and for anyone who
 * computes embeddings themselves.
 */
export function buildHeadModel(head: HeadWeights): Uint8Array {
  checkExportable(head, head.inputDim, head.labels);
  const g = new GraphBuilder();
  g.input('embeddings', 'float32', ['N', head.inputDim]);
  g.rename(addHead(g, 'embeddings', head), 'probabilities');
  g.output('probabilities', 'float32', ['N', head.labels.length]);
  return g.encode('loupe_head', { labels: JSON.stringify(head.labels), head: head.kind });
}
