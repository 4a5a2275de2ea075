// Tasks that a script enqueues run with the script's reach, not the app's.
//
// `loupe.enqueue` only queues the kinds listed here; a kind whose input names paths lists
// them, and the task records `origin: "script"` in its input. Its paths are checked
// against the granted folders twice: when the script enqueues it (a clear error at the
// call) and again when the task runs (a folder may have been revoked, or a link swapped,
// in between). A kind added to the app later is unreachable from scripts until it is
// listed here, so a new path-taking kind cannot open a hole by being forgotten.
import { z } from 'zod';
import { LoupeError } from '../../../shared/errors';
import type { GrantedFolders } from './granted-folders';

/** What a task's input holds when a script queued it. Only ever narrows what the task may touch. */
export const SCRIPT_ORIGIN = 'script';
export const TaskOrigin = z.literal(SCRIPT_ORIGIN).optional();

type PathsOf = (input: Record<string, unknown>) => unknown[];

const SCRIPT_KINDS: Record<string, PathsOf | null> = {
  import: (i) => (Array.isArray(i.paths) ? i.paths : [i.paths]),
  'predict-folder': (i) => [i.path, ...(i.output === undefined ? [] : [i.output])],
  script: null,
  train: null,
  embed: null,
};

/** The kinds a script may queue. */
export const SCRIPT_ENQUEUE_KINDS = Object.keys(SCRIPT_KINDS);

/** Whether a task of this kind names paths (and so records and checks its origin). */
export const takesPaths = (kind: string): boolean => SCRIPT_KINDS[kind] != null;

/**
 * The input a script's `loupe.enqueue(kind, input)` queues: refused if the kind is not
 * one scripts may queue or a path lies outside the granted folders; stamped with the
 * script origin when the kind takes paths.
 */
export function scriptTaskInput(kind: string, input: unknown, folders: GrantedFolders): unknown {
  if (!Object.hasOwn(SCRIPT_KINDS, kind)) {
    throw new LoupeError('validation', `Scripts cannot queue "${kind}" tasks; they can queue: ${SCRIPT_ENQUEUE_KINDS.join(', ')}.`);
  }
  const pathsOf = SCRIPT_KINDS[kind];
  if (!pathsOf) return input ?? {};
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new LoupeError('validation', `The input of a "${kind}" task must be a map.`);
  checkPaths(kind, pathsOf(input as Record<string, unknown>), folders);
  return { ...(input as Record<string, unknown>), origin: SCRIPT_ORIGIN };
}

/**
 * At run time: every path in the input of a task a script queued must still lie in a
 * granted folder; the first that does not ends the task with the check's error. Answers
 * the checked real paths in the input's order (`paths…` for import; `path`, then `output`
 * if given, for predict-folder): the task must use these, not the input as written (`~/`
 * or a link means something else to `path.resolve`).
 */
export function checkScriptTaskPaths(kind: string, input: object, folders: GrantedFolders): string[] {
  const pathsOf = SCRIPT_KINDS[kind];
  if (!pathsOf) return [];
  return checkPaths(kind, pathsOf(input as Record<string, unknown>), folders);
}

function checkPaths(kind: string, paths: unknown[], folders: GrantedFolders): string[] {
  return paths.map((p) => {
    if (typeof p !== 'string' || p.length === 0) throw new LoupeError('validation', `A "${kind}" task's paths must be non-empty strings.`);
    return folders.check(p);
  });
}
