/** Public surface of selection: label-next ranking, near duplicates, prediction sorting. */
export { rankForLabelling, type LabelNextInput, type LabelNextItem } from './active';
export { uncertaintyScores, type UncertaintyStrategy } from './uncertainty';
export {
  findNearDuplicates,
  findNearDuplicatesBlocked,
  matrixSource,
  centringStats,
  DEFAULT_DUPLICATE_THRESHOLD,
  type BlockedDuplicateInput,
  type CentringStats,
  type DuplicateInput,
  type DuplicateGroup,
  type DuplicateResult,
  type RowSource,
} from './duplicates';
export { predictionItems, filterByPrediction, sortByPrediction, type PredictedItem, type PredictionFilter, type PredictionSortKey } from './sort';
export { UnionFind } from './union-find';
export { findLikelyMislabelled, naiveDisagreements, classThresholds, type MislabelInput, type MislabelItem, type MislabelResult } from './confident-learning';
export {
  outOfFoldProbabilities,
  assignFolds,
  epochsFor,
  batchFor,
  repeatsFor,
  type OutOfFoldInput,
  type OutOfFoldOptions,
  type OutOfFoldResult,
} from './out-of-fold';
