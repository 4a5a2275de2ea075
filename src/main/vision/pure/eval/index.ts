/** Public surface of classifier evaluation. */
export {
  evaluatePredictions,
  confusionCell,
  misclassified,
  type EvaluationReport,
  type ClassMetrics,
  type ConfusionMatrix,
  type PredictionInput,
} from './metrics';
export { evaluateProbabilities, topKAccuracy, argmaxRows, type ProbabilityInput } from './probabilities';
export { evaluateLabels } from './by-name';
export { toRunMetrics, type RunMetrics } from './run-metrics';
export { evaluateTrainResult } from './of-run';
