// The vision engine: images in; tensors, embeddings, trained heads and ONNX files out.
// Generic: knows nothing of Loupe's datasets. Public API:
//
//   const engine = await InferenceEngine.open({ modelPath, cardPath?, threads?, providers?, maxBatch?, maxDelayMs? });
//   engine.report()          -> { provider, attempts, threads, backboneId, featureDim, input, maxBatch, modelPath }
//   engine.embed(inputs, { signal?, onProgress? })
//                            -> Array<{ ok: true, embedding: Float32Array } | { ok: false, error: { code, message } }>
//                               inputs: Buffer (encoded image) | string (path) | { pixels } (already preprocessed RGB)
//   engine.preprocess(input) -> RGB bytes at the model's input size (the exact resize embed uses)
//   engine.close()
//
//   preprocessImage(input, { width, height, limitInputPixels? })  the documented resize, alone
//   exportModel({ backbonePath, card, head, labels? }) -> Buffer   one ONNX file: uint8 image -> probabilities
//   convertLayersModel / loadLayersModelFile / loadMinJsLayersModel  TF.js layers (Teachable Machine) -> ONNX
//   buildDefaultBackbone / writeDefaultBackbone                      the default backbone and its card
//   quantizeStatic / writeInt8Backbone                               int8 QDQ variant from calibration pictures
//   readModelCard / parseModelCard / modelCardSchema                 backbone cards (models/*.json)
//   listBackbones(dir)                                               every card in a folder, valid or with its error
//
// Head training (train/), evaluation (eval/) and selection (select/: label-next, near duplicates)
// are re-exported whole; HeadWeights is declared once, in head.ts, and the trainer's is the same shape.
export { VisionError, type VisionErrorCode } from './errors';
export { type HeadWeights, type HeadLayer, applyHead } from './head';
export { preprocessImage, DEFAULT_LIMIT_INPUT_PIXELS, type PreprocessOptions } from './preprocess/preprocess';
export { readRegularFile, FileRefused, type FileRefusalReason } from './preprocess/read-file';
export {
  InferenceEngine,
  type EngineOptions,
  type EmbedInput,
  type EmbedOptions,
  type EmbedResult,
  type EngineReport,
} from './inference/engine';
export { defaultProviders, sessionOptions, type ProviderName, type ProviderAttempt } from './inference/providers';
export { listBackbones, type BackboneEntry } from './inference/backbones';
export { modelCardSchema, parseModelCard, readModelCard, cardPathFor, modelFileOf, type ModelCard } from './inference/model-card';
export { convertLayersModel, type ConvertOptions, type ConvertResult } from './convert/layers-to-onnx';
export { loadLayersModelFile, loadMinJsLayersModel, type LayersModel } from './convert/tfjs-model';
export { exportModel, buildClassifier, preprocessingText, type ExportOptions } from './export/export-model';
export { buildDefaultBackbone, writeDefaultBackbone, writeInt8Backbone, DEFAULT_TAPS, DEFAULT_MODEL_FILE, INT8_MODEL_FILE } from './convert/default-backbone';
export { quantizeStatic } from './convert/quantize';
export * from './train';
export * from './eval';
export * from './select';
