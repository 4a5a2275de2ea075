// Real Fashion-MNIST pictures as PNG bytes (Debian's dataset-fashion-mnist), for tests that
// embed them with the real backbone.
import sharp from 'sharp';
import { loadFashionMnist } from '../vision/fixtures-fmnist';

/** Short, label-safe names of the ten classes. */
export const FMNIST_NAMES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

export interface FmnistPicture {
  /** Index into the t10k split. */
  index: number;
  name: string;
  bytes: Buffer;
}

/** The first `perClass` t10k pictures of each class in `classes` (indices 0-9), as PNG files. */
export async function fmnistPictures(classes: number[], perClass: number): Promise<FmnistPicture[]> {
  const set = loadFashionMnist('t10k', 2000);
  const out: FmnistPicture[] = [];
  for (const c of classes) {
    let n = 0;
    for (let i = 0; i < set.count && n < perClass; i++) {
      if (set.classIds[i] !== c) continue;
      const px = Buffer.from(Array.from(set.features.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
      const bytes = await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toBuffer();
      out.push({ index: i, name: FMNIST_NAMES[c], bytes });
      n++;
    }
  }
  return out;
}
