/**
 * Structural checks on a HeadWeights value, used before predicting with it and after
 * reading one back from storage: a head that passes runs without index errors or NaN.
 */
import { VisionError } from './errors';
import type { HeadWeights } from './head';

function fail(why: string): never {
  throw new VisionError('invalid_head', `This model's head is unusable: ${why}. Train the model again.`);
}

function finite(a: Float32Array, what: string): void {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) fail(`${what} contains ${a[i]}`);
}

export function checkHead(head: HeadWeights): void {
  if (head.kind !== 'softmax' && head.kind !== 'mlp') fail(`unknown kind ${String(head.kind)}`);
  const D = head.inputDim;
  if (!Number.isInteger(D) || D < 1) fail(`input dimension ${D}`);
  if (!(head.mean instanceof Float32Array) || head.mean.length !== D) fail('mean has the wrong length');
  if (!(head.std instanceof Float32Array) || head.std.length !== D) fail('std has the wrong length');
  finite(head.mean, 'mean');
  finite(head.std, 'std');
  for (let k = 0; k < D; k++) if (!(head.std[k] > 0)) fail('std has a value that is not positive');
  if (!Array.isArray(head.layers) || head.layers.length === 0) fail('it has no layers');
  let inDim = D;
  head.layers.forEach((l, i) => {
    if (l.inDim !== inDim) fail(`layer ${i} expects ${l.inDim} inputs, previous gives ${inDim}`);
    if (!Number.isInteger(l.outDim) || l.outDim < 1) fail(`layer ${i} has ${l.outDim} outputs`);
    if (!(l.weight instanceof Float32Array) || l.weight.length !== l.inDim * l.outDim) fail(`layer ${i} weight has the wrong size`);
    if (!(l.bias instanceof Float32Array) || l.bias.length !== l.outDim) fail(`layer ${i} bias has the wrong size`);
    if (l.activation !== 'relu' && l.activation !== 'none') fail(`layer ${i} has activation ${String(l.activation)}`);
    finite(l.weight, `layer ${i} weight`);
    finite(l.bias, `layer ${i} bias`);
    inDim = l.outDim;
  });
  if (!Array.isArray(head.labels) || head.labels.length !== inDim) fail(`${head.labels?.length} labels for ${inDim} outputs`);
  if (new Set(head.labels).size !== head.labels.length) fail('labels repeat');
}
