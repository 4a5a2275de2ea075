export { ScriptService, ScriptTaskInput, type ScriptServiceDeps } from './script-service';
export { GrantedFolders, expandPath, realPathOf } from './granted-folders';
export { createLoupeModule, globToRegExp, type RunReporter } from './loupe-module';
export { TEMPLATES } from './templates';
export { runScript, ScriptChildren, type ScriptOutcome, type HostApi } from './script-runner';
