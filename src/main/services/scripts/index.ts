export { ScriptService, ScriptTaskInput, type ScriptServiceDeps } from './script-service';
export { GrantedFolders, expandPath, realPathOf } from './granted-folders';
export { createLoupeModule, listFiles, type RunReporter } from './loupe-module';
export { Glob } from './glob';
export { SCRIPT_ENQUEUE_KINDS, SCRIPT_ORIGIN, TaskOrigin, checkScriptTaskPaths } from './script-tasks';
export { TEMPLATES } from './templates';
export { runScript, ScriptChildren, type ScriptOutcome, type HostApi } from './script-runner';
