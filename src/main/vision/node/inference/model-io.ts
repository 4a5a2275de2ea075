import { VisionError } from '../../pure/errors';
import type { ModelCard } from './model-card';
import type { PlainTensor, SessionMeta } from './session-thread';

// The boundary between preprocessed RGB bytes and a model's own input convention, as its card
// describes it, plus the checks that a model file really takes what its card promises.

/** Builds the input tensor for a batch of RGB HWC images at the card's size. */
export function toInputTensor(card: ModelCard, batch: Uint8Array[]): PlainTensor {
  const { width: w, height: h, dtype, layout, normalize, normalizeInGraph } = card.input;
  const n = batch.length;
  const plane = w * h;
  if (dtype === 'uint8' && layout === 'NHWC') {
    // Always a fresh buffer: it is handed over (transferred) to the inference thread.
    return { type: 'uint8', data: Buffer.concat(batch), dims: [n, h, w, 3] };
  }
  const data = dtype === 'uint8' ? new Uint8Array(n * plane * 3) : new Float32Array(n * plane * 3);
  const mean = [0, 1, 2].map((c) => (normalizeInGraph ? 0 : (normalize.mean[c] ?? normalize.mean[0])));
  const inv = [0, 1, 2].map((c) => (normalizeInGraph ? 1 : 1 / (normalize.std[c] ?? normalize.std[0])));
  for (let b = 0; b < n; b++) {
    const src = batch[b];
    const base = b * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = (src[p * 3 + c] - mean[c]) * inv[c];
        data[layout === 'NHWC' ? base + p * 3 + c : base + c * plane + p] = v;
      }
    }
  }
  const dims = layout === 'NHWC' ? [n, h, w, 3] : [n, 3, h, w];
  return { type: dtype, data, dims };
}

/** Throws `model_input_mismatch`, naming the file, when the session's input or output is not what the card says. */
export function checkModelFits(session: SessionMeta, card: ModelCard, file: string): void {
  const meta = session.inputMetadata.find((m) => m.name === card.input.name);
  if (!meta) {
    throw new VisionError('model_input_mismatch', `${file} has no input named ${card.input.name} (it has: ${session.inputNames.join(', ')}).`);
  }
  if (session.inputNames.length !== 1) {
    throw new VisionError('model_input_mismatch', `${file} takes ${session.inputNames.length} inputs; a backbone takes exactly one image input.`);
  }
  if (!session.outputNames.includes(card.output.name)) {
    throw new VisionError('model_input_mismatch', `${file} has no output named ${card.output.name} (it has: ${session.outputNames.join(', ')}).`);
  }
  if (!meta.isTensor) throw new VisionError('model_input_mismatch', `${file}: input ${meta.name} is not a tensor.`);
  if (meta.type !== card.input.dtype) {
    throw new VisionError('model_input_mismatch', `${file}: input ${meta.name} is ${meta.type}, but its card says ${card.input.dtype}.`);
  }
  const want = card.input.layout === 'NHWC' ? [card.input.height, card.input.width, 3] : [3, card.input.height, card.input.width];
  const shape = meta.shape;
  const fits = shape.length === 4 && want.every((d, i) => typeof shape[i + 1] !== 'number' || shape[i + 1] === d);
  if (!fits) {
    throw new VisionError(
      'model_input_mismatch',
      `${file}: input ${meta.name} has shape [${shape.join(', ')}], which does not fit the card's ${card.input.layout} ${card.input.width}×${card.input.height}×3 image.`,
    );
  }
}

/** Feature length of a [N, D] or [N, D, 1, 1] output; anything else is refused. */
export function featureOutputDim(t: PlainTensor | undefined): number {
  if (!t) return -1;
  const dims = t.dims;
  if (dims.length === 2 || (dims.length === 4 && dims[2] === 1 && dims[3] === 1)) return dims[1];
  return -1;
}
