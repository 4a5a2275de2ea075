// Builds the default backbone into models/ (run by `npm run models` and by postinstall with
// --if-missing). Offline: the weights come from the nsfwjs package already installed.
// Two builds: float (always) and int8 (the default wherever its accuracy check held: the app
// embeds with it, see src/main/vision/node/inference/backbones.ts). The int8 build calibrates on
// Fashion-MNIST train pictures and photo-like JPEGs, so it needs Debian's
// dataset-fashion-mnist; without it only float is built and the app says so.
// The accuracy record it carries is src/main/vision/node/convert/int8-check.json (written by
// bench/vision/quant-check.ts; test/vision/int8-default.test.ts checks the built file again).
// `--float-only` skips the int8 build.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FILE, INT8_MODEL_FILE, writeDefaultBackbone, writeInt8Backbone } from '../src/main/vision/node/convert/default-backbone';

const modelsDir = fileURLToPath(new URL('../models', import.meta.url));
const ifMissing = process.argv.includes('--if-missing');
const checkFile = fileURLToPath(new URL('../src/main/vision/node/convert/int8-check.json', import.meta.url));

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * The cards are written by the build, the float one also tracked in git: after a pull that
 * changes the backbone the card and file disagree. A card's id ends with the first 12 hex
 * digits of its file's SHA-256, so a build is current only when that matches.
 */
function cardMatchesFile(card: string, file: string): boolean {
  const path = join(modelsDir, file);
  if (!existsSync(path)) return false;
  const id = readJson(join(modelsDir, card))?.id;
  return typeof id === 'string' && id.endsWith(createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12));
}

/** The int8 build is current when its file matches its card, it was made from this float build and carries this accuracy record. */
function int8Current(floatId: string): boolean {
  if (!cardMatchesFile('mobilenet_v2_int8.json', INT8_MODEL_FILE)) return false;
  const card = readJson(join(modelsDir, 'mobilenet_v2_int8.json'));
  const source = card?.source as Record<string, unknown> | undefined;
  const selection = card?.selection as Record<string, unknown> | undefined;
  return source?.float === floatId && JSON.stringify(selection?.int8Check) === JSON.stringify(readJson(checkFile));
}

async function buildInt8(floatId: string): Promise<void> {
  const check = readJson(checkFile);
  if (!check) {
    console.log('loupe: int8 backbone not built: no accuracy record (run `npx tsx bench/vision/quant-check.ts`); the app embeds with float.');
    return;
  }
  const { FASHION_DIR } = await import('../bench/vision/fashion-mnist');
  if (!existsSync(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'))) {
    console.log(
      `loupe: int8 backbone not built: its calibration needs Fashion-MNIST in ${FASHION_DIR} (apt install dataset-fashion-mnist); the app embeds with float.`,
    );
    return;
  }
  if (ifMissing && int8Current(floatId)) {
    console.log('loupe: int8 backbone already built.');
    return;
  }
  // Built even when the check failed: the card then carries the failed check, the app embeds
  // with float and /v1/health says why.
  const { calibrationBatches } = await import('../bench/vision/quant-calibration');
  const t0 = Date.now();
  const { modelPath, card } = await writeInt8Backbone(
    modelsDir,
    await calibrationBatches(fileURLToPath(new URL('../bench/tmp/vision/photos', import.meta.url))),
    check,
    floatId,
  );
  const verdict =
    check.offered === true
      ? 'the default'
      : `not used: its accuracy check failed (${String(check.int8ValAccuracy)} against ${String(check.floatValAccuracy)} for float)`;
  console.log(`loupe: wrote ${modelPath} (${card.id}, ${verdict}) in ${Date.now() - t0} ms`);
}

let floatId: string;
if (ifMissing && cardMatchesFile('mobilenet_v2.json', DEFAULT_MODEL_FILE)) {
  console.log('loupe: default backbone already built (npm run models rebuilds it).');
  floatId = String(readJson(join(modelsDir, 'mobilenet_v2.json'))?.id);
} else {
  const t0 = Date.now();
  const { modelPath, card } = writeDefaultBackbone(modelsDir);
  floatId = card.id;
  console.log(`loupe: wrote ${modelPath} (${card.id}, ${card.output.dim} features) in ${Date.now() - t0} ms`);
}
if (!process.argv.includes('--float-only')) await buildInt8(floatId);
