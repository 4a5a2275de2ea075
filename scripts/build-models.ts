// Builds the default backbone into models/ (run by `npm run models` and by postinstall with
// --if-missing). Offline: the weights come from the nsfwjs package already installed.
// `npm run models -- --int8` also builds the int8 variant, when bench/vision/quant-check.ts
// found it within one accuracy point of float (it calibrates on Fashion-MNIST train pictures).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FILE, writeDefaultBackbone, writeInt8Backbone } from '../src/main/vision/node/convert/default-backbone';

const modelsDir = fileURLToPath(new URL('../models', import.meta.url));
const ifMissing = process.argv.includes('--if-missing');

async function buildInt8(): Promise<void> {
  const checkFile = fileURLToPath(new URL('../src/main/vision/node/convert/int8-check.json', import.meta.url));
  if (!existsSync(checkFile)) {
    console.log('loupe: int8 variant not built: run `npx tsx bench/vision/quant-check.ts` first.');
    return;
  }
  const check = JSON.parse(readFileSync(checkFile, 'utf8')) as Record<string, unknown>;
  if (check.offered !== true) {
    console.log(`loupe: int8 variant not offered: validation accuracy ${String(check.int8ValAccuracy)} vs float ${String(check.floatValAccuracy)} (more than one point lower).`);
    return;
  }
  const { calibrationBatches } = await import('../bench/vision/quant-calibration');
  const t0 = Date.now();
  const { modelPath, card } = await writeInt8Backbone(modelsDir, await calibrationBatches(fileURLToPath(new URL('../bench/tmp/vision/photos', import.meta.url))), check);
  console.log(`loupe: wrote ${modelPath} (${card.id}) in ${Date.now() - t0} ms`);
}

/**
 * The card is tracked in git, the ONNX file is built: after a pull that changes the backbone
 * the two disagree. The card's id ends with the first 12 hex digits of the file's SHA-256,
 * so an existing build is current only when that matches.
 */
function builtAndCurrent(): boolean {
  const modelPath = join(modelsDir, DEFAULT_MODEL_FILE);
  const cardPath = join(modelsDir, 'mobilenet_v2.json');
  if (!existsSync(modelPath) || !existsSync(cardPath)) return false;
  const { id } = JSON.parse(readFileSync(cardPath, 'utf8')) as { id?: string };
  return id?.endsWith(createHash('sha256').update(readFileSync(modelPath)).digest('hex').slice(0, 12)) === true;
}

if (ifMissing && builtAndCurrent()) {
  console.log('loupe: default backbone already built (npm run models rebuilds it).');
} else {
  const t0 = Date.now();
  const { modelPath, card } = writeDefaultBackbone(modelsDir);
  console.log(`loupe: wrote ${modelPath} (${card.id}, ${card.output.dim} features) in ${Date.now() - t0} ms`);
}
if (process.argv.includes('--int8')) await buildInt8();
