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
//   buildHeadModel(head) -> Uint8Array                              the head alone: float32 embeddings -> probabilities
//   convertLayersModel / loadLayersModelFile / loadMinJsLayersModel  TF.js layers (Teachable Machine) -> ONNX
//   buildDefaultBackbone / writeDefaultBackbone                      the default backbone and its card
//   quantizeStatic / writeInt8Backbone                               int8 QDQ variant from calibration pictures
//   readModelCard / parseModelCard / modelCardSchema                 backbone cards (models/*.json)
//   listBackbones(dir)                                               every card in a folder, valid or with its error
//   pickDefaultBackbone(dir, prefer)                                 the default backbone: int8 where its accuracy check held, else float
//
// The engine is split by where code may run: node/ (above: inference, preprocess, convert, onnx,
// export) needs Node, onnxruntime and sharp; pure/ (head training, evaluation, selection, the
// head's maths, VisionError) runs in any JavaScript host and is re-exported whole.
export * from './pure';
export { preprocessImage, DEFAULT_LIMIT_INPUT_PIXELS, type PreprocessOptions } from './node/preprocess/preprocess';
export { readRegularFile, FileRefused, type FileRefusalReason } from './node/preprocess/read-file';
export {
  InferenceEngine,
  type DecodedAhead,
  type EngineOptions,
  type EmbedInput,
  type EmbedOptions,
  type EmbedResult,
  type EngineReport,
} from './node/inference/engine';
export { defaultProviders, defaultThreads, sessionOptions, type ProviderName, type ProviderAttempt } from './node/inference/providers';
export {
  listBackbones,
  pickDefaultBackbone,
  int8CheckOf,
  DEFAULT_FLOAT_CARD,
  DEFAULT_INT8_CARD,
  type BackboneEntry,
  type BackbonePreference,
  type BackboneVariant,
  type DefaultBackbone,
} from './node/inference/backbones';
export { modelCardSchema, parseModelCard, readModelCard, cardPathFor, modelFileOf, type ModelCard } from './node/inference/model-card';
export { convertLayersModel, type ConvertOptions, type ConvertResult } from './node/convert/layers-to-onnx';
export { loadLayersModelFile, loadMinJsLayersModel, type LayersModel } from './node/convert/tfjs-model';
export { exportModel, buildClassifier, preprocessingText, type ExportOptions } from './node/export/export-model';
export {
  buildDefaultBackbone,
  writeDefaultBackbone,
  writeInt8Backbone,
  DEFAULT_TAPS,
  DEFAULT_MODEL_FILE,
  INT8_MODEL_FILE,
} from './node/convert/default-backbone';
export { quantizeStatic } from './node/convert/quantize';
export { buildHeadModel } from './node/export/head-graph';
