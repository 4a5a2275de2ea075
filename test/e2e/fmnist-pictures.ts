import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FMNIST_CLASSES, FMNIST_DIR, readIdx } from '../vision/fixtures-fmnist';

/**
 * Small real pictures for the pipeline's end-to-end tests: Fashion-MNIST test-set images
 * (Debian's dataset-fashion-mnist) as 28×28 grayscale PNGs, `perClass` of each asked class,
 * in file order. Label names are folder-safe ("Trouser", "Bag", "Sneaker", …).
 */
export interface FmnistPicture {
  name: string;
  label: string;
  bytes: Buffer;
}

export async function fmnistPictures(classes: string[], perClass: number, skip = 0): Promise<FmnistPicture[]> {
  const images = readIdx(join(FMNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  const labels = readIdx(join(FMNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
  const [count, h, w] = images.dims;
  const out: FmnistPicture[] = [];
  for (const name of classes) {
    const id = FMNIST_CLASSES.indexOf(name);
    if (id < 0) throw new Error(`No Fashion-MNIST class "${name}".`);
    let seen = 0;
    for (let i = 0; i < count && out.filter((p) => p.label === name).length < perClass; i++) {
      if (labels.data[i] !== id || seen++ < skip) continue;
      const px = Buffer.from(images.data.subarray(i * h * w, (i + 1) * h * w));
      const bytes = await sharp(px, { raw: { width: w, height: h, channels: 1 } })
        .png()
        .toBuffer();
      out.push({ name: `${name.toLowerCase()}-${i}.png`, label: name, bytes });
    }
  }
  return out;
}

/** Writes pictures into DIR/<label>/<name> (a folder per label, as a person would drop them). */
export function writeByLabel(dir: string, pictures: readonly FmnistPicture[]): void {
  for (const p of pictures) {
    mkdirSync(join(dir, p.label), { recursive: true });
    writeFileSync(join(dir, p.label, p.name), p.bytes);
  }
}

/** Writes pictures straight into DIR (no label folders). */
export function writeFlat(dir: string, pictures: readonly FmnistPicture[]): void {
  mkdirSync(dir, { recursive: true });
  for (const p of pictures) writeFileSync(join(dir, p.name), p.bytes);
}
