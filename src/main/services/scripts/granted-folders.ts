import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { LoupeError } from '../../../shared/errors';
import type { SettingsRepository } from '../../store/index';

const KEY = 'scripts.grantedFolders';

/** `~/x` → the home folder; relative paths are refused (a script has no working folder). */
export function expandPath(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  if (!isAbsolute(path)) throw new LoupeError('validation', `"${path}" is not an absolute path; write it in full, e.g. "/home/me/Pictures" or "~/Pictures".`);
  return resolve(path);
}

/**
 * Real path of a file or folder that may not exist yet: the deepest existing ancestor is
 * resolved (so a symlink cannot lead outside a granted folder) and the rest appended.
 */
export function realPathOf(path: string): string {
  const abs = expandPath(path);
  const rest: string[] = [];
  let at = abs;
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    rest.unshift(basename(at));
    at = up;
  }
  return join(realpathSync(at), ...rest);
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The folders a person granted to scripts in Settings. Every path a script names is
 * resolved with realpath and must lie in one of them; nothing else is reachable.
 */
export class GrantedFolders {
  constructor(private readonly settings: SettingsRepository) {}

  list(): string[] {
    const v = this.settings.get<unknown>(KEY);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  grant(path: string): string[] {
    const abs = expandPath(path);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new LoupeError('not_found', `No folder at ${abs}.`);
    const real = realpathSync(abs);
    const list = this.list();
    if (!list.includes(real)) this.settings.set(KEY, [...list, real].sort());
    return this.list();
  }

  revoke(path: string): string[] {
    let real = path;
    try {
      real = realPathOf(path);
    } catch {
      // Not a usable path: remove it as written.
    }
    this.settings.set(KEY, this.list().filter((p) => p !== real && p !== path));
    return this.list();
  }

  /** The real path of `path` if it lies in a granted folder, else an error that says how to grant it. */
  check(path: string): string {
    if (typeof path !== 'string' || path.length === 0) throw new LoupeError('validation', 'A path must be a non-empty string.');
    const real = realPathOf(path);
    const roots = this.list();
    if (roots.some((r) => inside(real, r))) return real;
    const how = 'Grant its folder to scripts in Settings → Granted folders';
    throw new LoupeError(
      'forbidden',
      roots.length === 0
        ? `${real} is outside the folders scripts may use (none is granted yet). ${how}.`
        : `${real} is outside the folders scripts may use (${roots.join(', ')}). ${how}.`,
    );
  }
}
