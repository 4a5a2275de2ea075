// Electron's binary is fetched on first run rather than at install: its install script is
// denied in package.json's allowScripts so that `npm install` works offline (and in CI).
// `npm start`, `npm run dev` and `npm run dist` call this first.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('electron/package.json'));
if (!existsSync(join(pkgDir, 'path.txt'))) {
  console.log('loupe: downloading the Electron binary (first run only)…');
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], { stdio: 'inherit', cwd: pkgDir });
  if (r.status !== 0) {
    console.error('loupe: could not download Electron. Without internet, use `npm run serve` and open the printed address in a browser.');
    process.exit(1);
  }
}
