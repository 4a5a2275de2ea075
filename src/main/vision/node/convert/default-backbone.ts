import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ModelCard } from '../inference/model-card';
import { convertLayersModel } from './layers-to-onnx';
import { quantizeStatic } from './quantize';
import { loadMinJsLayersModel } from './tfjs-model';
import selection from './tap-selection.json';

// The default backbone: nsfwjs's Keras MobileNetV2 (MIT), converted by our own converter into a
// uint8-in, features-out ONNX graph whose features are pooled taps at several depths.

/** Where nsfwjs keeps its MobileNetV2 (read by path: the package's exports map blocks imports). */
export function nsfwjsMobilenetDir(): string {
  const entry = createRequire(import.meta.url).resolve('nsfwjs');
  return resolve(dirname(entry), '..', 'models', 'mobilenet_v2');
}

/** This checkpoint wants x/255 (not [-1, 1]). */
export const NSFWJS_NORMALIZE = { mean: [0], std: [255] };
export const DEFAULT_TAPS: string[] = selection.taps;
export const DEFAULT_MODEL_FILE = 'mobilenet_v2.onnx';

export interface BuiltBackbone {
  onnx: Uint8Array;
  card: ModelCard;
}

export function buildDefaultBackbone(taps: string[] = DEFAULT_TAPS): BuiltBackbone {
  const model = loadMinJsLayersModel(nsfwjsMobilenetDir());
  const r = convertLayersModel(model, {
    taps,
    normalize: NSFWJS_NORMALIZE,
    graphName: 'mobilenet_v2_taps',
    metadata: { source: 'nsfwjs MobileNetV2 (Keras 2.2.4, MIT)', taps: JSON.stringify(taps) },
  });
  const digest = createHash('sha256').update(r.onnx).digest('hex').slice(0, 12);
  const card: ModelCard = {
    format: 'loupe-backbone-card/1',
    id: `mobilenet_v2-nsfwjs-${digest}`,
    name: 'MobileNetV2 (nsfwjs weights), pooled multi-depth features',
    file: DEFAULT_MODEL_FILE,
    input: {
      name: r.inputName,
      dtype: 'uint8',
      layout: 'NHWC',
      width: r.inputSize[1],
      height: r.inputSize[0],
      channels: 3,
      normalize: NSFWJS_NORMALIZE,
      normalizeInGraph: true,
    },
    output: { name: 'features', dim: r.featureDim },
    quantization: 'weights-uint8',
    preprocess: { fit: 'cover', position: 'centre', kernel: 'lanczos3', alpha: 'white' },
    description:
      'Input: uint8 RGB [N,224,224,3] as decoded (the graph divides by 255 itself). Output: float32 ' +
      '`features` [N,D], the concatenation of the global pools of the tap layers, in order (a tap ' +
      'named layer@max is max-pooled, any other average-pooled). ' +
      'Blocks up to block_10 carry frozen ImageNet weights; later blocks were fine-tuned by nsfwjs for a ' +
      '5-class task, which is why middle taps generalise better than the final 1280-d vector. Kernels ' +
      'are stored losslessly as uint8 + DequantizeLinear; run with session.disable_quant_qdq=1.',
    license: 'MIT (nsfwjs, Infinite Red); MobileNetV2 architecture Apache-2.0',
    source: { package: 'nsfwjs', path: 'dist/models/mobilenet_v2', converter: 'src/main/vision/convert' },
    taps: r.taps,
    selection: selection as Record<string, unknown>,
  };
  return { onnx: r.onnx, card };
}

/** Writes `<dir>/mobilenet_v2.onnx` and its card `<dir>/mobilenet_v2.json`; returns the paths. */
export function writeDefaultBackbone(dir: string): { modelPath: string; cardPath: string; card: ModelCard } {
  const { onnx, card } = buildDefaultBackbone();
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, DEFAULT_MODEL_FILE);
  const cardPath = join(dir, 'mobilenet_v2.json');
  writeFileSync(modelPath, onnx);
  writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  return { modelPath, cardPath, card };
}

export const INT8_MODEL_FILE = 'mobilenet_v2_int8.onnx';

/**
 * Writes the statically quantized variant (`mobilenet_v2_int8.onnx` + card) from calibration
 * batches (pictures preprocessed as for inference). `check` records how its accuracy compared
 * with float; the app embeds with it only when that check passed (`offered: true`, see
 * pickDefaultBackbone), else with float.
 */
export async function writeInt8Backbone(
  dir: string,
  calibration: ort.Tensor[],
  check: Record<string, unknown>,
  /** The float build's card id it was quantized from (the build rebuilds int8 when that changes). */
  floatId?: string,
): Promise<{ modelPath: string; cardPath: string; card: ModelCard }> {
  const float = buildDefaultBackbone();
  const onnx = await quantizeStatic(float.onnx, calibration);
  const digest = createHash('sha256').update(onnx).digest('hex').slice(0, 12);
  const card: ModelCard = {
    ...float.card,
    id: `mobilenet_v2-nsfwjs-int8-${digest}`,
    name: 'MobileNetV2 (nsfwjs weights), pooled multi-depth features, int8',
    file: INT8_MODEL_FILE,
    quantization: 'int8-static',
    description: `${float.card.description} This variant is statically quantized (int8 weights per channel, uint8 activations calibrated on pictures; QDQ form): run it WITHOUT disable_quant_qdq.`,
    source: { ...float.card.source, float: floatId ?? float.card.id },
    selection: { ...float.card.selection, int8Check: check },
  };
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, INT8_MODEL_FILE);
  const cardPath = join(dir, 'mobilenet_v2_int8.json');
  writeFileSync(modelPath, onnx);
  writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  return { modelPath, cardPath, card };
}
