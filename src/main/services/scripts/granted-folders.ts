import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
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

const present = (p: string): boolean => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/**
 * Real path of a file or folder that may not exist yet: the deepest existing ancestor is
 * resolved (so a symlink cannot lead outside a granted folder) and the rest appended.
 * A dangling symbolic link on the way is refused: what it would lead to once its target
 * appears cannot be checked now, and writing through it would create that target.
 */
export function realPathOf(path: string): string {
  const abs = expandPath(path);
  const rest: string[] = [];
  let at = abs;
  // lstat, not exists: a dangling link "exists" as a name and must not count as absent.
  while (!present(at)) {
    const up = dirname(at);
    if (up === at) break;
    rest.unshift(basename(at));
    at = up;
  }
  let real: string;
  try {
    real = realpathSync(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') {
      throw new LoupeError(
        'forbidden',
        `${abs} goes through a symbolic link that leads nowhere (${at}); scripts cannot use such a path. Remove the link or point it at a real folder.`,
      );
    }
    throw err;
  }
  return join(real, ...rest);
}

/** Whether a real path is a granted root or lies below one. */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
const inside = isInside;

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
    this.settings.set(
      KEY,
      this.list().filter((p) => p !== real && p !== path),
    );
    return this.list();
  }

  /** The real path of `path` if it lies in a granted folder, else an error that says how to grant it. */
  check(path: string): string {
    if (typeof path !== 'string' || path.length === 0) throw new LoupeError('validation', 'A path must be a non-empty string.');
    if (path.includes('\0')) throw new LoupeError('validation', 'A path cannot hold a NUL character.');
    return this.checkReal(realPathOf(path));
  }

  /**
   * The same check for a path that is already real (e.g. `realpath` of a file just
   * created): the one place that decides what lies inside.
   */
  checkReal(real: string): string {
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
