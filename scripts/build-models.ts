// Builds the default backbone into models/ (run by `npm run models` and by postinstall with
// --if-missing). Offline: the weights come from the nsfwjs package already installed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FILE, writeDefaultBackbone } from '../src/main/vision/convert/default-backbone';

const modelsDir = fileURLToPath(new URL('../models', import.meta.url));
const ifMissing = process.argv.includes('--if-missing');

if (ifMissing && existsSync(join(modelsDir, DEFAULT_MODEL_FILE)) && existsSync(join(modelsDir, 'mobilenet_v2.json'))) {
  console.log('loupe: default backbone already built (npm run models rebuilds it).');
} else {
  const t0 = Date.now();
  const { modelPath, card } = writeDefaultBackbone(modelsDir);
  console.log(`loupe: wrote ${modelPath} (${card.id}, ${card.output.dim} features) in ${Date.now() - t0} ms`);
}
