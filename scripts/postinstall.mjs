// Builds the default backbone after install, once its builder exists; never fails the install.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
if (existsSync(new URL('./build-models.ts', import.meta.url))) {
  const r = spawnSync('npx', ['tsx', 'scripts/build-models.ts', '--if-missing'], { stdio: 'inherit' });
  if (r.status !== 0) console.warn('loupe: building the default backbone failed; run `npm run models` to retry.');
}
