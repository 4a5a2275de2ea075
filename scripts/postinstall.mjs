// Runs after `npm install`/`npm ci`. Never fails the install: each step says what to do by hand.
import { chmodSync, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// Some packages (electron-vite 6) ship their CLI without the executable bit, and npm does
// not always add it; a script that calls the CLI then fails with "Permission denied".
const binDir = join('node_modules', '.bin');
if (existsSync(binDir)) {
  for (const name of readdirSync(binDir)) {
    try {
      const target = realpathSync(join(binDir, name));
      const mode = statSync(target).mode;
      if ((mode & 0o111) === 0) chmodSync(target, mode | 0o755);
    } catch {
      // a dangling link is npm's business, not ours
    }
  }
}

// The default backbone is built from the nsfwjs package by our own converter.
if (existsSync(new URL('./build-models.ts', import.meta.url))) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-models.ts', '--if-missing'], { stdio: 'inherit' });
  if (r.status !== 0) console.warn('loupe: building the default backbone failed; run `npm run models` to retry.');
}
