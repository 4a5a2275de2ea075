export { VisionService, type VisionOptions } from './vision-service';
export { backbonePreference, findModelsDir } from './backbone';
export type { NamedImage } from './prediction';
export { exportLatestModel, safeFileBase, type ExportLatestOptions } from './export-latest';
