import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Loupe keeps its data unless told otherwise: the platform's app-data folder
 * (XDG on Linux). Both shells may use it so the desktop app and `loupe serve` share data.
 * Its own file so that the command line can name it without loading the app.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Loupe');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Loupe');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'Loupe');
}
